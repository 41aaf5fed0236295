package ai.netra.deploy.verify;

import ai.netra.deploy.DurationText;
import ai.netra.startup.StartupReport;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The post-deploy gates against one service URL, in order, each within its deadline: live,
 * startup, ready, the chat golden path, a batch of requests for latency and errors, and the start
 * against a baseline report. A gate whose precondition failed is not run (live before all, startup
 * before ready, ready before chat and latency) and says so.
 */
public final class Verification {

  /**
   * What to verify and the limits.
   *
   * @param token the service's own token for the chat gate (null: the gate is skipped)
   * @param identityToken a Cloud Run identity token for a private service (null: public)
   * @param baseline the recorded start to compare with (null: the gate is skipped)
   */
  public record Options(URI url, String token, String identityToken, Duration deadline, int requests, Duration maxP99,
      double maxFailureRate, StartupReport baseline, double maxSlowdown, String message, Rollback rollback) { }

  private final Options options;

  public Verification(Options options) {
    this.options = options;
  }

  /** Runs every gate, telling {@code progress} a line as each ends (and while one waits long). */
  public VerificationResult run(Consumer<String> progress) {
    List<GateResult> gates = new ArrayList<>();
    try (ServiceEndpoint service = new ServiceEndpoint(options.url(), options.identityToken())) {
      HealthGates health = new HealthGates(service, options.deadline(), progress);
      GateResult live = told(progress, health.live());
      gates.add(live);
      GateResult startup = live.status() == GateResult.Status.PASS ? told(progress, health.startup())
          : told(progress, GateResult.skipped("startup", "not run: the live gate failed"));
      gates.add(startup);
      boolean started = startup.status() == GateResult.Status.PASS;
      GateResult ready = started ? told(progress, health.ready())
          : told(progress, GateResult.skipped("ready", "not run: the " + (live.status() == GateResult.Status.PASS
              ? "startup" : "live") + " gate failed"));
      gates.add(ready);
      boolean serving = ready.status() == GateResult.Status.PASS;
      String notServing = "not run: the service is not ready";
      if (options.token() == null) {
        gates.add(told(progress, GateResult.skipped(ChatGoldenPath.NAME,
            "no --token: the chat golden path was not checked (this is not a pass)")));
      } else {
        gates.add(told(progress, serving ? new ChatGoldenPath(service, options.token(), options.message(),
            options.deadline()).run() : GateResult.skipped(ChatGoldenPath.NAME, notServing)));
      }
      gates.add(told(progress, serving ? new LatencyGate(service, options.requests(), options.maxP99(),
          options.maxFailureRate(), options.deadline()).run() : GateResult.skipped(LatencyGate.NAME, notServing)));
      StartupReport report = health.startupReport();
      if (options.baseline() == null) {
        gates.add(told(progress, GateResult.skipped(BaselineGate.NAME, "no --baseline-report"
            + (report == null ? "" : " (time to ready " + DurationText.millis(report.elapsedMs()) + ")"))));
      } else {
        gates.add(told(progress, report == null
            ? GateResult.skipped(BaselineGate.NAME, "not run: no finished start to compare")
            : BaselineGate.judge(report, options.baseline(), options.maxSlowdown())));
      }
    }
    return new VerificationResult(options.url().toString(), gates, options.rollback());
  }

  private static GateResult told(Consumer<String> progress, GateResult gate) {
    progress.accept(line(gate));
    gate.warnings().forEach(w -> progress.accept(String.format(Locale.ROOT, "  %-9s %-7s %8s  warning: %s", "", "", "", w)));
    return gate;
  }

  /** {@code   startup   PASS    4.21 s  READY after ...}: one gate, one line. */
  static String line(GateResult gate) {
    return String.format(Locale.ROOT, "  %-9s %-7s %8s  %s", gate.name(), gate.status(),
        gate.status() == GateResult.Status.SKIPPED ? "" : DurationText.millis(gate.tookMs()), gate.summary());
  }
}

package ai.netra.deploy.simulate;

import ai.netra.deploy.DurationText;
import ai.netra.deploy.MemorySize;
import ai.netra.deploy.StartupProbe;
import ai.netra.boot.BackendPlan;
import ai.netra.startup.FailureKind;
import ai.netra.startup.StartupFailure;
import ai.netra.startup.StartupPlan;
import ai.netra.startup.StartupReport;
import ai.netra.startup.TimeoutModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What to deploy with, drawn from one simulated start: memory from the peak RSS plus headroom (as
 * {@code netra plan} sizes it), the startup probe as {@code netra plan} sizes it for the observed
 * time to ready, the probe kind, and the timeouts as {@link TimeoutModel} reads the simulated start
 * (the service and {@code netra check} read the same). A timeout is recommended only where the
 * diagnosis says time was short: a step still waiting when its timeout ran out, or a path whose
 * added latency the step's timeout does not cover. A start that failed for another reason (refused,
 * unknown host, wrong password) gets the cause instead: more time would not help.
 */
public final class Recommendations {

  /** One recommendation: what to set, to what, and why. */
  public record Item(String subject, String value, String why) { }

  private Recommendations() { }

  /**
   * @param plan the plan the service ran, under the timeout policy of its settings
   * @param latencies the latency added per component ({@code database}, {@code redis}); a step of a
   *     component that waits on it needs at least that much, whatever it took here
   */
  public static List<Item> of(SimulationResult r, StartupPlan plan, Map<String, Duration> latencies) {
    List<Item> items = new ArrayList<>();
    items.add(memory(r));
    probe(r, plan.policy().totalBudget()).ifPresent(items::add);
    if (r.probe().kind() == ProbeSpec.Kind.TCP && r.listenMs() != null) {
      items.add(new Item("probe kind", "HTTP startup probe on /health/startup (not the TCP default)",
          r.readyMs() == null
              ? "with the TCP probe Cloud Run sends traffic once the port listens, at " + DurationText.millis(r.listenMs())
                  + ", and this start never became ready: every request would get 503"
              : "with the TCP probe Cloud Run sends traffic once the port listens, at " + DurationText.millis(r.listenMs())
                  + ", " + DurationText.millis(r.readyMs() - r.listenMs()) + " before the service was ready (those"
                  + " requests get 503); netra plan writes the HTTP probe"));
    }
    if (r.report() != null) {
      items.addAll(timeouts(r.report(), r.failure(), plan, latencies));
    }
    if (r.readyMs() != null && r.readyMs() * StartupProbe.MEASURED_FACTOR > r.probe().window().toMillis()) {
      items.add(new Item("cpu", "startup CPU boost (run.googleapis.com/startup-cpu-boost: \"true\") or more than "
          + r.cpus() + " CPU", "ready at " + DurationText.millis(r.readyMs()) + ": the start does not fit its "
          + DurationText.format(r.probe().window()) + " probe window " + StartupProbe.MEASURED_FACTOR + " times on "
          + r.cpus() + " CPU"));
    }
    return items;
  }

  /**
   * The timeouts and budget the model recommends for this start, or the cause when the start failed
   * for a reason more time would not fix.
   */
  public static List<Item> timeouts(StartupReport report, StartupFailure failure, StartupPlan plan,
      Map<String, Duration> latencies) {
    List<Item> items = new ArrayList<>();
    if (failure != null && !ranOutOfTime(failure)) {
      items.add(new Item("cause", "fix what ended the start; more time would not help",
          "step " + failure.step() + " (" + failure.component() + ") failed: " + (failure.cause().isEmpty() ? failure.kind()
              : failure.cause().getLast()) + (failure.hint().isEmpty() ? "" : "; " + failure.hint())));
      return items;
    }
    Map<String, Duration> floors = new java.util.HashMap<>();
    latencies.forEach((component, latency) -> {
      if (latency.isPositive()) {
        floors.put(component, latency);
      }
    });
    TimeoutModel.Assessment model = TimeoutModel.assess(plan,
        TimeoutModel.Inputs.recorded(report, BackendPlan.CLOUD_RUN_WINDOW).withFloors(floors));
    // One item per setting and value: the steps of one component share its setting, and each would say the same.
    Map<String, Item> bySetting = new java.util.LinkedHashMap<>();
    for (TimeoutModel.Finding f : model.findings()) {
      f.changes().forEach((setting, value) -> bySetting.merge(setting + "=" + value, new Item(setting, value, f.message()),
          (a, b) -> new Item(a.subject(), a.value(), a.why() + "; " + b.why())));
    }
    items.addAll(bySetting.values());
    if (failure != null && !floors.containsKey(failure.component())
        && items.stream().noneMatch(i -> i.subject().equals(TimeoutModel.timeoutSetting(failure.component())))) {
      Duration timeout = plan.policy().timeoutFor(failure.component());
      items.add(new Item(TimeoutModel.timeoutSetting(failure.component()), "more than the current "
          + DurationText.format(timeout), "step " + failure.step() + " was still waiting when its timeout ran out, so its"
          + " path needs more than " + DurationText.format(timeout) + ", but how much is not known: measure it (netra"
          + " simulate --db-latency / --redis-latency with the path's time to first byte) before raising it"));
    }
    return items;
  }

  /** Whether the failure says time ran out (a wait cut off, or a driver's timeout), not that something refused. */
  static boolean ranOutOfTime(StartupFailure failure) {
    if (failure.kind() != FailureKind.DEPENDENCY) {
      return false;
    }
    String causes = String.join("\n", failure.cause()).toLowerCase(Locale.ROOT);
    boolean refused = causes.contains("refused") || causes.contains("does not resolve") || causes.contains("unknownhost")
        || causes.contains("no route to host");
    boolean timedOut = causes.contains("still waiting when time ran out") || causes.contains("timed out")
        || causes.contains("used up before this step");
    return timedOut && !refused;
  }

  static Item memory(SimulationResult r) {
    if (r.killedMs() != null) {
      MemorySize next = MemorySize.CLOUD_RUN_SIZES.stream().filter(s -> s.compareTo(r.memory()) > 0).findFirst()
          .orElse(r.memory().times(2));
      return new Item("memory", "more than " + r.memory() + " (try " + next + ")", "the service was killed at the "
          + r.memory() + " limit before it was ready, so its real peak is unknown: simulate again with --memory " + next);
    }
    if (r.memoryUnwatched() != null) {
      return new Item("memory", "unknown", r.memoryUnwatched());
    }
    MemorySize size = r.peakRss().instanceForPeak();
    String why = String.format(Locale.ROOT, "peak RSS %s + %d%% = %s, rounded up to a Cloud Run size of at least %s, as"
        + " netra plan sizes it (measured during the start, without traffic)", r.peakRss(),
        Math.round(MemorySize.HEADROOM * 100), r.peakRss().times(1 + MemorySize.HEADROOM), MemorySize.CLOUD_RUN_MINIMUM);
    if (size.cloudRunMinimumCpus() > r.cpus()) {
      why += "; Cloud Run needs at least " + size.cloudRunMinimumCpus() + " CPUs with " + size;
    }
    if (r.readyMs() == null) {
      why += "; seen before the start ended, so the finished service may need more";
    }
    return new Item("memory", size.toString(), why);
  }

  /** The startup probe {@code netra plan} writes for a start that took this long to get ready, with {@code budget}. */
  static Optional<Item> probe(SimulationResult r, Duration budget) {
    if (r.readyMs() == null) {
      if (r.killedMs() != null || r.exitCode() != null || r.report() == null) {
        return Optional.empty(); // the start did not run out of time: fix what ended it first
      }
      return Optional.of(new Item("startup probe", "a window longer than " + DurationText.format(r.probe().window()),
          "the start was still in phase " + r.report().phase() + " when the window ended; simulate again with a longer"
              + " --timeout to measure the whole start"));
    }
    StartupProbe planned = StartupProbe.of(budget, Duration.ofMillis(r.readyMs()), "this simulation");
    if (!planned.fits()) {
      return Optional.of(new Item("startup probe", "none fits", "the " + DurationText.millis(r.readyMs())
          + " to ready needs a " + planned.measuredTarget() + " s window, over Cloud Run's " + StartupProbe.MAX_WINDOW_S
          + " s: shorten the start (timeouts, CPU boost) or add initialDelaySeconds"));
    }
    return Optional.of(new Item("startup probe", String.format(Locale.ROOT,
        "httpGet /health/startup, periodSeconds %d, failureThreshold %d, timeoutSeconds %d", planned.periodSeconds(),
        planned.failureThreshold(), planned.timeoutSeconds()),
        "a " + planned.window() + " s window, as netra plan sizes it (" + planned.basis() + ")"));
  }
}

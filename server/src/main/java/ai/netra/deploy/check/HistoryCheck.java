package ai.netra.deploy.check;

import ai.netra.deploy.StartupProbe;
import ai.netra.deploy.history.HistorySizing;
import ai.netra.startup.TimeoutModel;
import ai.netra.startup.TimeoutPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The timeout policy and the startup probe against the kept starts ({@code netra check --history}): the model's
 * findings with each step's p99 as its need, the total budget and the probe window against the p99 start, and what
 * drifted between the last two revisions.
 */
final class HistoryCheck {

  private HistoryCheck() { }

  static List<Finding> run(HistorySizing sizing, double margin) {
    List<Finding> findings = new ArrayList<>();
    TimeoutModel.Assessment model = sizing.model();
    int starts = sizing.stats().starts();
    for (TimeoutModel.Finding f : model.findings()) {
      String message = f.message() + " (history of " + starts + " starts)";
      findings.add(switch (f.level()) {
        case FAIL -> Finding.fail(Area.STARTUP, message, f.fix());
        case WARN -> Finding.warn(Area.STARTUP, message, f.fix());
        case PASS -> Finding.pass(Area.STARTUP, message);
      });
    }
    List<HistorySizing.StepSize> covered = sizing.steps().stream()
        .filter(s -> s.p99() != null && !s.tooShort(margin)).toList();
    if (!covered.isEmpty()) {
      HistorySizing.StepSize closest = covered.stream()
          .max((a, b) -> Double.compare(share(a), share(b))).orElseThrow();
      findings.add(Finding.pass(Area.STARTUP, String.format(Locale.ROOT, "%d steps' timeouts cover their p99 over %d starts"
          + " with a %d%% margin (closest: %s, p99 %s of %s)", covered.size(), starts, Math.round(margin * 100),
          closest.step(), TimeoutPolicy.seconds(closest.p99()), TimeoutPolicy.seconds(closest.timeout()))));
    }
    Duration budget = model.policy().totalBudget();
    Duration p99 = Duration.ofMillis(sizing.stats().ready().p99());
    boolean budgetFound = model.findings().stream().anyMatch(f -> f.changes().containsKey(TimeoutModel.BUDGET_SETTING));
    if (budget.toSeconds() >= sizing.budgetSeconds()) {
      findings.add(Finding.pass(Area.STARTUP, "READY p99 " + TimeoutPolicy.seconds(p99) + " over "
          + sizing.stats().ready().count() + " starts: the " + TimeoutPolicy.seconds(budget) + " budget covers it with the margin"));
    } else if (!budgetFound) {
      findings.add(Finding.warn(Area.STARTUP, "READY p99 " + TimeoutPolicy.seconds(p99) + " over "
          + sizing.stats().ready().count() + " starts: with a " + Math.round(margin * 100) + "% margin that needs more than the "
          + TimeoutPolicy.seconds(budget) + " budget", "set " + TimeoutModel.BUDGET_SETTING + "=" + sizing.budgetSeconds()));
    }
    StartupProbe probe = sizing.probe();
    String window = String.format(Locale.ROOT, "%d + %d x %d = %d s", probe.initialDelaySeconds(), probe.periodSeconds(),
        probe.failureThreshold(), probe.window());
    if (probe.fits()) {
      findings.add(Finding.pass(Area.PROBE, "netra plan --history sizes the startup probe to " + window + " (" + probe.basis()
          + ")"));
    } else {
      findings.add(Finding.fail(Area.PROBE, "READY p99 " + TimeoutPolicy.seconds(p99) + " with a " + Math.round(margin * 100)
          + "% margin needs " + probe.measuredTarget() + " s, more than Cloud Run's 240 s of initial delay and 240 s of"
          + " probing together: no startup probe can wait for it",
          "start faster: more CPU (netra plan --cpu 2), startup CPU boost, the image's AOT cache; or fewer steps on the"
              + " critical path"));
    }
    for (String drift : sizing.drift()) {
      findings.add(Finding.warn(Area.STARTUP, "drift: " + drift, "find what changed in that step between the two"
          + " revisions (netra history --revision NAME) before it fails a start"));
    }
    if (sizing.drift().isEmpty() && sizing.stats().revisions().size() >= 2) {
      findings.add(Finding.pass(Area.STARTUP, "no drift between the last two revisions (no step's p95 doubled, no step"
          + " fails more often)"));
    }
    return findings;
  }

  private static double share(HistorySizing.StepSize s) {
    return (double) s.p99().toMillis() / Math.max(1, s.timeout().toMillis());
  }
}

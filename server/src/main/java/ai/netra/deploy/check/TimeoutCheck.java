package ai.netra.deploy.check;

import ai.netra.deploy.RecordedStartup;
import ai.netra.startup.Outcome;
import ai.netra.startup.StartupPlan;
import ai.netra.startup.StepReport;
import ai.netra.startup.StepStatus;
import ai.netra.startup.TimeoutModel;
import ai.netra.startup.TimeoutPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The timeout policy against the startup plan, the platform's startup allowance and, when there is
 * one, a recorded start, as {@link TimeoutModel} reads them (the service reads the same at start):
 * the issue-586 trap (timeouts tuned below what a cold start needs) is caught here, before a deploy.
 */
final class TimeoutCheck {

  private TimeoutCheck() { }

  /** The model's findings, the recorded start's own outcome, and what passed. */
  static List<Finding> run(StartupPlan plan, RecordedStartup report, Duration window, double margin) {
    List<Finding> findings = new ArrayList<>();
    if (report != null && !report.serving()) {
      findings.add(unfinished(report));
    }
    TimeoutModel.Inputs inputs = (report == null ? TimeoutModel.Inputs.declared(window)
        : TimeoutModel.Inputs.recorded(report.report(), window)).withMargin(margin);
    TimeoutModel.Assessment model = TimeoutModel.assess(plan, inputs);
    for (TimeoutModel.Finding f : model.findings()) {
      Area area = report != null && (f.step() == null ? f.message().contains("critical path needs")
          : model.step(f.step()).map(s -> s.source() == TimeoutModel.Source.OBSERVED).orElse(false))
          ? Area.STARTUP : Area.TIMEOUTS;
      findings.add(switch (f.level()) {
        case FAIL -> Finding.fail(area, f.message(), f.fix());
        case WARN -> Finding.warn(area, f.message(), f.fix());
        case PASS -> Finding.pass(area, f.message());
      });
    }
    if (model.findings().stream().noneMatch(f -> f.step() == null && f.level() != TimeoutModel.Level.PASS
        && !f.message().startsWith("STARTUP_TIMEOUT_MULTIPLIER"))) {
      findings.add(Finding.pass(Area.TIMEOUTS, "the critical steps fit the "
          + TimeoutPolicy.seconds(plan.policy().totalBudget()) + " budget: the slowest start the timeouts allow takes "
          + TimeoutPolicy.seconds(model.slowestStart()) + " (" + waiting(model) + ")"));
    }
    if (report != null) {
      findings.addAll(recordedPasses(report, model));
    }
    return findings;
  }

  /** A recorded start that did not get through: what ended it, or that it was still running. */
  private static Finding unfinished(RecordedStartup report) {
    StepReport failed = report.report().steps().stream().filter(s -> s.status() == StepStatus.FAILED).findFirst()
        .orElse(null);
    if (report.report().outcome() == Outcome.FAILED) {
      return Finding.fail(Area.STARTUP, "the recorded start FAILED in phase " + report.report().phase()
          + (failed == null ? "" : " at step " + failed.name() + ": " + failed.error()),
          "fix what the failure names, then record a start that reaches READY (netra simulate, or GET /health/startup)");
    }
    return Finding.warn(Area.STARTUP, "the report was taken before the start ended (outcome "
        + report.report().outcome() + ", phase " + report.report().phase() + "): the durations are partial",
        "record the report once /health/startup answers 200");
  }

  /** The recorded steps that finished well within their timeouts, and the whole start within the budget. */
  private static List<Finding> recordedPasses(RecordedStartup report, TimeoutModel.Assessment model) {
    List<Finding> passes = new ArrayList<>();
    List<TimeoutModel.StepTimeout> fine = model.steps().stream()
        .filter(s -> s.source() == TimeoutModel.Source.OBSERVED)
        .filter(s -> model.findings().stream().noneMatch(f -> s.step().equals(f.step())))
        .toList();
    if (!fine.isEmpty()) {
      TimeoutModel.StepTimeout closest = fine.stream()
          .max((a, b) -> Double.compare(share(a), share(b))).orElseThrow();
      passes.add(Finding.pass(Area.STARTUP, fine.size() + (fine.size() == 1 ? " recorded step" : " recorded steps")
          + " finished well within their timeouts" + String.format(Locale.ROOT, " (closest: %s, %s of %s)", closest.step(),
          TimeoutPolicy.seconds(closest.need()), TimeoutPolicy.seconds(closest.timeout()))));
    }
    boolean pathFound = model.findings().stream().anyMatch(f -> f.step() == null && f.message().contains("critical path needs"));
    if (report.serving() && !pathFound) {
      passes.add(Finding.pass(Area.STARTUP, report.report().outcome() + " " + TimeoutPolicy.seconds(report.elapsed())
          + " after JVM start, within the " + TimeoutPolicy.seconds(model.policy().totalBudget()) + " total budget"));
    }
    return passes;
  }

  private static double share(TimeoutModel.StepTimeout s) {
    return (double) s.need().toMillis() / Math.max(1, s.timeout().toMillis());
  }

  /** The waiting steps at their whole timeouts, for the PASS line. */
  private static String waiting(TimeoutModel.Assessment model) {
    String waits = model.steps().stream()
        .filter(s -> s.waits() && s.criticality() == ai.netra.startup.Criticality.CRITICAL)
        .map(s -> s.step() + " " + TimeoutPolicy.seconds(s.timeout()))
        .collect(Collectors.joining(", "));
    return waits.isEmpty() ? "no step waits on a dependency" : waits;
  }
}

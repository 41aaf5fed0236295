package ai.netra.deploy.check;

import ai.netra.config.SettingNames;
import ai.netra.deploy.RecordedStartup;
import ai.netra.deploy.StartupProbe;
import ai.netra.startup.Criticality;
import ai.netra.startup.Outcome;
import ai.netra.startup.StartupPlan;
import ai.netra.startup.Step;
import ai.netra.startup.StepReport;
import ai.netra.startup.StepStatus;
import ai.netra.startup.TimeoutPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The timeout policy against the startup plan, the platform's startup allowance and, when there is
 * one, a recorded start: the issue-586 trap (timeouts tuned below what a cold start needs) is
 * caught here, before a deploy.
 */
final class TimeoutCheck {

  private static final Set<StepStatus> NOT_RUN = EnumSet.of(StepStatus.PLACEHOLDER, StepStatus.SKIPPED, StepStatus.PENDING);

  private TimeoutCheck() { }

  /** The policy alone, and against the plan's declared needs and the recorded durations. */
  static List<Finding> policy(StartupPlan plan, RecordedStartup report) {
    TimeoutPolicy policy = plan.policy();
    List<Finding> findings = new ArrayList<>();
    double scale = policy.multiplier() * policy.safetyMargin();
    if (scale < 1) {
      findings.add(Finding.warn(Area.TIMEOUTS, String.format(Locale.ROOT,
          "STARTUP_TIMEOUT_MULTIPLIER %s x STARTUP_SAFETY_MARGIN %s = %.2f: every timeout is %d%% below its base timeout,"
              + " so the safety margin is no margin", number(policy.multiplier()), number(policy.safetyMargin()), scale,
          Math.round((1 - scale) * 100)),
          "set STARTUP_SAFETY_MARGIN=" + roundUp(1.1 / policy.multiplier(), 2) + " (or STARTUP_TIMEOUT_MULTIPLIER=1.0)"));
    }
    Map<String, Duration> observed = new HashMap<>();
    if (report != null) {
      report.report().steps().forEach(s -> took(s).ifPresent(d -> observed.put(s.name(), d)));
    }
    TimeoutPolicy.Check check = policy.check(plan, observed);
    boolean pathFails = false;
    Duration worst;
    Map<String, Duration> fixedBase = new HashMap<>(policy.base());
    check.errors().stream().filter(p -> p.component() != null).forEach(p -> fixedBase.put(p.component(), p.suggestedBase()));
    // The budget that fits once the step timeouts are fixed as suggested, each at its full length (uncapped).
    Duration worstFixed = new TimeoutPolicy(fixedBase, policy.defaultBase(), policy.multiplier(), policy.safetyMargin(),
        Duration.ofHours(1)).worstPath(plan);
    for (TimeoutPolicy.Problem p : check.errors()) {
      if (p.component() != null) {
        findings.add(Finding.fail(Area.TIMEOUTS, p.message(),
            "set " + timeoutSetting(p.component()) + "=" + seconds(p.suggestedBase())));
      } else {
        pathFails = true;
        findings.add(Finding.fail(Area.TIMEOUTS, p.message(), budgetFix(worstFixed)
            + (fixedBase.equals(policy.base()) ? "" : " (with the step timeouts fixed as above)")));
      }
    }
    Duration budget = policy.totalBudget();
    worst = new TimeoutPolicy(policy.base(), policy.defaultBase(), policy.multiplier(), policy.safetyMargin(),
        Duration.ofHours(1)).worstPath(plan); // each step at its own full timeout, not cut to the budget
    if (!pathFails && worst.compareTo(budget) > 0) {
      String message = String.format(Locale.ROOT, "if every critical step used its whole timeout the start would need %s,"
          + " but STARTUP_TOTAL_BUDGET_S gives it %s: the service would give up before its own step timeouts",
          TimeoutPolicy.seconds(worst), TimeoutPolicy.seconds(budget));
      if (worst.compareTo(StartupProbe.MAX_WINDOW) <= 0) {
        findings.add(Finding.fail(Area.TIMEOUTS, message + " and long before the platform would (Cloud Run waits up to "
            + StartupProbe.MAX_WINDOW.toSeconds() + " s)", budgetFix(worst)));
      } else {
        findings.add(Finding.warn(Area.TIMEOUTS, message, "lower the largest STARTUP_TIMEOUT_<COMPONENT>_S, or accept that"
            + " the last steps get less than their timeout"));
      }
    } else if (!pathFails) {
      findings.add(Finding.pass(Area.TIMEOUTS, "the critical steps fit the " + TimeoutPolicy.seconds(budget)
          + " budget even at their full timeouts (" + TimeoutPolicy.seconds(worst) + "): " + describe(plan)));
    }
    if (budget.compareTo(StartupProbe.MAX_WINDOW) > 0) {
      findings.add(Finding.warn(Area.TIMEOUTS, "STARTUP_TOTAL_BUDGET_S=" + budget.toSeconds() + " is longer than the "
          + StartupProbe.MAX_WINDOW.toSeconds() + " s Cloud Run's startup probe waits: the platform stops a slow start before"
          + " the service can report why", "set STARTUP_TOTAL_BUDGET_S=" + StartupProbe.MAX_WINDOW.toSeconds()));
    }
    return findings;
  }

  /** Each recorded step against its timeout under these settings, and the whole start against the budget. */
  static List<Finding> recorded(StartupPlan plan, RecordedStartup report, double margin) {
    TimeoutPolicy policy = plan.policy();
    List<Finding> findings = new ArrayList<>();
    if (!report.serving()) {
      StepReport failed = report.report().steps().stream().filter(s -> s.status() == StepStatus.FAILED).findFirst()
          .orElse(null);
      if (report.report().outcome() == Outcome.FAILED) {
        findings.add(Finding.fail(Area.STARTUP, "the recorded start FAILED in phase " + report.report().phase()
            + (failed == null ? "" : " at step " + failed.name() + ": " + failed.error()),
            "fix what the failure names, then record a start that reaches READY (netra simulate, or GET /health/startup)"));
      } else {
        findings.add(Finding.warn(Area.STARTUP, "the report was taken before the start ended (outcome "
            + report.report().outcome() + ", phase " + report.report().phase() + "): the durations are partial", "record the report once /health/startup answers 200"));
      }
    }
    Set<String> planned = plan.steps().stream().map(Step::name).collect(Collectors.toSet());
    Map<String, Boolean> criticalInPlan = new LinkedHashMap<>();
    plan.steps().forEach(s -> criticalInPlan.put(s.name(), s.criticality() == Criticality.CRITICAL));
    int fine = 0;
    StepReport slowest = null;
    double slowestShare = -1;
    for (StepReport step : report.report().steps()) {
      if (NOT_RUN.contains(step.status()) || took(step).isEmpty()) {
        continue;
      }
      Duration took = took(step).get();
      Duration timeout = policy.timeoutFor(step.component());
      double share = (double) took.toMillis() / timeout.toMillis();
      String attempts = step.attempts() > 1 ? " in " + step.attempts() + " attempts" : "";
      String fix = "set " + timeoutSetting(step.component()) + "=" + seconds(suggestedBase(policy, step.component(), took, margin));
      boolean critical = criticalInPlan.getOrDefault(step.name(), step.criticality() != Criticality.OPTIONAL);
      if (took.compareTo(timeout) > 0) {
        if (critical && planned.contains(step.name())) {
          continue; // the policy check above already failed it, with the same numbers
        }
        String message = "step " + step.name() + " took " + TimeoutPolicy.seconds(took) + attempts + ", over its "
            + TimeoutPolicy.seconds(timeout) + " timeout";
        findings.add(critical ? Finding.fail(Area.STARTUP, message + ": the start fails there", fix)
            : Finding.warn(Area.STARTUP, message + ": the optional step fails and the service starts without it", fix));
      } else if (took.toMillis() * (1 + margin) > timeout.toMillis()) {
        findings.add(Finding.warn(Area.STARTUP, String.format(Locale.ROOT,
            "step %s took %s%s of its %s timeout (%d%%): a slower cold start fails it", step.name(),
            TimeoutPolicy.seconds(took), attempts, TimeoutPolicy.seconds(timeout), Math.round(share * 100)), fix));
      } else {
        fine++;
        if (share > slowestShare) {
          slowestShare = share;
          slowest = step;
        }
      }
    }
    if (fine > 0) {
      findings.add(Finding.pass(Area.STARTUP, fine + (fine == 1 ? " recorded step" : " recorded steps")
          + " finished well within their timeouts" + (slowest == null ? ""
          : String.format(Locale.ROOT, " (closest: %s, %s of %s)", slowest.name(), TimeoutPolicy.seconds(took(slowest).get()),
              TimeoutPolicy.seconds(policy.timeoutFor(slowest.component()))))));
    }
    if (report.serving()) {
      findings.add(total(report.elapsed(), policy.totalBudget(), margin, report.report().outcome()));
    }
    return findings;
  }

  /** The whole recorded start against the budget and against the platform's window. */
  static Finding total(Duration elapsed, Duration budget, double margin, Outcome outcome) {
    String took = outcome + " " + TimeoutPolicy.seconds(elapsed) + " after JVM start";
    Duration withMargin = Duration.ofMillis(Math.round(elapsed.toMillis() * (1 + margin)));
    if (withMargin.compareTo(StartupProbe.MAX_WINDOW) > 0) {
      return Finding.fail(Area.STARTUP, took + ": with a " + Math.round(margin * 100) + "% margin that is over the "
          + StartupProbe.MAX_WINDOW.toSeconds() + " s Cloud Run waits for a start",
          "start faster: more CPU (netra plan --cpu 2), startup CPU boost, the image's AOT cache; or fewer steps on the critical path");
    }
    if (elapsed.compareTo(budget) > 0) {
      return Finding.fail(Area.STARTUP, took + ", over the " + TimeoutPolicy.seconds(budget) + " total budget", budgetFix(withMargin));
    }
    if (withMargin.compareTo(budget) > 0) {
      return Finding.warn(Area.STARTUP, took + " of the " + TimeoutPolicy.seconds(budget) + " total budget: less than a "
          + Math.round(margin * 100) + "% margin for a slower cold start", budgetFix(withMargin));
    }
    return Finding.pass(Area.STARTUP, took + ", within the " + TimeoutPolicy.seconds(budget) + " total budget");
  }

  /** How long a recorded step ran, all attempts together, when it ran to an end. */
  private static Optional<Duration> took(StepReport step) {
    return step.startMs() == null || step.endMs() == null ? Optional.empty()
        : Optional.of(Duration.ofMillis(step.endMs() - step.startMs()));
  }

  /** The base timeout of {@code component} that gives {@code took} the margin under this policy's multiplier and safety margin. */
  static Duration suggestedBase(TimeoutPolicy policy, String component, Duration took, double margin) {
    double base = took.toMillis() * (1 + margin) / (policy.multiplier() * policy.safetyMargin());
    return Duration.ofMillis((long) Math.ceil(Math.max(base, policy.baseFor(component).toMillis())));
  }

  /** Raise the budget to cover {@code need}, in whole 5 s, never past what the platform waits. */
  static String budgetFix(Duration need) {
    long seconds = (need.toMillis() + 4999) / 5000 * 5;
    if (seconds > StartupProbe.MAX_WINDOW.toSeconds()) {
      return "shorten the critical path (lower STARTUP_TIMEOUT_<COMPONENT>_S, faster dependencies): it cannot fit the "
          + StartupProbe.MAX_WINDOW.toSeconds() + " s Cloud Run waits";
    }
    return "set STARTUP_TOTAL_BUDGET_S=" + seconds;
  }

  static String timeoutSetting(String component) {
    return SettingNames.startupTimeout(component);
  }

  /** Seconds rounded up to a tenth, as a setting value: {@code 4.6}, {@code 30}. */
  static String seconds(Duration d) {
    return number(roundUp(d.toMillis() / 1000.0, 1));
  }

  private static double roundUp(double value, int decimals) {
    double factor = Math.pow(10, decimals);
    return Math.ceil(value * factor - 1e-9) / factor;
  }

  private static String number(double d) {
    return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
  }

  /** The timeouts of the critical components, for the PASS line. */
  private static String describe(StartupPlan plan) {
    Map<String, Duration> byComponent = new LinkedHashMap<>();
    for (Step s : plan.steps()) {
      if (s.criticality() == Criticality.CRITICAL && s.placeholder().isEmpty()) {
        byComponent.putIfAbsent(s.component(), plan.policy().timeoutFor(s.component()));
      }
    }
    return byComponent.entrySet().stream().map(e -> e.getKey() + " " + TimeoutPolicy.seconds(e.getValue()))
        .collect(Collectors.joining(", "));
  }
}

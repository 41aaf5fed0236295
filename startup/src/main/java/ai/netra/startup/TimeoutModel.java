package ai.netra.startup;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The one reading of a timeout policy against a startup plan: each step's timeout and what it needs,
 * the critical path, and what fails or warns, with the settings that would fix it. The service's
 * own check at start, the deploy check, the simulation's recommendations and the deploy plan all
 * read their numbers from here, so the same input gives the same numbers everywhere.
 *
 * <p>What a step needs is what a recorded start observed it to take, else what the step declares
 * (a Cloud SQL connection: 10 s), else a floor the caller knows (a simulated path's added latency).
 * Two paths through the plan count: the <em>needed</em> path (each critical step's need) and the
 * <em>slowest</em> start the timeouts allow (each step that {@link Step#waits() waits} on a
 * dependency at its whole timeout, the others at their need). Concurrent phases count their
 * longest step.
 *
 * <p>FAIL (the start cannot succeed as configured; {@code serve} exits 2): a critical step's timeout
 * below its need; the needed path over the budget; with a platform window, a needed path that
 * cannot fit it. WARN (it can succeed, but a slower start would not): a need within {@code margin}
 * of its timeout or of the budget; the slowest start over the budget (the budget would cut a slow
 * dependency off before its own timeout); an optional step that would time out; a multiplier times
 * safety margin below 1; a budget longer than the platform waits.
 */
public final class TimeoutModel {

  /** Headroom over a need when sizing a timeout or a budget, and how close to one a need may come. */
  public static final double DEFAULT_MARGIN = 0.25;
  /** The setting that holds the total budget. */
  public static final String BUDGET_SETTING = "STARTUP_TOTAL_BUDGET_S";

  private TimeoutModel() { }

  /** How sure a finding is. */
  public enum Level { PASS, WARN, FAIL }

  /** Where a step's need comes from. */
  public enum Source {
    OBSERVED, DECLARED, FLOOR, NONE;

    String label() {
      return switch (this) {
        case OBSERVED -> "observed";
        case DECLARED -> "declared";
        case FLOOR -> "added latency";
        case NONE -> "none known";
      };
    }
  }

  /**
   * What is known about the start beyond the plan.
   *
   * @param observed step durations from a recorded start, all attempts together, by step name
   * @param boot time from JVM start to the first step of a recorded start, or zero
   * @param ready time from JVM start to READY of a recorded start, or null
   * @param floors the least each step of a component needs (a simulated path's added latency), by component
   * @param window how long the platform waits for a start (Cloud Run: 240 s), or null when unknown
   * @param margin headroom over needs, {@link #DEFAULT_MARGIN} unless a caller was told otherwise
   */
  public record Inputs(Map<String, Duration> observed, Duration boot, Duration ready, Map<String, Duration> floors,
      Duration window, double margin) {

    public Inputs {
      observed = Map.copyOf(observed);
      floors = Map.copyOf(floors);
      if (!(margin >= 0)) {
        throw new IllegalArgumentException("margin must be >= 0, was " + margin);
      }
    }

    /** Only what the plan declares, under {@code window} (null: no platform). */
    public static Inputs declared(Duration window) {
      return new Inputs(Map.of(), Duration.ZERO, null, Map.of(), window, DEFAULT_MARGIN);
    }

    /** A recorded start: its steps' durations, its boot time and its time to READY (null if it never was). */
    public static Inputs recorded(Map<String, Duration> observed, Duration boot, Duration ready, Duration window) {
      return new Inputs(observed, boot, ready, Map.of(), window, DEFAULT_MARGIN);
    }

    /**
     * What {@code report} recorded: each step that succeeded (a failed step's time says only that it
     * needed more, not how much), the time before its first step, and its time to READY when it got there.
     */
    public static Inputs recorded(StartupReport report, Duration window) {
      Map<String, Duration> observed = new LinkedHashMap<>();
      long firstStart = Long.MAX_VALUE;
      for (StepReport s : report.steps()) {
        if (s.startMs() != null) {
          firstStart = Math.min(firstStart, s.startMs());
        }
        if (s.status() == StepStatus.OK && s.startMs() != null && s.endMs() != null) {
          observed.put(s.name(), Duration.ofMillis(s.endMs() - s.startMs()));
        }
      }
      Duration boot = firstStart == Long.MAX_VALUE ? Duration.ZERO : Duration.ofMillis(firstStart);
      Duration ready = report.outcome().serving() ? Duration.ofMillis(report.elapsedMs()) : null;
      return recorded(observed, boot, ready, window);
    }

    public Inputs withFloors(Map<String, Duration> floors) {
      return new Inputs(observed, boot, ready, floors, window, margin);
    }

    public Inputs withMargin(double margin) {
      return new Inputs(observed, boot, ready, floors, window, margin);
    }
  }

  /** One step as the model reads it; {@code timeout} is base x multiplier x safety margin, not cut to the budget. */
  public record StepTimeout(String step, String component, Criticality criticality, boolean waits, Duration timeout,
      Duration need, Source source) { }

  /**
   * One finding. {@code changes} are the settings that fix it, by name, as an operator writes them
   * ({@code STARTUP_TIMEOUT_DATABASE_S=16.3}); {@code fix} says it in words.
   *
   * @param step the step it is about, or null when it is about the whole start
   */
  public record Finding(Level level, String step, String component, String message, String fix,
      Map<String, String> changes) {
    public Finding {
      changes = Map.copyOf(changes);
      fix = fix == null ? "" : fix;
    }
  }

  /** The model's reading of one plan under one policy and what is known. */
  public record Assessment(TimeoutPolicy policy, Inputs inputs, List<StepTimeout> steps, Duration neededPath,
      Duration slowestStart, List<Finding> findings) {

    public Assessment {
      steps = List.copyOf(steps);
      findings = List.copyOf(findings);
    }

    public List<Finding> failures() {
      return findings.stream().filter(f -> f.level() == Level.FAIL).toList();
    }

    public List<Finding> warnings() {
      return findings.stream().filter(f -> f.level() == Level.WARN).toList();
    }

    public boolean fails() {
      return !failures().isEmpty();
    }

    /** Every setting a FAIL or WARN would change, in the order found: the recommendations. */
    public Map<String, String> changes() {
      Map<String, String> all = new LinkedHashMap<>();
      findings.forEach(f -> all.putAll(f.changes()));
      return all;
    }

    /** The step as the model read it. */
    public Optional<StepTimeout> step(String name) {
      return steps.stream().filter(s -> s.step().equals(name)).findFirst();
    }
  }

  /**
   * The base timeout that gives a step needing {@code need} its margin once the policy's multiplier and safety
   * margin apply, rounded up to a tenth of a second: what the model suggests for {@code STARTUP_TIMEOUT_<COMPONENT>_S}.
   */
  public static Duration sizedBase(Duration need, TimeoutPolicy policy, double margin) {
    double scale = policy.multiplier() * policy.safetyMargin();
    return ceilTenth(Duration.ofNanos(Math.round(need.toNanos() * (1 + margin) / scale)));
  }

  /** The setting of one component's base timeout: {@code STARTUP_TIMEOUT_<COMPONENT>_S}. */
  public static String timeoutSetting(String component) {
    return "STARTUP_TIMEOUT_" + component.toUpperCase(Locale.ROOT) + "_S";
  }

  /** Reads {@code plan} under its policy and {@code inputs}. */
  public static Assessment assess(StartupPlan plan, Inputs inputs) {
    TimeoutPolicy policy = plan.policy();
    double margin = inputs.margin();
    double scale = policy.multiplier() * policy.safetyMargin();
    List<Finding> findings = new ArrayList<>();
    List<StepTimeout> steps = new ArrayList<>();
    Map<String, Duration> fixedBase = new LinkedHashMap<>(); // by component, the largest base a step asked for

    if (scale < 1) {
      findings.add(new Finding(Level.WARN, null, null, String.format(Locale.ROOT,
          "STARTUP_TIMEOUT_MULTIPLIER %s x STARTUP_SAFETY_MARGIN %s = %.2f: every timeout is %d%% below its base timeout,"
              + " so the safety margin is no margin", number(policy.multiplier()), number(policy.safetyMargin()), scale,
          Math.round((1 - scale) * 100)),
          "set STARTUP_SAFETY_MARGIN=" + number(roundUp(1.1 / policy.multiplier(), 2)) + " (or STARTUP_TIMEOUT_MULTIPLIER=1.0)",
          Map.of()));
    }

    for (Phase phase : plan.phases()) {
      for (Step step : phase.steps()) {
        Duration timeout = scaled(policy, policy.baseFor(step.component()));
        Source source = Source.NONE;
        Duration need = Duration.ZERO;
        if (inputs.observed().containsKey(step.name())) {
          need = inputs.observed().get(step.name());
          source = Source.OBSERVED;
        } else if (step.expected().isPresent()) {
          need = step.expected().get();
          source = Source.DECLARED;
        }
        Duration floor = inputs.floors().get(step.component());
        if (floor != null && step.waits() && floor.compareTo(need) > 0) {
          need = floor;
          source = Source.FLOOR;
        }
        steps.add(new StepTimeout(step.name(), step.component(), step.criticality(), step.waits(), timeout, need, source));
        if (!need.isPositive()) {
          continue;
        }
        boolean critical = step.criticality() == Criticality.CRITICAL;
        Duration suggested = sizedBase(need, policy, margin);
        String setting = timeoutSetting(step.component());
        String base = String.format(Locale.ROOT, "%s base x %s multiplier x %s safety margin",
            TimeoutPolicy.seconds(policy.baseFor(step.component())), number(policy.multiplier()), number(policy.safetyMargin()));
        if (need.compareTo(timeout) > 0) {
          fixedBase.merge(step.component(), suggested, (a, b) -> a.compareTo(b) >= 0 ? a : b);
          String message = String.format(Locale.ROOT, "step %s: timeout %s (%s) is below the %s it needs (%s)",
              step.name(), TimeoutPolicy.seconds(timeout), base, TimeoutPolicy.seconds(need), source.label());
          findings.add(critical
              ? new Finding(Level.FAIL, step.name(), step.component(), message + ": the start fails there",
                  "set " + setting + "=" + value(suggested), Map.of(setting, value(suggested)))
              : new Finding(Level.WARN, step.name(), step.component(), message + ": the optional step fails and the"
                  + " service starts without it", "set " + setting + "=" + value(suggested), Map.of(setting, value(suggested))));
        } else if (critical && need.toNanos() * (1 + margin) > timeout.toNanos()) {
          fixedBase.merge(step.component(), suggested, (a, b) -> a.compareTo(b) >= 0 ? a : b);
          findings.add(new Finding(Level.WARN, step.name(), step.component(), String.format(Locale.ROOT,
              "step %s needs %s (%s) of its %s timeout (%d%%): less than %d%% to spare for a slower start", step.name(),
              TimeoutPolicy.seconds(need), source.label(), TimeoutPolicy.seconds(timeout),
              Math.round(100.0 * need.toMillis() / Math.max(1, timeout.toMillis())), Math.round(margin * 100)),
              "set " + setting + "=" + value(suggested), Map.of(setting, value(suggested))));
        }
      }
    }

    Duration neededPath = inputs.boot().plus(path(plan, steps, false, Map.of(), policy));
    if (inputs.ready() != null && inputs.ready().compareTo(neededPath) > 0) {
      neededPath = inputs.ready(); // the recorded start itself, with what the steps do not account for
    }
    Duration slowest = inputs.boot().plus(path(plan, steps, true, Map.of(), policy));
    Duration slowestFixed = inputs.boot().plus(path(plan, steps, true, fixedBase, policy));
    Duration budget = policy.totalBudget();
    Duration window = inputs.window();
    String fixedNote = fixedBase.isEmpty() ? "" : " (with the step timeouts fixed as above)";

    if (neededPath.compareTo(budget) > 0 || neededPath.toNanos() * (1 + margin) > budget.toNanos()) {
      boolean over = neededPath.compareTo(budget) > 0;
      Duration want = Duration.ofNanos(Math.round(neededPath.toNanos() * (1 + margin)));
      want = max(want, slowestFixed);
      findings.add(budgetFinding(over ? Level.FAIL : Level.WARN, String.format(Locale.ROOT,
          "the critical path needs %s (%s)%s the %s total budget", TimeoutPolicy.seconds(neededPath),
          describeNeeds(steps), over ? ", over" : String.format(Locale.ROOT, ", less than %d%% under",
              Math.round(margin * 100)), TimeoutPolicy.seconds(budget)), want, window, fixedNote));
    } else if (slowestFixed.compareTo(budget) > 0) {
      findings.add(budgetFinding(Level.WARN, String.format(Locale.ROOT,
          "a start whose dependencies are slow may take %s (%s), but STARTUP_TOTAL_BUDGET_S gives it %s: the budget would"
              + " end it before the steps' own timeouts", TimeoutPolicy.seconds(slowestFixed), describeWaits(steps, fixedBase,
              policy), TimeoutPolicy.seconds(budget)), slowestFixed, window, fixedNote));
    }
    if (window != null && neededPath.toNanos() * (1 + margin) > window.toNanos()) {
      findings.add(new Finding(Level.FAIL, null, null, String.format(Locale.ROOT,
          "the start needs %s, and with a %d%% margin that is over the %s the platform waits for a start",
          TimeoutPolicy.seconds(neededPath), Math.round(margin * 100), TimeoutPolicy.seconds(window)),
          "start faster: more CPU (netra plan --cpu 2), startup CPU boost, the image's AOT cache; or fewer steps on the"
              + " critical path", Map.of()));
    }
    if (window != null && budget.compareTo(window) > 0) {
      findings.add(new Finding(Level.WARN, null, null, "STARTUP_TOTAL_BUDGET_S=" + number(budget.toMillis() / 1000.0)
          + " is longer than the " + TimeoutPolicy.seconds(window) + " the platform waits for a start: the platform stops"
          + " a slow start before the service can report why", "set " + BUDGET_SETTING + "=" + window.toSeconds(),
          Map.of(BUDGET_SETTING, String.valueOf(window.toSeconds()))));
    }
    return new Assessment(policy, inputs, steps, neededPath, slowest, findings);
  }

  /** A finding about the budget, fixed by the budget that covers {@code want} in whole 5 s, if the platform allows it. */
  private static Finding budgetFinding(Level level, String message, Duration want, Duration window, String fixedNote) {
    long seconds = budgetSeconds(want);
    if (window != null && seconds > window.toSeconds()) {
      return new Finding(level, null, null, message, "shorten the critical path (lower the largest"
          + " STARTUP_TIMEOUT_<COMPONENT>_S, faster dependencies): it cannot fit the " + TimeoutPolicy.seconds(window)
          + " the platform waits", Map.of());
    }
    return new Finding(level, null, null, message, "set " + BUDGET_SETTING + "=" + seconds + fixedNote,
        Map.of(BUDGET_SETTING, String.valueOf(seconds)));
  }

  /**
   * The critical steps' path: each phase's steps one after another (or the longest of them, for a
   * concurrent phase). {@code slow}: a step that waits counts its whole timeout (with {@code fixedBase}
   * for its component when given), else every step counts its need.
   */
  private static Duration path(StartupPlan plan, List<StepTimeout> steps, boolean slow, Map<String, Duration> fixedBase,
      TimeoutPolicy policy) {
    Duration total = Duration.ZERO;
    int i = 0;
    for (Phase phase : plan.phases()) {
      Duration phaseTime = Duration.ZERO;
      for (Step step : phase.steps()) {
        StepTimeout s = steps.get(i++);
        if (s.criticality() != Criticality.CRITICAL || step.placeholder().isPresent()) {
          continue;
        }
        Duration time = s.need();
        if (slow && s.waits()) {
          Duration base = fixedBase.getOrDefault(s.component(), policy.baseFor(s.component()));
          time = max(time, scaled(policy, base));
        }
        phaseTime = phase.concurrent() ? max(phaseTime, time) : phaseTime.plus(time);
      }
      total = total.plus(phaseTime);
    }
    return total;
  }

  private static String describeNeeds(List<StepTimeout> steps) {
    List<String> parts = new ArrayList<>();
    for (StepTimeout s : steps) {
      if (s.criticality() == Criticality.CRITICAL && s.need().toMillis() >= 100) {
        parts.add(s.step() + " " + TimeoutPolicy.seconds(s.need()));
      }
    }
    return parts.isEmpty() ? "no step declares a need" : String.join(", ", parts);
  }

  private static String describeWaits(List<StepTimeout> steps, Map<String, Duration> fixedBase, TimeoutPolicy policy) {
    List<String> parts = new ArrayList<>();
    for (StepTimeout s : steps) {
      if (s.criticality() == Criticality.CRITICAL && s.waits()) {
        Duration base = fixedBase.getOrDefault(s.component(), policy.baseFor(s.component()));
        parts.add(s.step() + " " + TimeoutPolicy.seconds(scaled(policy, base)));
      }
    }
    return String.join(", ", parts) + " at their whole timeouts";
  }

  private static Duration scaled(TimeoutPolicy policy, Duration base) {
    return Duration.ofNanos(Math.round(base.toNanos() * policy.multiplier() * policy.safetyMargin()));
  }

  /** The budget that covers {@code want}, in whole 5 s: what the model suggests for STARTUP_TOTAL_BUDGET_S. */
  public static long budgetSeconds(Duration want) {
    return (want.toMillis() + 4999) / 5000 * 5;
  }

  /** Seconds as a setting value, rounded up to a tenth: {@code 16.3}, {@code 30}. */
  public static String value(Duration d) {
    return number(roundUp(d.toMillis() / 1000.0, 1));
  }

  private static Duration ceilTenth(Duration d) {
    return Duration.ofMillis((long) Math.ceil(d.toMillis() / 100.0 - 1e-9) * 100);
  }

  private static double roundUp(double value, int decimals) {
    double factor = Math.pow(10, decimals);
    return Math.ceil(value * factor - 1e-9) / factor;
  }

  private static String number(double d) {
    return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }
}

package ai.netra.startup;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Per-component base timeouts times an environment multiplier times a safety margin, capped by a
 * total startup budget.
 *
 * @param base base timeout per component; components not listed get {@code defaultBase}
 * @param multiplier environment multiplier (for example 1.0 in production, 2.0 on a slow CI)
 * @param safetyMargin factor over the base for headroom (1.0 means none)
 * @param totalBudget the whole start, counted from JVM start, must finish within this
 */
public record TimeoutPolicy(
    Map<String, Duration> base, Duration defaultBase, double multiplier, double safetyMargin, Duration totalBudget) {

  public TimeoutPolicy {
    base = Map.copyOf(base);
    base.forEach((component, timeout) -> requirePositive("base timeout of " + component, timeout));
    requirePositive("default base timeout", defaultBase);
    requirePositive("total budget", totalBudget);
    if (!(multiplier > 0) || !(safetyMargin > 0)) {
      throw new IllegalArgumentException(
          "multiplier and safety margin must be > 0, were " + multiplier + " and " + safetyMargin);
    }
  }

  /** The base timeout of {@code component} before multiplier and margin. */
  public Duration baseFor(String component) {
    return base.getOrDefault(component, defaultBase);
  }

  /** base x multiplier x safety margin, never more than the total budget. */
  public Duration timeoutFor(String component) {
    Duration scaled = Duration.ofNanos(Math.round(baseFor(component).toNanos() * multiplier * safetyMargin));
    return scaled.compareTo(totalBudget) > 0 ? totalBudget : scaled;
  }

  /**
   * Checks the plan against this policy and the durations its steps need ({@code observed} by step
   * name, from a recorded start; otherwise what the step declares it {@link Step#expected expects}).
   * An error means the start cannot succeed as configured: a critical step whose timeout is below
   * what it needs, or a critical path that needs more than the total budget. A warning means the
   * worst case (every critical step using its full timeout) does not fit the budget.
   */
  public Check check(StartupPlan plan, Map<String, Duration> observed) {
    List<Problem> errors = new ArrayList<>();
    List<Problem> warnings = new ArrayList<>();
    Duration neededPath = Duration.ZERO;
    List<String> pathParts = new ArrayList<>();
    for (Phase phase : plan.phases()) {
      Duration phaseNeed = Duration.ZERO;
      for (Step step : phase.steps()) {
        if (step.criticality() != Criticality.CRITICAL) {
          continue;
        }
        Duration timeout = timeoutFor(step.component());
        Duration need = observed.containsKey(step.name())
            ? observed.get(step.name())
            : step.expected().orElse(Duration.ZERO);
        String source = observed.containsKey(step.name()) ? "observed" : "declared";
        if (need.compareTo(timeout) > 0) {
          Duration suggested = Duration.ofMillis((long) Math.ceil(need.toMillis() * 1.25 / (multiplier * safetyMargin)));
          errors.add(new Problem(step.name(), step.component(), String.format(Locale.ROOT,
              "step %s: timeout %s (%s base x %s multiplier x %s safety margin) is below the %s it needs (%s)",
              step.name(), seconds(timeout), seconds(baseFor(step.component())), multiplier, safetyMargin,
              seconds(need), source), suggested));
        }
        if (need.isPositive()) {
          pathParts.add(step.name() + " " + seconds(need));
        }
        phaseNeed = phase.concurrent() ? max(phaseNeed, need) : phaseNeed.plus(need);
      }
      neededPath = neededPath.plus(phaseNeed);
    }
    Duration worstPath = worstPath(plan);
    if (neededPath.compareTo(totalBudget) > 0) {
      errors.add(new Problem(null, null, String.format(Locale.ROOT,
          "the critical path needs %s (%s) but the total startup budget is %s",
          seconds(neededPath), String.join(", ", pathParts), seconds(totalBudget)), null));
    } else if (worstPath.compareTo(totalBudget) > 0) {
      warnings.add(new Problem(null, null, String.format(Locale.ROOT,
          "if every critical step used its whole timeout the start would take %s, over the %s total budget;"
              + " the last steps would get less than their timeout",
          seconds(worstPath), seconds(totalBudget)), null));
    }
    return new Check(List.copyOf(errors), List.copyOf(warnings));
  }

  /**
   * How long the critical steps take if each uses its whole timeout: concurrent phases count their
   * longest step, placeholders count nothing (they do no work). The sum is not capped by the total budget.
   */
  public Duration worstPath(StartupPlan plan) {
    Duration path = Duration.ZERO;
    for (Phase phase : plan.phases()) {
      Duration phaseWorst = Duration.ZERO;
      for (Step step : phase.steps()) {
        if (step.criticality() != Criticality.CRITICAL || step.placeholder().isPresent()) {
          continue;
        }
        Duration timeout = timeoutFor(step.component());
        phaseWorst = phase.concurrent() ? max(phaseWorst, timeout) : phaseWorst.plus(timeout);
      }
      path = path.plus(phaseWorst);
    }
    return path;
  }

  /** The result of {@link #check}: errors make the policy unsafe, warnings do not. */
  public record Check(List<Problem> errors, List<Problem> warnings) {
    public boolean ok() {
      return errors.isEmpty();
    }
  }

  /**
   * One finding; {@code step} and {@code component} are null for findings about the whole path.
   * {@code suggestedBase} is the base timeout that would fit the need with 25% headroom, or null.
   */
  public record Problem(String step, String component, String message, Duration suggestedBase) { }

  /** Formats a duration as seconds with one decimal, the unit operators set timeouts in. */
  public static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  private static void requirePositive(String what, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be > 0, was " + d);
    }
  }
}

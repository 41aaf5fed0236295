package ai.netra.startup;

import java.time.Duration;
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

  /** Formats a duration as seconds with one decimal, the unit operators set timeouts in. */
  public static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }

  private static void requirePositive(String what, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be > 0, was " + d);
    }
  }
}

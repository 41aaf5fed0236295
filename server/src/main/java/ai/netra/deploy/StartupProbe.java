package ai.netra.deploy;

import java.time.Duration;
import java.util.Locale;

/**
 * The HTTP startup probe on {@code /health/startup} as the plans write it and {@code netra simulate}
 * runs it: how often it asks and how many failures it allows, sized so that {@code initialDelaySeconds + periodSeconds x failureThreshold} (how long the
 * platform waits for a start) covers both the service's own startup budget (past it the service
 * fails by itself, with its failure record) and, when one was measured, the recorded time to READY
 * with a margin for colder starts; never more than Cloud Run's 240 s.
 *
 * <p>Binding first means the port answers at once, so the probe needs no initial delay: it gets a
 * quick 503 until the start is done. A short period lets traffic in soon after READY; longer windows
 * take a longer period so the failure threshold stays at most 60.
 *
 * @param need the longer of the measured start and the declared budget
 * @param target the window that would cover {@code need} with its margin, before the 240 s cap
 * @param measuredTarget the window the measured start alone needs, or 0 when none was measured
 * @param basis how the target was reached, for operators
 */
public record StartupProbe(int initialDelaySeconds, int periodSeconds, int timeoutSeconds, int failureThreshold,
    Duration need, int target, int measuredTarget, String basis) {

  /** Cloud Run's most for {@code periodSeconds x failureThreshold} of a startup probe. */
  public static final int MAX_WINDOW_S = 240;
  /** {@link #MAX_WINDOW_S} as a duration: the longest Cloud Run waits for a start. */
  public static final Duration MAX_WINDOW = Duration.ofSeconds(MAX_WINDOW_S);
  /** Cloud Run's most for {@code initialDelaySeconds}: with {@link #MAX_WINDOW_S}, the longest a start can be given. */
  public static final int MAX_INITIAL_DELAY_S = 240;
  /** A measured start is one sample: cold starts (a Cloud SQL connector waking up, a busy host) take up to twice as long. */
  public static final double MEASURED_FACTOR = 2.0;
  /** ... and never less than this much over the sample. */
  static final int MEASURED_MIN_EXTRA_S = 10;
  /** Over the declared budget: time for the service to log its own failure record before the platform stops it. */
  static final int DECLARED_EXTRA_S = 5;
  static final int MAX_FAILURE_THRESHOLD = 60;

  public StartupProbe {
    if (initialDelaySeconds < 0 || periodSeconds < 1 || timeoutSeconds < 1 || timeoutSeconds > periodSeconds || failureThreshold < 1) {
      throw new IllegalArgumentException("not a valid startup probe: initial delay " + initialDelaySeconds + ", period "
          + periodSeconds + ", timeout " + timeoutSeconds + ", failure threshold " + failureThreshold);
    }
  }

  /**
   * The probe for a service whose startup budget is {@code budget}, and whose start was measured to
   * reach READY after {@code measured} (from JVM start) in {@code source}, or null when none was.
   */
  public static StartupProbe of(Duration budget, Duration measured, String source) {
    int declared = (int) Math.ceil(budget.toMillis() / 1000.0) + DECLARED_EXTRA_S;
    String basis = String.format(Locale.ROOT, "budget: STARTUP_TOTAL_BUDGET_S %.0f s + %d s for the failure record",
        budget.toMillis() / 1000.0, DECLARED_EXTRA_S);
    int fromMeasure = 0;
    if (measured != null) {
      double seconds = measured.toMillis() / 1000.0;
      fromMeasure = (int) Math.ceil(Math.max(seconds * MEASURED_FACTOR, seconds + MEASURED_MIN_EXTRA_S));
      basis += String.format(Locale.ROOT, "; measured: READY after %.1f s in %s, x%.0f and at least +%d s = %d s",
          seconds, source, MEASURED_FACTOR, MEASURED_MIN_EXTRA_S, fromMeasure);
    }
    int target = Math.max(declared, fromMeasure);
    Duration need = measured != null && measured.compareTo(budget) > 0 ? measured : budget;
    return covering(Math.min(target, MAX_WINDOW_S), 0, need, target, fromMeasure, basis);
  }

  /**
   * The probe that covers {@code p99}, the 99th percentile of time to READY over {@code starts} kept starts, with
   * {@code margin} (0.25: 25 % more), and the service's own {@code budget} plus the time to log its failure record.
   * Past Cloud Run's 240 s of probing the rest goes into {@code initialDelaySeconds} (at most 240 s more): binding
   * first, the service answers the probe at once, so the delay only postpones the first question. Past both caps
   * the probe cannot cover the start, which {@link #fits()} says.
   */
  public static StartupProbe fromHistory(Duration budget, Duration p99, int starts, double margin) {
    int declared = (int) Math.ceil(budget.toMillis() / 1000.0) + DECLARED_EXTRA_S;
    int observed = (int) Math.ceil(p99.toMillis() / 1000.0 * (1 + margin));
    // A budget past the 240 s of probing is capped quietly, as in of(): only the observed starts earn an initial delay.
    int target = Math.max(Math.min(declared, MAX_WINDOW_S), observed);
    String basis = String.format(Locale.ROOT, "history: READY p99 %.1f s over %d starts + %d%% = %d s; budget:"
        + " STARTUP_TOTAL_BUDGET_S %.0f s + %d s for the failure record", p99.toMillis() / 1000.0, starts,
        Math.round(margin * 100), observed, budget.toMillis() / 1000.0, DECLARED_EXTRA_S);
    Duration need = p99.compareTo(budget) > 0 ? p99 : budget;
    if (target <= MAX_WINDOW_S) {
      return covering(target, 0, need, target, observed, basis);
    }
    int delay = Math.min(target - MAX_WINDOW_S, MAX_INITIAL_DELAY_S);
    StartupProbe probing = covering(MAX_WINDOW_S, 0, need, target, observed, basis + String.format(Locale.ROOT,
        "; past the %d s of probing, initialDelaySeconds %d", MAX_WINDOW_S, delay));
    return new StartupProbe(delay, probing.periodSeconds(), probing.timeoutSeconds(), probing.failureThreshold(), need,
        target, observed, probing.basis());
  }

  /**
   * A probe whose window is {@code window} (rounded up to whole seconds; not capped, so a longer
   * one can be tried), asking every {@code periodSeconds}, or, when 0, as {@link #of} picks it.
   */
  public static StartupProbe covering(Duration window, int periodSeconds, String basis) {
    int seconds = (int) Math.max(1, (window.toMillis() + 999) / 1000);
    return covering(seconds, periodSeconds, window, seconds, 0, basis);
  }

  private static StartupProbe covering(int window, int periodSeconds, Duration need, int target, int measuredTarget,
      String basis) {
    int period = periodSeconds;
    if (period < 1) {
      period = (window + MAX_FAILURE_THRESHOLD - 1) / MAX_FAILURE_THRESHOLD;
      period = period <= 1 ? 1 : period <= 2 ? 2 : 4;
    }
    int threshold = Math.max(1, (window + period - 1) / period);
    return new StartupProbe(0, period, 1, threshold, need, target, measuredTarget, basis);
  }

  /** How long the platform waits for the start: initial delay + period x failure threshold. */
  public int window() {
    return initialDelaySeconds + periodSeconds * failureThreshold;
  }

  /**
   * False when the measured start, with its margin, needs more than the probe waits: more than the 240 s Cloud Run
   * probes (and, for a probe sized from history, its 240 s of initial delay). (A
   * budget of 240 s or more is capped quietly: the service's own budget then ends at the platform's.)
   */
  public boolean fits() {
    return measuredTarget <= window();
  }
}

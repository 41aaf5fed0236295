package ai.netra.deploy.simulate;

import ai.netra.deploy.DurationText;
import java.time.Duration;

/**
 * The startup probe Cloud Run runs against a new instance: its default TCP probe (a connect to
 * PORT, tried every second until its deadline) or an HTTP GET of {@code /health/startup}, the probe
 * the generated plans use. It passes at its first success; it fails after {@code failureThreshold}
 * failed attempts, {@code period} apart, each allowed {@code timeout}.
 */
public record ProbeSpec(Kind kind, Duration period, int failureThreshold, Duration timeout) {

  /** Cloud Run allows at most this much probing (failureThreshold x periodSeconds). */
  public static final Duration CLOUD_RUN_MAX_WINDOW = Duration.ofSeconds(240);

  /** How the probe asks. */
  public enum Kind {
    /** A TCP connect to PORT: passes as soon as anything listens. */
    TCP,
    /** HTTP GET /health/startup: passes on 2xx/3xx, which the service answers once READY or DEGRADED. */
    STARTUP
  }

  public ProbeSpec {
    if (period.isNegative() || period.isZero() || timeout.isNegative() || timeout.isZero() || failureThreshold < 1) {
      throw new IllegalArgumentException("a probe needs a positive period, timeout and failure threshold");
    }
  }

  /** A probe of {@code kind} every {@code period} covering {@code window}: failureThreshold = window / period, up. */
  public static ProbeSpec covering(Kind kind, Duration period, Duration window) {
    int threshold = (int) Math.max(1, (window.toMillis() + period.toMillis() - 1) / period.toMillis());
    Duration timeout = period.compareTo(Duration.ofSeconds(1)) < 0 ? period : Duration.ofSeconds(1);
    return new ProbeSpec(kind, period, threshold, timeout);
  }

  /** period x failureThreshold: how long after the start the last attempt may still pass. */
  public Duration window() {
    return period.multipliedBy(failureThreshold);
  }

  public String describe() {
    return kind == Kind.TCP
        ? "TCP probe (Cloud Run's default): connect to PORT every " + DurationText.format(period) + " for up to "
            + DurationText.format(window())
        : "HTTP startup probe: GET /health/startup every " + DurationText.format(period) + " (periodSeconds "
            + period.toSeconds() + ", failureThreshold " + failureThreshold + ", timeoutSeconds " + timeout.toSeconds()
            + "), up to " + DurationText.format(window());
  }
}

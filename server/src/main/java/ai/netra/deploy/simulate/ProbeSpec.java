package ai.netra.deploy.simulate;

import ai.netra.deploy.DurationText;
import ai.netra.deploy.StartupProbe;
import java.time.Duration;

/**
 * The startup probe Cloud Run runs against a new instance: its default TCP probe (a connect to
 * PORT, tried every second until its deadline) or the HTTP GET of {@code /health/startup} the
 * generated plans configure ({@link StartupProbe}). The first attempt comes {@code initialDelay}
 * after the start; it passes at its first success and fails after {@code failureThreshold} failed
 * attempts, {@code period} apart, each allowed {@code timeout}.
 */
public record ProbeSpec(Kind kind, Duration initialDelay, Duration period, int failureThreshold, Duration timeout) {

  /** How the probe asks. */
  public enum Kind {
    /** A TCP connect to PORT: passes as soon as anything listens. */
    TCP,
    /** HTTP GET /health/startup: passes on 2xx/3xx, which the service answers once READY or DEGRADED. */
    STARTUP
  }

  public ProbeSpec {
    if (initialDelay.isNegative() || period.isNegative() || period.isZero() || timeout.isNegative() || timeout.isZero()
        || failureThreshold < 1) {
      throw new IllegalArgumentException("a probe needs a positive period, timeout and failure threshold, and no negative"
          + " initial delay");
    }
  }

  /** Cloud Run's default TCP probe, tried every second for {@code window}. */
  public static ProbeSpec tcp(Duration window) {
    Duration second = Duration.ofSeconds(1);
    int attempts = (int) Math.max(1, (window.toMillis() + 999) / 1000);
    return new ProbeSpec(Kind.TCP, Duration.ZERO, second, attempts, second);
  }

  /** The HTTP startup probe {@code planned}, as a plan writes it. */
  public static ProbeSpec startup(StartupProbe planned) {
    return new ProbeSpec(Kind.STARTUP, Duration.ofSeconds(planned.initialDelaySeconds()),
        Duration.ofSeconds(planned.periodSeconds()), planned.failureThreshold(), Duration.ofSeconds(planned.timeoutSeconds()));
  }

  /** initialDelay + period x failureThreshold: how long after the start the last attempt may still pass. */
  public Duration window() {
    return initialDelay.plus(period.multipliedBy(failureThreshold));
  }

  public String describe() {
    return kind == Kind.TCP
        ? "TCP probe (Cloud Run's default): connect to PORT every " + DurationText.format(period) + " for up to "
            + DurationText.format(window())
        : "HTTP startup probe: GET /health/startup every " + DurationText.format(period) + " (initialDelaySeconds "
            + initialDelay.toSeconds() + ", periodSeconds " + period.toSeconds() + ", failureThreshold " + failureThreshold
            + ", timeoutSeconds " + timeout.toSeconds() + "), up to " + DurationText.format(window());
  }
}

package ai.netra.startup;

import java.time.Duration;

/**
 * How a step retries: exponential backoff from {@code initialDelay} to {@code maxDelay} with a
 * jitter factor, for at most {@code maxAttempts} attempts ({@code -1}: until the step's timeout).
 * No retry ever outlives the step's timeout, which bounds the whole sequence of attempts.
 */
public record Retry(int maxAttempts, Duration initialDelay, Duration maxDelay, double jitter) {

  /** One attempt only. */
  public static final Retry NONE = new Retry(1, Duration.ofMillis(1), Duration.ofMillis(2), 0);

  public Retry {
    if (maxAttempts == 0 || maxAttempts < -1) {
      throw new IllegalArgumentException("maxAttempts must be -1 (until the timeout) or >= 1, was " + maxAttempts);
    }
    if (initialDelay.isNegative() || initialDelay.isZero() || maxDelay.compareTo(initialDelay) <= 0) {
      throw new IllegalArgumentException(
          "backoff needs 0 < initialDelay < maxDelay, was " + initialDelay + " and " + maxDelay);
    }
    if (jitter < 0 || jitter >= 1) {
      throw new IllegalArgumentException("jitter must be in [0, 1), was " + jitter);
    }
  }

  /** Retries until the step's timeout, backing off from {@code initialDelay} up to {@code maxDelay}, 25% jitter. */
  public static Retry untilTimeout(Duration initialDelay, Duration maxDelay) {
    return new Retry(-1, initialDelay, maxDelay, 0.25);
  }
}

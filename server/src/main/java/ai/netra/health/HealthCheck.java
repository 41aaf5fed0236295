package ai.netra.health;

import java.time.Duration;

/** A named check of one dependency, run in the background by {@link HealthMonitor}. */
public interface HealthCheck {

  String name();

  /** Whether the service is not ready while this check fails. */
  boolean critical();

  /**
   * Checks the dependency now. Must return or throw within {@code timeout}; a throw counts as
   * unhealthy with the exception's message.
   */
  Result check(Duration timeout) throws Exception;

  /** The outcome of one check run. */
  record Result(boolean healthy, String message) {
    public static Result healthy(String message) {
      return new Result(true, message);
    }

    public static Result unhealthy(String message) {
      return new Result(false, message);
    }
  }
}

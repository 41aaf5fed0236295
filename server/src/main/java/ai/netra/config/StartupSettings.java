package ai.netra.config;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * The timeout policy inputs and the environment's allowances.
 *
 * @param baseTimeouts per-component overrides from {@code STARTUP_TIMEOUT_<COMPONENT>_S}, keyed by lower-case component
 * @param bypassValidation {@code BYPASS_STARTUP_VALIDATION=true} was set (honoured outside production only)
 */
public record StartupSettings(
    Duration totalBudget,
    double multiplier,
    double safetyMargin,
    Map<String, Duration> baseTimeouts,
    Set<String> allowDegraded,
    boolean bypassValidation) {

  public StartupSettings {
    baseTimeouts = Map.copyOf(baseTimeouts);
    allowDegraded = Set.copyOf(allowDegraded);
  }
}

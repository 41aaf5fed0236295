package ai.netra.startup;

import java.util.List;

/**
 * Why a start failed, with everything the failure record needs: the step and component, the kind
 * and exit code, the cause chain (one line per cause, outermost first), the settings involved and
 * a one-line hint.
 */
public record StartupFailure(
    String phase,
    String step,
    String component,
    FailureKind kind,
    int exitCode,
    List<String> cause,
    List<String> settings,
    String hint,
    long elapsedMs,
    long budgetMs) {

  public StartupFailure {
    cause = List.copyOf(cause);
    settings = List.copyOf(settings);
  }
}

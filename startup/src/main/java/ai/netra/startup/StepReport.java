package ai.netra.startup;

/**
 * One step as it stood when the report was taken. Times are milliseconds since the process started;
 * {@code startMs}, {@code endMs}, {@code error}, {@code errorKind} and {@code detail} are null until they apply.
 * {@code errorKind} says what kind of failure the error was (configuration, dependency, defect).
 */
public record StepReport(
    String name,
    String component,
    Criticality criticality,
    StepStatus status,
    int attempts,
    Long startMs,
    Long endMs,
    String error,
    String detail,
    FailureKind errorKind) {

  /** A step whose error, if any, is of no known kind. */
  public StepReport(String name, String component, Criticality criticality, StepStatus status, int attempts, Long startMs,
      Long endMs, String error, String detail) {
    this(name, component, criticality, status, attempts, startMs, endMs, error, detail, null);
  }

  /** Milliseconds from its start to its end, or null while either is unknown. */
  public Long durationMs() {
    return startMs == null || endMs == null ? null : endMs - startMs;
  }
}

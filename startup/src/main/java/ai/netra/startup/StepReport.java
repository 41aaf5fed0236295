package ai.netra.startup;

/**
 * One step as it stood when the report was taken. Times are milliseconds since the process started;
 * {@code startMs}, {@code endMs}, {@code error} and {@code detail} are null until they apply.
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
    String detail) { }

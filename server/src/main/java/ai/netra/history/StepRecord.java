package ai.netra.history;

import ai.netra.startup.Criticality;
import ai.netra.startup.FailureKind;
import ai.netra.startup.StepStatus;

/**
 * One step of a kept start. Times are milliseconds since the process started, null when the step never ran;
 * {@code errorKind} is null unless the step failed (or degraded).
 */
public record StepRecord(String phase, String name, String component, Criticality criticality, StepStatus status,
    int attempts, Long startMs, Long endMs, FailureKind errorKind) {

  /** How long it ran, or null when it never did. */
  public Long durationMs() {
    return startMs == null || endMs == null ? null : endMs - startMs;
  }

  /** True when it ended FAILED or DEGRADED: a failure the history counts. */
  public boolean failed() {
    return status == StepStatus.FAILED || status == StepStatus.DEGRADED;
  }
}

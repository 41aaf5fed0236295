package ai.netra.startup;

import java.util.List;

/** One phase as it stood when the report was taken, its steps in plan order. */
public record PhaseReport(String name, StepStatus status, List<StepReport> steps) {

  public PhaseReport {
    steps = List.copyOf(steps);
  }

  /**
   * A phase is RUNNING while any step runs or some but not all have ended; FAILED when a critical
   * step failed; DEGRADED when a step degraded; PENDING or SKIPPED when all its steps are; else OK.
   */
  static StepStatus statusOf(List<StepReport> steps) {
    if (steps.stream().allMatch(s -> s.status() == StepStatus.PENDING)) {
      return StepStatus.PENDING;
    }
    if (steps.stream().anyMatch(s -> !s.status().terminal())) {
      return StepStatus.RUNNING;
    }
    if (steps.stream().anyMatch(s -> s.status() == StepStatus.FAILED && s.criticality() == Criticality.CRITICAL)) {
      return StepStatus.FAILED;
    }
    if (steps.stream().anyMatch(s -> s.status() == StepStatus.DEGRADED)) {
      return StepStatus.DEGRADED;
    }
    if (steps.stream().allMatch(s -> s.status() == StepStatus.SKIPPED)) {
      return StepStatus.SKIPPED;
    }
    return StepStatus.OK;
  }
}

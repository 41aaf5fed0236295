package ai.netra.startup;

import java.util.EnumSet;
import java.util.Set;

/**
 * The status of one step. The only legal moves are {@code PENDING -> RUNNING | SKIPPED} and
 * {@code RUNNING -> OK | FAILED | DEGRADED | PLACEHOLDER | SKIPPED}; every other move is a defect.
 */
public enum StepStatus {
  PENDING,
  RUNNING,
  OK,
  FAILED,
  SKIPPED,
  /** A critical step failed, and the environment allowed its component to run degraded. */
  DEGRADED,
  /** The step stands in for a component that does not exist yet; it did no real work. */
  PLACEHOLDER;

  private static final Set<StepStatus> ENDS = EnumSet.of(OK, FAILED, SKIPPED, DEGRADED, PLACEHOLDER);

  /** True for the statuses a step ends in. */
  public boolean terminal() {
    return ENDS.contains(this);
  }

  /**
   * Returns {@code next} when this status may move to it.
   *
   * @throws IllegalStateException naming both statuses when the move is illegal
   */
  StepStatus moveTo(StepStatus next) {
    boolean legal = switch (this) {
      case PENDING -> next == RUNNING || next == SKIPPED;
      case RUNNING -> next.terminal();
      default -> false;
    };
    if (!legal) {
      throw new IllegalStateException("step status cannot move from " + this + " to " + next);
    }
    return next;
  }
}

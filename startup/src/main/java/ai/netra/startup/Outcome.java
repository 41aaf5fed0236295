package ai.netra.startup;

/** How a start ended, or {@code STARTING} while it runs. */
public enum Outcome {
  STARTING,
  /** Every critical step succeeded. */
  READY,
  /** Only components the environment explicitly allowed to degrade failed; the service serves. */
  DEGRADED,
  /** A critical step failed; the process must exit with the failure's exit code. */
  FAILED;

  /** True once the service may take traffic: {@code READY} or {@code DEGRADED}. */
  public boolean serving() {
    return this == READY || this == DEGRADED;
  }
}

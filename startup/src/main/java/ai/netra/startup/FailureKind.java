package ai.netra.startup;

import dev.failsafe.TimeoutExceededException;
import java.util.List;
import java.util.concurrent.TimeoutException;

/** Why a start failed, and the process exit code that says so. */
public enum FailureKind {
  /** Missing or invalid settings, or an unsafe timeout policy: fix the configuration. */
  CONFIGURATION(2),
  /** A critical dependency did not become available within its budget. */
  DEPENDENCY(3),
  /** A defect in the service itself: an unexpected exception or a class that cannot load. */
  DEFECT(4);

  private final int exitCode;

  FailureKind(int exitCode) {
    this.exitCode = exitCode;
  }

  /** The process exit code for this kind of failure. */
  public int exitCode() {
    return exitCode;
  }

  /**
   * Classifies a step failure by its cause chain. A {@link ConfigurationException} anywhere wins;
   * then an {@link Error} (a {@code LinkageError} such as {@code NoClassDefFoundError}) is a defect;
   * a timeout, a {@link DependencyException} or any checked exception (I/O, SQL) is a dependency
   * failure; any other unchecked exception is a defect.
   */
  public static FailureKind classify(Throwable failure) {
    List<Throwable> chain = Startup.causes(failure);
    if (chain.stream().anyMatch(t -> t instanceof ConfigurationException)) {
      return CONFIGURATION;
    }
    if (chain.stream().anyMatch(t -> t instanceof Error)) {
      return DEFECT;
    }
    if (chain.stream().anyMatch(t -> t instanceof DependencyException || t instanceof TimeoutExceededException
        || t instanceof TimeoutException || t instanceof InterruptedException)) {
      return DEPENDENCY;
    }
    return chain.getLast() instanceof RuntimeException ? DEFECT : DEPENDENCY;
  }
}

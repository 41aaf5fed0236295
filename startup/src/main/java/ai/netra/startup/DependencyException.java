package ai.netra.startup;

import java.util.List;

/** A dependency (database, cache, endpoint) is not available; the start fails with exit code 3. */
public final class DependencyException extends StartupException {

  public DependencyException(String message, String hint, List<String> settings, Throwable cause) {
    super(message, hint, settings, cause);
  }
}

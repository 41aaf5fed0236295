package ai.netra.startup;

import java.util.List;

/** A step failure that carries a hint for the operator and the settings involved. */
public abstract sealed class StartupException extends RuntimeException
    permits ConfigurationException, DependencyException {

  private final String hint;
  private final List<String> settings;

  StartupException(String message, String hint, List<String> settings, Throwable cause) {
    super(message, cause);
    this.hint = hint == null ? "" : hint;
    this.settings = List.copyOf(settings);
  }

  /** One line telling the operator what to do next; empty when the step's own hint applies. */
  public String hint() {
    return hint;
  }

  /** The message and, when there is one, the hint in brackets: one line for an operator. */
  public String withHint() {
    return hint.isEmpty() ? getMessage() : getMessage() + " (" + hint + ")";
  }

  /** Names of the settings (environment variables) involved in the failure. */
  public List<String> settings() {
    return settings;
  }
}

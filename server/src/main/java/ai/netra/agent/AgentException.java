package ai.netra.agent;

/**
 * A run that cannot finish, with the {@code error} event's code and a message the user reads as it
 * is (never a stack trace, an SQL statement or a secret).
 */
public final class AgentException extends Exception {

  private final String code;

  public AgentException(String code, String message) {
    super(message);
    this.code = code;
  }

  public AgentException(String code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  /** The {@code error} event's code, e.g. {@code llm_unavailable} or {@code agent_timeout}. */
  public String code() {
    return code;
  }
}

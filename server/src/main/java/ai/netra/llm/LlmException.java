package ai.netra.llm;

import java.time.Duration;

/**
 * A chat model call that produced no complete reply. The message says what happened in words fit
 * for an operator (the endpoint, the status, the provider's own error message) and goes to the log;
 * it never contains the API key. A user is shown {@link #userMessage()} only.
 */
public final class LlmException extends Exception {

  /** Why the call failed, so a caller can choose its words and whether to try again later. */
  public enum Kind {
    /** No connection to the endpoint, or it closed before answering (after the allowed retries). */
    UNREACHABLE,
    /** The endpoint did not answer, or stopped sending, within the call's time limits. */
    TIMEOUT,
    /** The endpoint refused the request (a 4xx other than 429: bad key, unknown model, bad request). */
    REJECTED,
    /** The endpoint was rate limited or failing (429 or 5xx) through every retry, or failed mid-reply. */
    OVERLOADED,
    /** The endpoint answered something that is not an OpenAI-compatible chat completion stream. */
    MALFORMED,
    /** The calling thread was interrupted (the run was stopped); the interrupt flag is set again. */
    INTERRUPTED
  }

  private final Kind kind;
  private final int status;
  /** What the endpoint asked for before a retry (Retry-After); null when it said nothing. */
  private final transient Duration retryAfter;

  public LlmException(Kind kind, String message) {
    this(kind, message, 0, null, null);
  }

  public LlmException(Kind kind, String message, Throwable cause) {
    this(kind, message, 0, null, cause);
  }

  LlmException(Kind kind, String message, int status, Duration retryAfter, Throwable cause) {
    super(message, cause);
    this.kind = kind;
    this.status = status;
    this.retryAfter = retryAfter;
  }

  public Kind kind() {
    return kind;
  }

  /**
   * What happened, in plain words for a user: the kind of failure and the HTTP status, never the endpoint's address
   * nor the provider's own text, which may echo a key, an account or an internal host.
   */
  public String userMessage() {
    return switch (kind) {
      case UNREACHABLE -> "the language model could not be reached";
      case TIMEOUT -> "the language model did not answer in time";
      case REJECTED -> "the language model refused the request" + (status > 0 ? " (HTTP " + status + ")" : "");
      case OVERLOADED -> "the language model is overloaded or failing" + (status > 0 ? " (HTTP " + status + ")" : "");
      case MALFORMED -> "the language model sent a reply this service cannot read";
      case INTERRUPTED -> "the call to the language model was stopped";
    };
  }

  /** The HTTP status the endpoint answered, or 0 when the failure was not an HTTP answer. */
  public int status() {
    return status;
  }

  Duration retryAfter() {
    return retryAfter;
  }
}

package ai.netra.auth;

import java.util.Objects;

/**
 * A token was refused; {@link #code()} and the message are safe to show to the user and to log,
 * and never contain the token or the key.
 */
public final class InvalidTokenException extends RuntimeException {

  /** Why a token was refused; {@link #code()} is the stable wire form. */
  public enum Reason {
    MISSING("missing", "no token was presented"),
    MALFORMED("malformed", "the token is not a well-formed JWT"),
    BAD_SIGNATURE("bad_signature", "the token's signature does not match the server's key"),
    EXPIRED("expired", "the token has expired"),
    NOT_YET_VALID("not_yet_valid", "the token is not valid yet"),
    UNSUPPORTED_ALGORITHM("unsupported_algorithm", "the token must be signed with HS256"),
    NO_SUBJECT("no_subject", "the token names no user (sub claim)"),
    INVALID_SUBJECT("invalid_subject", "the token's user (sub claim) must be 1 to " + ClaimRules.MAX_SUBJECT_CHARS
        + " printable characters, without spaces or control characters"),
    LIFETIME_TOO_LONG("lifetime_too_long", "the token lives longer than this service accepts"),
    WRONG_ISSUER("wrong_issuer", "the token was not issued by the identity provider this service trusts (iss claim)"),
    WRONG_AUDIENCE("wrong_audience", "the token was not issued for this service (aud claim)"),
    UNKNOWN_KEY("unknown_key", "the token is signed with a key the identity provider does not list (kid)"),
    KEYS_UNAVAILABLE("keys_unavailable", "the identity provider's keys could not be fetched; try again shortly");

    private final String code;
    private final String message;

    Reason(String code, String message) {
      this.code = code;
      this.message = message;
    }

    /** The short, stable code: {@code missing}, {@code expired}, ... */
    public String code() {
      return code;
    }

    /** The plain-words refusal, safe to show. */
    String message() {
      return message;
    }
  }

  private final Reason reason;

  InvalidTokenException(Reason reason) {
    this(reason, reason.message);
  }

  InvalidTokenException(Reason reason, String message) {
    // No cause and no stack trace: refused tokens are routine (and floods of them are an attack),
    // and a parser's cause message could quote parts of the token.
    super(Objects.requireNonNull(message, "message"), null, false, false);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public Reason reason() {
    return reason;
  }

  /** The reason's short code, for an {@code error} event or {@code {"error": {"code": ...}}}. */
  public String code() {
    return reason.code();
  }
}

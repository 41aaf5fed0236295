package ai.netra.auth;

import ai.netra.auth.InvalidTokenException.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * What every accepted token must say, whoever signed it: a {@code sub} that is a plain printable
 * identifier (it keys the user's data, and travels into logs and event bus messages), and a
 * lifetime no longer than the configured cap (a stolen token is worth only as long as it lives).
 */
final class ClaimRules {

  /** Firebase and Identity Platform allow user ids up to 128 characters; none of the providers goes beyond. */
  static final int MAX_SUBJECT_CHARS = 128;

  private final Duration maxLifetime;

  /** @throws IllegalArgumentException when {@code maxLifetime} is not positive */
  ClaimRules(Duration maxLifetime) {
    Objects.requireNonNull(maxLifetime, "maxLifetime");
    if (maxLifetime.isNegative() || maxLifetime.isZero()) {
      throw new IllegalArgumentException("the longest token lifetime must be positive, was " + maxLifetime);
    }
    this.maxLifetime = maxLifetime;
  }

  Duration maxLifetime() {
    return maxLifetime;
  }

  /**
   * The identity of a token whose signature and times were already checked.
   *
   * @param issuedAt the {@code iat} claim, or null when the token has none
   * @throws InvalidTokenException when {@code sub} is missing or not a printable identifier, or the
   *     token lives longer than the cap from {@code iat} or from {@code now} (allowing {@code skew})
   */
  Identity identity(String subject, Instant issuedAt, Instant expiresAt, Instant now, Duration skew) {
    if (subject == null || subject.isBlank()) {
      throw new InvalidTokenException(Reason.NO_SUBJECT);
    }
    requirePrintable(subject);
    if (issuedAt != null && Duration.between(issuedAt, expiresAt).compareTo(maxLifetime) > 0) {
      throw new InvalidTokenException(Reason.LIFETIME_TOO_LONG, "the token lives "
          + describe(Duration.between(issuedAt, expiresAt)) + " from iat to exp; this service accepts at most "
          + describe(maxLifetime) + " (AUTH_MAX_TOKEN_LIFETIME_S)");
    }
    if (Duration.between(now, expiresAt).compareTo(maxLifetime.plus(skew)) > 0) {
      throw new InvalidTokenException(Reason.LIFETIME_TOO_LONG, "the token is valid until " + expiresAt
          + ", more than " + describe(maxLifetime) + " from now (AUTH_MAX_TOKEN_LIFETIME_S)");
    }
    return new Identity(subject, expiresAt);
  }

  /**
   * Refuses a user id that is too long or holds anything but visible characters: no control or format
   * characters (a newline would forge a log line and break a message's framing), no spaces or line
   * separators, no unpaired surrogates or unassigned code points.
   *
   * @throws InvalidTokenException with {@link Reason#INVALID_SUBJECT}, never quoting the value
   */
  static void requirePrintable(String subject) {
    int count = subject.codePointCount(0, subject.length());
    if (count > MAX_SUBJECT_CHARS) {
      throw new InvalidTokenException(Reason.INVALID_SUBJECT, "the token's user (sub claim) is " + count
          + " characters long; at most " + MAX_SUBJECT_CHARS + " are accepted");
    }
    for (int i = 0; i < subject.length(); ) {
      int c = subject.codePointAt(i);
      if (!visible(c)) {
        throw new InvalidTokenException(Reason.INVALID_SUBJECT, String.format(
            "the token's user (sub claim) holds U+%04X at character %d; only printable characters without spaces or"
                + " control characters are accepted", c, subject.codePointCount(0, i) + 1));
      }
      i += Character.charCount(c);
    }
  }

  private static boolean visible(int c) {
    if (Character.isWhitespace(c) || Character.isSpaceChar(c)) {
      return false;
    }
    return switch (Character.getType(c)) {
      case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.UNASSIGNED, Character.PRIVATE_USE,
          Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.SPACE_SEPARATOR -> false;
      default -> true;
    };
  }

  private static String describe(Duration d) {
    long s = d.toSeconds();
    return s % 3600 == 0 ? s / 3600 + " h" : s % 60 == 0 ? s / 60 + " min" : s + " s";
  }
}

package ai.netra.deploy.check;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A secret kept in Secret Manager, written in an env file as {@code sm://NAME} or
 * {@code sm://NAME:VERSION} (version {@code latest} when omitted), so the file can say where a
 * secret comes from without holding its value.
 */
public record SecretRef(String secret, String version) {

  /** Secret Manager's own rule for secret ids; versions are numbers or {@code latest}. */
  private static final Pattern REF = Pattern.compile("sm://([A-Za-z0-9_-]{1,255})(?::(latest|[1-9][0-9]*))?");

  public SecretRef {
    if (!REF.matcher("sm://" + secret + ":" + version).matches()) {
      throw new IllegalArgumentException("'" + secret + ":" + version + "' is not a Secret Manager secret and version"
          + " (letters, digits, - and _; version latest or a number)");
    }
  }

  /**
   * The reference {@code value} holds, or empty when it is a plain value.
   *
   * @throws IllegalArgumentException when it starts with {@code sm://} but is not a valid reference
   */
  public static Optional<SecretRef> parse(String value) {
    if (value == null || !value.startsWith("sm://")) {
      return Optional.empty();
    }
    Matcher m = REF.matcher(value.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + value + "' is not a Secret Manager reference; write sm://NAME or sm://NAME:VERSION");
    }
    return Optional.of(new SecretRef(m.group(1), m.group(2) == null ? "latest" : m.group(2)));
  }

  @Override
  public String toString() {
    return secret + ":" + version;
  }
}

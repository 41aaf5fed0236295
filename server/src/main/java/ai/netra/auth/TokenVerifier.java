package ai.netra.auth;

/** Turns a presented token into the identity it speaks for, or refuses it. */
@FunctionalInterface
public interface TokenVerifier {

  /**
   * The identity {@code token} speaks for.
   *
   * @throws InvalidTokenException naming why the token was refused; never quotes the token or a key
   */
  Identity verify(String token);
}

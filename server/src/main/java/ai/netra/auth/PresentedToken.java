package ai.netra.auth;

import java.util.Objects;
import java.util.Optional;

/**
 * A token as a request presented it, not yet verified, with the WebSocket subprotocol the server
 * must select in its handshake reply ({@code jwt-auth}) when the client offered one.
 */
public record PresentedToken(String token, Optional<String> subprotocol) {

  public PresentedToken {
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(subprotocol, "subprotocol");
  }

  /** Never the token itself: a record's default {@code toString} would put it in logs. */
  @Override
  public String toString() {
    return "PresentedToken[" + token.length() + " chars, subprotocol=" + subprotocol.orElse("none") + "]";
  }
}

package ai.netra.auth;

import java.time.Instant;
import java.util.Objects;

/** The user a verified token speaks for, and the instant the token stops being accepted. */
public record Identity(String userId, Instant expiresAt) {

  public Identity {
    Objects.requireNonNull(userId, "userId");
    Objects.requireNonNull(expiresAt, "expiresAt");
  }
}

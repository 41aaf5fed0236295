package ai.netra.auth;

import static ai.netra.config.SettingNames.JWT_SECRET_KEY;

import ai.netra.config.Settings;
import ai.netra.startup.ConfigurationException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;

/**
 * The HS256 key that signs and verifies tokens: {@code JWT_SECRET_KEY}, or in development a key
 * generated once and kept in the data folder so tokens survive restarts. The key never leaves
 * this object in any log or response.
 */
public final class SigningKey {

  static final String DEV_KEY_FILE = "dev-jwt-secret";

  private final byte[] secret;
  private final String source;

  private SigningKey(byte[] secret, String source) {
    this.secret = secret;
    this.source = source;
  }

  /**
   * Loads the key.
   *
   * @throws ConfigurationException outside development when {@code JWT_SECRET_KEY} is missing
   * @throws IOException when the development key cannot be read or written
   */
  public static SigningKey load(Settings settings) throws IOException {
    if (settings.jwtSecret() != null) {
      return new SigningKey(settings.jwtSecret().getBytes(StandardCharsets.UTF_8), JWT_SECRET_KEY);
    }
    if (settings.environment() != ai.netra.config.Environment.DEVELOPMENT) {
      throw new ConfigurationException("JWT_SECRET_KEY is required in " + settings.environment().label(),
          "set JWT_SECRET_KEY (at least 32 bytes) from Secret Manager", List.of(JWT_SECRET_KEY));
    }
    Path file = settings.dataDir().resolve(DEV_KEY_FILE);
    if (!Files.exists(file)) {
      Files.createDirectories(settings.dataDir());
      byte[] fresh = new byte[32];
      new SecureRandom().nextBytes(fresh);
      Files.writeString(file, Base64.getUrlEncoder().withoutPadding().encodeToString(fresh),
          StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      try {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system; the data folder is the developer's own
      }
    }
    return new SigningKey(Files.readString(file).trim().getBytes(StandardCharsets.UTF_8), file.toString());
  }

  /** Where the key came from: {@code JWT_SECRET_KEY} or the development key file. */
  public String source() {
    return source;
  }

  /** The key bytes, for the token verifier and minter only. */
  public byte[] bytes() {
    return secret.clone();
  }

  @Override
  public String toString() {
    return "SigningKey[" + source + ", " + secret.length + " bytes]";
  }
}

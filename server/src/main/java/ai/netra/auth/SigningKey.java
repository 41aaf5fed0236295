package ai.netra.auth;

import static ai.netra.config.SettingNames.JWT_SECRET_KEY;
import static ai.netra.config.SettingNames.NETRA_DATA_DIR;

import ai.netra.config.Settings;
import ai.netra.startup.ConfigurationException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * The HS256 key that signs and verifies tokens: {@code JWT_SECRET_KEY}, or in development a key
 * generated once and kept in the data folder so tokens survive restarts. The key never leaves
 * this object in any log or response.
 */
public final class SigningKey {

  static final String DEV_KEY_FILE = "dev-jwt-secret";
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

  private final byte[] secret;
  private final String source;

  private SigningKey(byte[] secret, String source) {
    this.secret = secret;
    this.source = source;
  }

  /**
   * Loads the key.
   *
   * @throws ConfigurationException outside development when {@code JWT_SECRET_KEY} is missing, or when the development
   *     key file can be read or written by others than its owner
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
      create(file);
    }
    refuseIfOthersCanRead(file);
    return new SigningKey(Files.readString(file).trim().getBytes(StandardCharsets.UTF_8), file.toString());
  }

  /**
   * Writes a fresh key to {@code file}, readable by its owner only from the first byte: it is written to a temporary
   * file created with mode 0600 and then linked to its name, which fails if another process (a {@code netra token}
   * beside {@code netra serve}) got there first; that process's key is kept.
   */
  private static void create(Path file) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    byte[] fresh = new byte[32];
    new SecureRandom().nextBytes(fresh);
    boolean posix = Files.getFileStore(dir).supportsFileAttributeView(PosixFileAttributeView.class);
    Path temp = posix
        ? Files.createTempFile(dir, DEV_KEY_FILE, ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY))
        : Files.createTempFile(dir, DEV_KEY_FILE, ".tmp"); // not POSIX: the data folder is the developer's own
    try {
      Files.writeString(temp, Base64.getUrlEncoder().withoutPadding().encodeToString(fresh));
      try {
        Files.createLink(file, temp);
      } catch (FileAlreadyExistsException someoneElse) {
        // keep the key that is there: tokens may already be signed with it
      } catch (UnsupportedOperationException noLinks) {
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /** A key that others on the machine can read lets them sign in as anyone: refuse it until it is made private. */
  private static void refuseIfOthersCanRead(Path file) throws IOException {
    if (!Files.getFileStore(file).supportsFileAttributeView(PosixFileAttributeView.class)) {
      return;
    }
    Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
    if (permissions.stream().anyMatch(p -> !p.name().startsWith("OWNER_"))) {
      throw new ConfigurationException("the development signing key " + file + " can be read or written by others (mode "
          + PosixFilePermissions.toString(permissions) + "): anyone who reads it can sign in as any user",
          "run: chmod 600 " + file + " (or delete it: a new key is made at the next start, and tokens signed with the"
              + " old one stop working)", List.of(NETRA_DATA_DIR));
    }
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

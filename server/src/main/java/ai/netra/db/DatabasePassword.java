package ai.netra.db;

import static ai.netra.config.SettingNames.NETRA_DATA_DIR;

import ai.netra.startup.ConfigurationException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** The embedded PostgreSQL's password: random, made once, kept in a file only its owner can read. */
final class DatabasePassword {

  private static final Set<PosixFilePermission> OTHERS = EnumSet.of(PosixFilePermission.GROUP_READ,
      PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);

  private DatabasePassword() { }

  /**
   * The password in {@code file}, made first when the file does not exist: 32 random bytes, base64url,
   * written to a file created with mode 0600 and moved into place, so it is never readable by others, not
   * even for a moment. {@code ownerUid}, when not null, becomes the file's owner (the user PostgreSQL runs as).
   *
   * @throws ConfigurationException when the file exists and others may read or write it
   */
  static String readOrCreate(Path file, String ownerUid) throws IOException {
    if (Files.exists(file)) {
      Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
      if (mode.stream().anyMatch(OTHERS::contains)) {
        throw new ConfigurationException("the embedded PostgreSQL's password file " + file + " has mode "
            + PosixFilePermissions.toString(mode) + ": others can read or change it",
            "chmod 600 " + file + " (or delete it and the folder " + file.resolveSibling("postgres")
                + " to start from an empty database)", List.of(NETRA_DATA_DIR));
      }
      return Files.readString(file).strip();
    }
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    String password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    Path temp = file.resolveSibling(file.getFileName() + ".new");
    Files.deleteIfExists(temp);
    Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(temp, password + "\n", StandardCharsets.UTF_8);
    if (ownerUid != null) {
      Files.setAttribute(temp, "unix:uid", Integer.valueOf(ownerUid), LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(temp, "unix:gid", Integer.valueOf(ownerUid), LinkOption.NOFOLLOW_LINKS);
    }
    Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
    return password;
  }
}

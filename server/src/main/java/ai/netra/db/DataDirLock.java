package ai.netra.db;

import static ai.netra.config.SettingNames.NETRA_DATA_DIR;

import ai.netra.startup.ConfigurationException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * The one process that owns a data folder's embedded PostgreSQL: an operating-system lock on
 * {@code netra.lock} in the folder, with the owner's pid written in it. The kernel drops the lock when
 * the process ends, however it ends, so a folder left by a dead process is free again at once.
 */
final class DataDirLock implements AutoCloseable {

  static final String FILE = "netra.lock";

  private final FileChannel channel;
  private final FileLock lock;

  private DataDirLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the lock of {@code folder}, or refuses at once.
   *
   * @throws ConfigurationException naming the pid that holds it when another process does
   */
  static DataDirLock acquire(Path folder) throws IOException {
    Path file = folder.resolve(FILE);
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // this very process holds it already
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    if (lock == null) {
      String holder = holder(channel);
      channel.close();
      throw new ConfigurationException("the data folder " + folder + " is in use by another netra process (pid " + holder
          + "), which runs the embedded PostgreSQL there; a second one would take that database from it",
          "stop process " + holder + " first, or give this one its own folder: NETRA_DATA_DIR=/another/folder"
              + " (and another PORT)", List.of(NETRA_DATA_DIR));
    }
    try {
      channel.truncate(0);
      channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
      channel.force(true);
    } catch (IOException e) {
      lock.release();
      channel.close();
      throw e;
    }
    return new DataDirLock(channel, lock);
  }

  private static String holder(FileChannel channel) {
    try {
      ByteBuffer buffer = ByteBuffer.allocate(32);
      channel.read(buffer, 0);
      String pid = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).strip();
      return pid.isEmpty() ? "unknown" : pid;
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** Gives the folder up; idempotent. */
  @Override
  public void close() {
    try {
      if (lock.isValid()) {
        lock.release();
      }
      channel.close();
    } catch (IOException e) {
      // the process keeps running; the kernel drops the lock at its exit at the latest
    }
  }
}

package ai.netra.cli;

import ai.netra.boot.OpenDatabase;
import ai.netra.config.Settings;
import ai.netra.db.StartupHistoryRepository;
import ai.netra.deploy.history.CloudLoggingExport;
import ai.netra.history.HistoryFilter;
import ai.netra.history.StartRecord;
import ai.netra.startup.StartupException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Where kept starts are read from: {@code db} (the service's database, from the same settings) or a file, a
 * Cloud Logging export ({@code gcloud logging read --format=json}) or the service's JSON log lines.
 */
final class HistorySource {

  /** The words that name the database as the source. */
  static final Set<String> DATABASE = Set.of("db", "database");
  /** More starts than any sizing needs; the read stays bounded. */
  static final int MAX_STARTS = 50_000;
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
  static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

  /** The starts read, and where from, in words. */
  record Starts(List<StartRecord> starts, String from) { }

  private HistorySource() { }

  /**
   * The starts of {@code source} that {@code filter} admits, oldest first.
   *
   * @throws IllegalArgumentException when the source is not a file nor {@code db}, or the file is not an export
   * @throws IOException when the file cannot be read
   * @throws HistoryUnavailableException when the database cannot be reached or read
   */
  static Starts read(String source, Settings settings, HistoryFilter filter) throws IOException {
    if (DATABASE.contains(source.toLowerCase(Locale.ROOT))) {
      return database(settings, filter);
    }
    Path file = Path.of(source);
    if (!Files.exists(file)) {
      throw new NoSuchFileException(source + ": no such file (give a Cloud Logging export file, or db for the database)");
    }
    CloudLoggingExport.Read read = CloudLoggingExport.read(file, filter);
    return new Starts(read.starts(), file + " (" + read.entries() + " log entries)");
  }

  private static Starts database(Settings settings, HistoryFilter filter) {
    try (OpenDatabase db = OpenDatabase.existing(settings, CONNECT_TIMEOUT)) {
      List<StartRecord> starts = new StartupHistoryRepository(db.dataSource(READ_TIMEOUT)).read(filter, MAX_STARTS);
      return new Starts(starts, "the database at " + db.describe());
    } catch (StartupException e) {
      throw new HistoryUnavailableException("cannot open the database: " + e.withHint(), e);
    } catch (SQLException e) {
      throw new HistoryUnavailableException("42P01".equals(e.getSQLState())
          ? "the database has no startup history yet: no revision that keeps it (migration V7) has started against it"
          : "cannot read the startup history: " + e.getMessage() + " (SQLState " + e.getSQLState() + ")", e);
    } catch (IOException e) {
      throw new HistoryUnavailableException("cannot start the embedded database: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HistoryUnavailableException("interrupted while opening the database", e);
    }
  }

  /** The database could not be reached or read: exit 3, like a dependency. */
  static final class HistoryUnavailableException extends RuntimeException {
    HistoryUnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}

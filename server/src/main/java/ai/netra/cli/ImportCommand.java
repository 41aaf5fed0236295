package ai.netra.cli;

import ai.netra.config.DatabaseSettings;
import ai.netra.config.PoolSettings;
import ai.netra.config.Settings;
import ai.netra.db.Database;
import ai.netra.db.EmbeddedPostgres;
import ai.netra.db.Migrations;
import ai.netra.startup.ConfigurationException;
import ai.netra.startup.DependencyException;
import ai.netra.startup.StartupException;
import ai.netra.usage.ImportRejectedException;
import ai.netra.usage.ImportTooLargeException;
import ai.netra.usage.PriceCatalog;
import ai.netra.usage.RowProblem;
import ai.netra.usage.UsageFormat;
import ai.netra.usage.UsageImport;
import ai.netra.usage.UsageStorageException;
import ai.netra.usage.UsageStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code netra import}: loads a file of LLM calls into one user's usage, all rows or none. */
@Command(name = "import", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = {"Imports a file of LLM calls (CSV or JSON lines) as one user's usage.",
        "CSV has a header row; JSON lines hold one object per line. Fields: occurred_at,",
        "provider, model, feature, prompt_tokens, completion_tokens, and optionally",
        "latency_ms, prompt_hash, status. All rows or none: a file with any bad row",
        "is refused and every problem is listed with its line.",
        "Uses the database `netra serve` uses (DATABASE_URL or POSTGRES_*; in",
        "development without them, the embedded one under NETRA_DATA_DIR, shared with",
        "a running `netra serve`) and applies pending migrations first."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:the rows were imported",
        "1:refused: the file has bad rows (listed on stderr) or is over a limit; nothing was imported",
        "2:usage or configuration error (missing file, unknown format, bad settings or price catalog)",
        "3:the database was unavailable or failed"})
public final class ImportCommand implements Callable<Integer> {

  static final int OK = 0;
  static final int REJECTED = 1;
  static final int CONFIG_ERROR = 2;
  static final int DATABASE_ERROR = 3;
  /** Bounds connecting (and each read) to the database, like a start's database step. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
  /** Migrating a large history by hand may take long; an operator is watching. */
  private static final Duration MIGRATION_STATEMENTS = Duration.ofHours(1);
  /** Settings this command depends on; a problem with any other (Redis, JWT) does not stop an import. */
  private static final List<String> USED_SETTINGS = List.of("NETRA_ENV", "NETRA_DATA_DIR", "DATABASE_URL", "POSTGRES_HOST",
      "POSTGRES_PORT", "POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_SSLMODE", PriceCatalog.SETTING);

  @Parameters(index = "0", paramLabel = "FILE", description = "the file to import (.csv, .jsonl or .ndjson)")
  Path file;

  @Option(names = "--user", required = true, paramLabel = "ID", description = "the user whose usage the rows are")
  String user;

  @Option(names = "--format", paramLabel = "csv|jsonl", description = "the file's format; default: from its extension")
  String format;

  @Spec
  CommandSpec spec;

  private final Map<String, String> env;

  public ImportCommand() {
    this(System.getenv());
  }

  ImportCommand(Map<String, String> env) {
    this.env = Objects.requireNonNull(env, "env");
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (user == null || user.isBlank()) {
      return fail(err, CONFIG_ERROR, "--user must not be blank");
    }
    Optional<UsageFormat> chosen = format != null ? UsageFormat.fromName(format) : fromExtension(file);
    if (chosen.isEmpty()) {
      return fail(err, CONFIG_ERROR, format != null ? "--format must be csv or jsonl, not '" + format + "'"
          : "cannot tell the format of " + file + " from its name; add --format csv or --format jsonl");
    }
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      return fail(err, CONFIG_ERROR, "no readable file " + file);
    }
    Settings settings = Settings.read(env);
    List<String> problems = settings.problems().stream()
        .filter(p -> p.settings().stream().anyMatch(USED_SETTINGS::contains))
        .map(Settings.Problem::message).toList();
    if (!problems.isEmpty()) {
      return fail(err, CONFIG_ERROR, String.join("; ", problems));
    }
    PriceCatalog catalog;
    try {
      catalog = PriceCatalog.load(settings.priceCatalogFile());
    } catch (ConfigurationException e) {
      return fail(err, CONFIG_ERROR, describe(e));
    }

    long started = System.nanoTime();
    EmbeddedPostgres startedHere = null;
    Database database = null;
    try {
      DatabaseSettings target = settings.database();
      if (settings.embeddedDatabase()) {
        // Share the embedded server a running `netra serve` uses: starting a second one would stop it.
        Optional<DatabaseSettings> running = EmbeddedPostgres.running(settings.dataDir());
        if (running.isPresent()) {
          target = running.get();
        } else {
          try {
            startedHere = EmbeddedPostgres.start(settings.dataDir(), CONNECT_TIMEOUT);
          } catch (IOException e) {
            return fail(err, DATABASE_ERROR, "cannot start the embedded database under " + settings.dataDir() + ": " + e);
          }
          target = startedHere.settings();
        }
      }
      // Two connections: Flyway holds one for its lock while it migrates on the other.
      database = Database.connect(target, new PoolSettings(2, 0, 1, 0), CONNECT_TIMEOUT);
      Migrations migrations = new Migrations(database.dataSource(MIGRATION_STATEMENTS));
      try {
        migrations.migrate();
        migrations.verify();
      } catch (DependencyException e) {
        throw e;
      } catch (RuntimeException e) { // Flyway's own failures
        return fail(err, DATABASE_ERROR, "cannot migrate the database at " + target.describe() + ": "
            + String.valueOf(e.getMessage()).lines().findFirst().orElse(e.getClass().getName()));
      }
      catalog.sync(database.dataSource(Database.IMPORT_STATEMENTS));
      UsageImport importer = new UsageImport(new UsageStore(database.dataSource(Database.IMPORT_STATEMENTS)), catalog,
          Clock.systemUTC());
      UsageImport.Imported imported;
      try (InputStream in = Files.newInputStream(file)) {
        imported = importer.importFrom(user, in, chosen.get());
      }
      out.printf(Locale.ROOT, "imported %,d rows for user %s (%s to %s) from %s in %.1f s%n", imported.imported(), user,
          imported.first(), imported.last(), file, (System.nanoTime() - started) / 1e9);
      out.flush();
      return OK;
    } catch (ImportRejectedException e) {
      for (RowProblem p : e.problems()) {
        err.println("line " + p.line() + (p.field() == null ? "" : ", " + p.field()) + ": " + p.message());
      }
      long unlisted = e.totalProblems() - e.problems().size();
      if (unlisted > 0) {
        err.println("... and " + unlisted + " more");
      }
      return fail(err, REJECTED, file + ": " + e.getMessage());
    } catch (ImportTooLargeException e) {
      return fail(err, REJECTED, file + ": " + e.getMessage() + "; nothing was imported");
    } catch (ConfigurationException e) {
      return fail(err, CONFIG_ERROR, describe(e));
    } catch (DependencyException e) {
      return fail(err, DATABASE_ERROR, describe(e));
    } catch (UsageStorageException e) {
      return fail(err, DATABASE_ERROR, e.getMessage() + "; nothing was imported");
    } catch (SQLException e) {
      return fail(err, DATABASE_ERROR, "cannot write the price catalog into model_prices: " + e.getMessage()
          + " (SQLState " + e.getSQLState() + ")");
    } catch (IOException e) {
      return fail(err, CONFIG_ERROR, "cannot read " + file + ": " + e + "; nothing was imported");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return fail(err, DATABASE_ERROR, "interrupted while starting the embedded database");
    } finally {
      if (database != null) {
        database.close();
      }
      if (startedHere != null) {
        startedHere.close();
      }
    }
  }

  private static Optional<UsageFormat> fromExtension(Path file) {
    String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
    int dot = name.lastIndexOf('.');
    return dot < 0 ? Optional.empty() : UsageFormat.fromName(name.substring(dot + 1));
  }

  private static String describe(StartupException e) {
    return e.hint().isEmpty() ? e.getMessage() : e.getMessage() + " (" + e.hint() + ")";
  }

  private static int fail(PrintWriter err, int code, String message) {
    err.println("netra import: " + message);
    err.flush();
    return code;
  }
}

package ai.netra.cli;

import static ai.netra.config.SettingNames.DATABASE_URL;
import static ai.netra.config.SettingNames.NETRA_DATA_DIR;
import static ai.netra.config.SettingNames.NETRA_ENV;
import static ai.netra.config.SettingNames.POSTGRES_DB;
import static ai.netra.config.SettingNames.POSTGRES_HOST;
import static ai.netra.config.SettingNames.POSTGRES_PASSWORD;
import static ai.netra.config.SettingNames.POSTGRES_PORT;
import static ai.netra.config.SettingNames.POSTGRES_SSLMODE;
import static ai.netra.config.SettingNames.POSTGRES_USER;

import ai.netra.boot.ExitCode;
import ai.netra.boot.OpenDatabase;
import ai.netra.config.Settings;
import ai.netra.startup.ConfigurationException;
import ai.netra.startup.DependencyException;
import ai.netra.usage.ImportRejectedException;
import ai.netra.usage.ImportTooLargeException;
import ai.netra.usage.PriceCatalog;
import ai.netra.usage.RowProblem;
import ai.netra.usage.UsageFormat;
import ai.netra.usage.UsageImport;
import ai.netra.usage.UsageStorageException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
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
    description = {"Imports a file of LLM calls (CSV, JSON lines, or OpenAI's usage export) as one user's usage.",
        "CSV has a header row; JSON lines hold one object per line. Fields: occurred_at,",
        "provider, model, feature, prompt_tokens, completion_tokens, and optionally",
        "latency_ms, prompt_hash, status. Also OpenAI's organization usage export",
        "(the pages of /v1/organization/usage/completions, grouped by model), told",
        "from JSON lines by its text. All rows or none: a file with any bad row",
        "is refused and every problem is listed with its line.",
        "Uses the database `netra serve` uses (DATABASE_URL or POSTGRES_*; in",
        "development without them, the embedded one under NETRA_DATA_DIR, shared with",
        "a running `netra serve`) and applies pending migrations first."})
public final class ImportCommand implements Callable<Integer> {

  /** Bounds connecting (and each read) to the database, like a start's database step. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
  /**
   * Settings an import depends on (and {@code reprice}: the database and the price catalog); a problem with any other
   * (Redis, JWT) does not stop it.
   */
  static final List<String> DATABASE_SETTINGS = List.of(NETRA_ENV, NETRA_DATA_DIR, DATABASE_URL, POSTGRES_HOST,
      POSTGRES_PORT, POSTGRES_DB, POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_SSLMODE, PriceCatalog.SETTING);

  @Parameters(index = "0", paramLabel = "FILE", description = "the file to import (.csv, .jsonl, .ndjson, or .json for OpenAI's usage export)")
  Path file;

  @Option(names = "--user", required = true, paramLabel = "ID", description = "the user whose usage the rows are")
  String user;

  @Option(names = "--format", paramLabel = "csv|jsonl|openai",
      description = "the file's format; default: from its extension (JSON lines and OpenAI's export also from the text)")
  String format;

  @Spec
  CommandSpec spec;

  private final Map<String, String> env;

  public ImportCommand() {
    this(Settings.processEnvironment());
  }

  ImportCommand(Map<String, String> env) {
    this.env = Objects.requireNonNull(env, "env");
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (user == null || user.isBlank()) {
      return fail(err, ExitCode.INVALID, "--user must not be blank");
    }
    Optional<UsageFormat> chosen = format != null ? UsageFormat.fromName(format) : fromExtension(file);
    if (chosen.isEmpty()) {
      return fail(err, ExitCode.INVALID, format != null ? "--format must be csv, jsonl or openai, not '" + format + "'"
          : "cannot tell the format of " + file + " from its name; add --format csv or --format jsonl (or openai)");
    }
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      return fail(err, ExitCode.INVALID, "no readable file " + file);
    }
    Settings settings = Settings.read(env);
    List<String> problems = settings.problemsWith(DATABASE_SETTINGS);
    if (!problems.isEmpty()) {
      return fail(err, ExitCode.INVALID, String.join("; ", problems));
    }
    PriceCatalog catalog;
    try {
      catalog = PriceCatalog.load(settings.priceCatalogFile());
    } catch (ConfigurationException e) {
      return fail(err, ExitCode.INVALID, e.withHint());
    }

    long started = System.nanoTime();
    try (OpenDatabase database = OpenDatabase.open(settings, CONNECT_TIMEOUT)) {
      UsageImport importer = database.usageImport(catalog);
      UsageImport.Imported imported;
      try (InputStream in = Files.newInputStream(file)) {
        imported = importer.importFrom(user, in, chosen.get());
      }
      out.printf(Locale.ROOT, "imported %,d rows for user %s (%s to %s) from %s in %.1f s%n", imported.imported(), user,
          imported.first(), imported.last(), file, (System.nanoTime() - started) / 1e9);
      out.flush();
      return ExitCode.OK.code();
    } catch (ImportRejectedException e) {
      for (RowProblem p : e.problems()) {
        err.println("line " + p.line() + (p.field() == null ? "" : ", " + p.field()) + ": " + p.message());
      }
      long unlisted = e.totalProblems() - e.problems().size();
      if (unlisted > 0) {
        err.println("... and " + unlisted + " more");
      }
      return fail(err, ExitCode.FAILED, file + ": " + e.getMessage());
    } catch (ImportTooLargeException e) {
      return fail(err, ExitCode.FAILED, file + ": " + e.getMessage() + "; nothing was imported");
    } catch (ConfigurationException e) {
      return fail(err, ExitCode.INVALID, e.withHint());
    } catch (DependencyException e) {
      return fail(err, ExitCode.UNAVAILABLE, e.withHint());
    } catch (UsageStorageException e) {
      return fail(err, ExitCode.UNAVAILABLE, e.getMessage() + "; nothing was imported");
    } catch (SQLException e) {
      return fail(err, ExitCode.UNAVAILABLE, "cannot write the price catalog into model_prices: " + e.getMessage()
          + " (SQLState " + e.getSQLState() + ")");
    } catch (IOException e) {
      return fail(err, ExitCode.INVALID, "cannot read " + file + ": " + e + "; nothing was imported");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return fail(err, ExitCode.UNAVAILABLE, "interrupted while starting the embedded database");
    }
  }

  private static Optional<UsageFormat> fromExtension(Path file) {
    String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
    int dot = name.lastIndexOf('.');
    return dot < 0 ? Optional.empty() : UsageFormat.fromName(name.substring(dot + 1));
  }

  private static int fail(PrintWriter err, ExitCode code, String message) {
    err.println("netra import: " + message);
    err.flush();
    return code.code();
  }
}

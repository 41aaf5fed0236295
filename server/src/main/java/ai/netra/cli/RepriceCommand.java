package ai.netra.cli;

import ai.netra.boot.ExitCode;
import ai.netra.boot.OpenDatabase;
import ai.netra.config.Settings;
import ai.netra.startup.ConfigurationException;
import ai.netra.startup.DependencyException;
import ai.netra.usage.PriceCatalog;
import ai.netra.usage.Repricing;
import java.io.IOException;
import java.io.PrintWriter;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code netra reprice}: puts the current price catalog in place and reprices the whole usage history, in one transaction. */
@Command(name = "reprice", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = {"Reprices every user's usage history at the current price catalog, in one transaction.",
        "",
        "The catalog is the shipped prices and PRICE_CATALOG_FILE (CSV or LiteLLM JSON): model_prices becomes"
            + " exactly the catalog (rows it lacks are removed), and the history's spend before and after is printed."
            + " On any failure nothing changes.",
        "Uses the database `netra serve` uses, and applies pending migrations first."})
public final class RepriceCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  private final Map<String, String> env;

  public RepriceCommand() {
    this(Settings.processEnvironment());
  }

  RepriceCommand(Map<String, String> env) {
    this.env = Objects.requireNonNull(env, "env");
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Settings settings = Settings.read(env);
    List<String> problems = settings.problemsWith(ImportCommand.DATABASE_SETTINGS);
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
    try (OpenDatabase database = OpenDatabase.open(settings, ImportCommand.CONNECT_TIMEOUT)) {
      Repricing.Result result = Repricing.reprice(database.dataSource(), catalog);
      out.printf(Locale.ROOT, "repriced %,d requests at %s (%d models, %d prices): model_prices %d rows written, %d removed%n",
          result.after().requests(), settings.priceCatalogFile() == null ? "the shipped prices"
              : "the shipped prices + " + settings.priceCatalogFile(), catalog.models().size(), catalog.prices().size(),
          result.pricesWritten(), result.pricesRemoved());
      out.printf(Locale.ROOT, "spend $%,.2f -> $%,.2f; unpriced requests %,d -> %,d; priced by a fallback %,d -> %,d (%.1f s)%n",
          result.before().costUsd(), result.after().costUsd(), result.before().unpricedRequests(),
          result.after().unpricedRequests(), result.before().fallbackRequests(), result.after().fallbackRequests(),
          (System.nanoTime() - started) / 1e9);
      out.flush();
      return ExitCode.OK.code();
    } catch (ConfigurationException e) {
      return fail(err, ExitCode.INVALID, e.withHint());
    } catch (DependencyException e) {
      return fail(err, ExitCode.UNAVAILABLE, e.withHint());
    } catch (SQLException e) {
      return fail(err, ExitCode.UNAVAILABLE, "the database refused the repricing, nothing changed: " + e.getMessage()
          + " (SQLState " + e.getSQLState() + ")");
    } catch (IOException e) {
      return fail(err, ExitCode.UNAVAILABLE, "cannot start the embedded database: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return fail(err, ExitCode.UNAVAILABLE, "interrupted while starting the embedded database");
    }
  }

  private static int fail(PrintWriter err, ExitCode code, String message) {
    err.println("netra reprice: " + message);
    err.flush();
    return code.code();
  }
}

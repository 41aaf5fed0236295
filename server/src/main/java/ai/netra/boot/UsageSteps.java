package ai.netra.boot;

import ai.netra.config.Environment;
import ai.netra.config.LimitSettings;
import ai.netra.config.Settings;
import ai.netra.db.Database;
import ai.netra.startup.DependencyException;
import ai.netra.startup.Step;
import ai.netra.usage.CatalogCoverage;
import ai.netra.usage.DemoUsage;
import ai.netra.usage.PriceCatalog;
import ai.netra.usage.UsageImport;
import ai.netra.usage.UsageRecord;
import ai.netra.usage.UsageStore;
import java.sql.SQLException;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** SERVICES-phase steps of the usage data: the price catalog, and demo usage for the development user. */
final class UsageSteps {

  private static final Logger log = LoggerFactory.getLogger(UsageSteps.class);
  /** The user `netra serve` prints a development token for. */
  static final String DEVELOPMENT_USER = "dev";
  /** The days of usage the startup report checks the price catalog against. */
  static final int COVERAGE_DAYS = 30;
  /** The longest the coverage query may take. */
  static final int COVERAGE_TIMEOUT_SECONDS = 5;

  private UsageSteps() { }

  /** Uploads into {@code llm_usage}, checked against {@code catalog}: the API's, and netra import's through {@link OpenDatabase}. */
  static UsageImport importer(Database database, PriceCatalog catalog, LimitSettings limits) {
    return new UsageImport(new UsageStore(database.dataSource(Database.IMPORT_STATEMENTS)), catalog, Clock.systemUTC(),
        UsageImport.Limits.DEFAULT, new UsageImport.Slots(limits.uploadsPerUser(), limits.uploadsAtOnce()));
  }

  static List<Step> services(BackendPlan p) {
    Settings settings = p.settings;
    List<Step> steps = new ArrayList<>();
    steps.add(Step.critical("price-catalog", "usage").settings(PriceCatalog.SETTING)
        .hint("fix or unset " + PriceCatalog.SETTING + "; its lines use the header " + PriceCatalog.HEADER)
        .run(context -> {
          // Loaded first, database or not: a bad operator file is a configuration error (exit 2) either way.
          PriceCatalog catalog = PriceCatalog.load(settings.priceCatalogFile());
          String source = settings.priceCatalogFile() == null ? "shipped" : "shipped + " + settings.priceCatalogFile();
          Optional<Database> database = p.database.optional();
          if (database.isEmpty()) { // allowed to run without a database: no usage uploads then
            context.detail("DEGRADED: no database; " + catalog.models().size() + " models (" + source + ") not synced");
            return;
          }
          int changed;
          try {
            changed = catalog.sync(database.get().dataSource(context.remaining()));
          } catch (SQLException e) {
            throw new DependencyException("cannot write the price catalog into model_prices: " + e.getMessage()
                + " (SQLState " + e.getSQLState() + ")", "check that the database accepts writes", List.of(), e);
          }
          p.usageImport.set(importer(database.get(), catalog, settings.limits()));
          context.detail(catalog.models().size() + " models, " + catalog.prices().size() + " prices (" + source + "); "
              + (changed == 0 ? "model_prices already up to date" : changed + " rows of model_prices written"));
        }));
    if (settings.environment() == Environment.DEVELOPMENT) {
      steps.add(Step.optional("demo-usage", "usage").run(context -> {
        Optional<Database> database = p.database.optional();
        if (database.isEmpty()) {
          context.detail("skipped: no database");
          return;
        }
        long started = System.nanoTime();
        UsageStore store = new UsageStore(database.get().dataSource(context.remaining()));
        DemoUsage demo = new DemoUsage(Clock.systemUTC());
        long existing = store.count(DEVELOPMENT_USER);
        if (existing > 0) {
          context.detail("user " + DEVELOPMENT_USER + " already has " + existing + " usage rows; none generated");
          return;
        }
        List<UsageRecord> rows = demo.generate();
        int stored = store.insertIfNone(DEVELOPMENT_USER, rows);
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        if (stored > 0) {
          log.info("generated {} demo usage rows for user {} over the last {} days in {} ms; planted spike: {} on {}",
              stored, DEVELOPMENT_USER, DemoUsage.DAYS, tookMs, DemoUsage.SPIKE_FEATURE, demo.spikeDay());
        }
        context.detail(stored == 0 ? "user " + DEVELOPMENT_USER + " got usage rows meanwhile; none generated"
            : stored + " demo usage rows for user " + DEVELOPMENT_USER + " (last " + DemoUsage.DAYS + " days, spike: "
                + DemoUsage.SPIKE_FEATURE + " on " + demo.spikeDay() + ") in " + tookMs + " ms");
      }));
    }
    // After the demo usage, so a development start reports on the history it just made.
    // Optional and bounded: a slow or failed look at the usage tables never holds the start up.
    steps.add(Step.optional("price-coverage", "usage").settings(PriceCatalog.SETTING).run(context -> {
      Optional<Database> database = p.database.optional();
      if (database.isEmpty()) {
        context.detail("skipped: no database");
        return;
      }
      int timeout = (int) Math.max(1, Math.min(COVERAGE_TIMEOUT_SECONDS, context.remaining().toSeconds()));
      CatalogCoverage.Report report = CatalogCoverage.lastDays(database.get().dataSource(context.remaining()),
          LocalDate.now(Clock.systemUTC()), COVERAGE_DAYS, timeout);
      if (report.unpricedCount() > 0) {
        log.warn("price catalog: {}", report.line());
      }
      context.detail(report.line());
    }));
    return steps;
  }
}

package ai.netra.db;

import ai.netra.startup.DependencyException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.output.MigrateResult;
import org.flywaydb.core.api.output.ValidateResult;

/**
 * The schema: Flyway migrations shipped in the jar under {@code db/migration}.
 *
 * <p>Flyway costs about a second on one CPU just to find that nothing is pending (loading its
 * plugins, scanning the jar). Most starts are restarts and scale-outs of an already migrated
 * database, so {@link #migrate} first compares the versions Flyway recorded with the versions
 * shipped, in one query, and loads Flyway only when they differ: on a new or older database, or
 * after a failed migration.
 */
public final class Migrations {

  /** Tables the service cannot run without; checked after migrating. */
  static final List<String> REQUIRED_TABLES =
      List.of("users", "threads", "messages", "agent_runs", "run_events", "model_prices", "llm_usage", "llm_usage_daily",
          "llm_usage_repeats", "chat_instances", "usage_versions", "all_users_version");
  static final String LOCATION = "db/migration";
  /** Every file in {@link #LOCATION}, one per line; MigrationsTest holds it to the folder's contents. */
  static final String INDEX = "db/migration-index.txt";
  static final Pattern VERSIONED = Pattern.compile("V([0-9][0-9_.]*)__(.+)\\.sql");

  private final DataSource dataSource;
  private Flyway flyway;
  private boolean ranFlyway;

  public Migrations(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** Applies pending migrations; returns what it did in one line. */
  public String migrate() {
    Optional<String> current = currentWithoutFlyway();
    if (current.isPresent()) {
      return current.get() + " (no migration pending)";
    }
    ranFlyway = true;
    MigrateResult result = flyway().migrate();
    return result.migrationsExecuted == 0
        ? "schema up to date at version " + result.initialSchemaVersion
        : "applied " + result.migrationsExecuted + " migration(s): "
            + (result.initialSchemaVersion == null ? "empty database" : "version " + result.initialSchemaVersion)
            + " -> version " + result.targetSchemaVersion;
  }

  /**
   * Checks that the applied migrations match the shipped ones and that the required tables exist.
   * When {@link #migrate} ran Flyway, Flyway validated the applied migrations' checksums before it
   * applied the rest; if the history now holds exactly the shipped versions there is nothing left
   * to validate (a second validation and info cost 80 ms of an empty database's start). Otherwise
   * (a newer revision's migrations in the history, say) Flyway's full validation decides.
   *
   * @throws DependencyException naming what does not match
   */
  public String verify() {
    Optional<String> shippedAndApplied = currentWithoutFlyway();
    String version;
    if (shippedAndApplied.isPresent()) {
      version = shippedAndApplied.get();
    } else if (ranFlyway) {
      ValidateResult validation = flyway().validateWithResult();
      if (!validation.validationSuccessful) {
        throw new DependencyException("the database schema does not match this build: " + validation.getAllErrorMessages(),
            "a newer revision may have migrated this database; deploy that revision or restore the schema", List.of(), null);
      }
      MigrationInfo current = flyway().info().current();
      if (current == null) {
        throw new DependencyException("the database has no applied migrations", "", List.of(), null);
      }
      version = current.getVersion().toString();
    } else {
      throw new DependencyException("the applied migrations changed between migrating and checking", "", List.of(), null);
    }
    List<String> missing = new ArrayList<>();
    // One small query; the driver's DatabaseMetaData.getTables is a large catalog query, slow on a cold start.
    try (Connection c = dataSource.getConnection();
        PreparedStatement s = c.prepareStatement("select name from unnest(?::text[]) with ordinality as required(name, n)"
            + " where not exists (select 1 from pg_catalog.pg_tables t"
            + " where t.schemaname = current_schema() and t.tablename = name) order by n")) {
      s.setArray(1, c.createArrayOf("text", REQUIRED_TABLES.toArray()));
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          missing.add(rs.getString(1));
        }
      }
    } catch (SQLException e) {
      throw new DependencyException("cannot read the schema: " + e.getMessage(), "", List.of(), e);
    }
    if (!missing.isEmpty()) {
      throw new DependencyException("the database schema lacks tables " + missing + " at " + version,
          "someone changed the schema by hand; restore it from the migrations", List.of(), null);
    }
    return version + "; required tables present";
  }

  /** "schema at version N" when every shipped migration, and no other, is recorded as applied. */
  private Optional<String> currentWithoutFlyway() {
    TreeSet<String> shipped = shippedVersions();
    TreeSet<String> applied = new TreeSet<>();
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("select version, success from flyway_schema_history where version is not null")) {
      while (rs.next()) {
        if (!rs.getBoolean(2)) {
          return Optional.empty(); // a failed migration: Flyway must report it
        }
        applied.add(rs.getString(1));
      }
    } catch (SQLException e) {
      if ("42P01".equals(e.getSQLState())) {
        return Optional.empty(); // no history table yet: a new database
      }
      throw new DependencyException("cannot read the migration history: " + e.getMessage(), "", List.of(), e);
    }
    return applied.equals(shipped) && !shipped.isEmpty()
        ? Optional.of("schema at version " + shipped.last() + " (" + shipped.size() + " migrations)")
        : Optional.empty();
  }

  /**
   * Versions of the migration files shipped, read from {@link #INDEX}: listing {@link #LOCATION} would
   * mean reading all ~14,000 entries of the jar, ~20 ms of a one-CPU start (twice: migrate and verify).
   * A listed file missing from the classpath, or no index, gives an empty set: Flyway then decides.
   */
  static TreeSet<String> shippedVersions() {
    TreeSet<String> versions = new TreeSet<>();
    ClassLoader loader = Migrations.class.getClassLoader();
    try {
      for (String name : indexedFiles()) {
        Matcher m = VERSIONED.matcher(name);
        if (!m.matches() || loader.getResource(LOCATION + "/" + name) == null) {
          versions.clear();
          return versions;
        }
        versions.add(m.group(1).replace('_', '.'));
      }
    } catch (IOException e) {
      versions.clear(); // cannot tell: let Flyway decide
    }
    return versions;
  }

  /** The file names {@link #INDEX} lists, blank lines and {@code #} comments left out; none without an index. */
  static List<String> indexedFiles() throws IOException {
    try (InputStream in = Migrations.class.getClassLoader().getResourceAsStream(INDEX)) {
      if (in == null) {
        return List.of();
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
          .map(String::strip)
          .filter(name -> !name.isEmpty() && !name.startsWith("#"))
          .toList();
    }
  }

  private Flyway flyway() {
    if (flyway == null) {
      flyway = Flyway.configure()
          // One connection instead of two: Flyway locks with a session-level advisory lock on the
          // connection that migrates, not a transaction's lock on a second one. The database step
          // leaves the pool one open connection; on a path slow to its first byte (20 s per new
          // connection, as in the incidents) a second one doubled a new database's start.
          .configuration(Map.of("flyway.postgresql.transactional.lock", "false"))
          .dataSource(dataSource)
          .locations("classpath:" + LOCATION)
          .cleanDisabled(true)
          .failOnMissingLocations(true)
          .load();
    }
    return flyway;
  }
}

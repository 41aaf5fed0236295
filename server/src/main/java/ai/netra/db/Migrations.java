package ai.netra.db;

import ai.netra.startup.DependencyException;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
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
      List.of("users", "threads", "messages", "agent_runs", "run_events", "model_prices", "llm_usage", "llm_usage_daily");
  static final String LOCATION = "db/migration";
  private static final Pattern VERSIONED = Pattern.compile("V([0-9][0-9_.]*)__(.+)\\.sql");

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
   * Flyway's full validation (checksums) runs when {@link #migrate} had to load Flyway anyway.
   *
   * @throws DependencyException naming what does not match
   */
  public String verify() {
    String version;
    if (ranFlyway) {
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
      version = currentWithoutFlyway().orElseThrow(() -> new DependencyException(
          "the applied migrations changed between migrating and checking", "", List.of(), null));
    }
    List<String> missing = new ArrayList<>(REQUIRED_TABLES);
    try (Connection c = dataSource.getConnection();
        ResultSet rs = c.getMetaData().getTables(null, c.getSchema(), "%", new String[] {"TABLE"})) {
      while (rs.next()) {
        missing.remove(rs.getString("TABLE_NAME"));
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

  /** Versions of the migration files in the jar (or the classes folder when run from a build). */
  static TreeSet<String> shippedVersions() {
    TreeSet<String> versions = new TreeSet<>();
    try {
      Path source = Path.of(Migrations.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      List<String> names = new ArrayList<>();
      if (Files.isDirectory(source)) {
        try (Stream<Path> files = Files.list(source.resolve(LOCATION))) {
          files.forEach(f -> names.add(f.getFileName().toString()));
        }
      } else {
        try (ZipFile jar = new ZipFile(source.toFile())) {
          jar.stream().map(e -> e.getName()).filter(n -> n.startsWith(LOCATION + "/"))
              .forEach(n -> names.add(n.substring(LOCATION.length() + 1)));
        }
      }
      for (String name : names) {
        Matcher m = VERSIONED.matcher(name);
        if (m.matches()) {
          versions.add(m.group(1).replace('_', '.'));
        }
      }
    } catch (IOException | URISyntaxException | RuntimeException e) {
      versions.clear(); // cannot tell: let Flyway decide
    }
    return versions;
  }

  private Flyway flyway() {
    if (flyway == null) {
      flyway = Flyway.configure()
          .dataSource(dataSource)
          .locations("classpath:" + LOCATION)
          .cleanDisabled(true)
          .failOnMissingLocations(true)
          .load();
    }
    return flyway;
  }
}

package ai.netra.db;

import ai.netra.startup.DependencyException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.output.MigrateResult;
import org.flywaydb.core.api.output.ValidateResult;

/** The schema: Flyway migrations shipped in the jar under {@code db/migration}. */
public final class Migrations {

  /** Tables the service cannot run without; checked after migrating. */
  static final List<String> REQUIRED_TABLES =
      List.of("users", "threads", "messages", "agent_runs", "run_events", "model_prices", "llm_usage");

  private final Flyway flyway;
  private final DataSource dataSource;

  public Migrations(DataSource dataSource) {
    this.dataSource = dataSource;
    this.flyway = Flyway.configure()
        .dataSource(dataSource)
        .locations("classpath:db/migration")
        .cleanDisabled(true)
        .failOnMissingLocations(true)
        .load();
  }

  /** Applies pending migrations; returns what it did in one line. */
  public String migrate() {
    MigrateResult result = flyway.migrate();
    return result.migrationsExecuted == 0
        ? "schema up to date at version " + result.initialSchemaVersion
        : "applied " + result.migrationsExecuted + " migration(s): "
            + (result.initialSchemaVersion == null ? "empty database" : "version " + result.initialSchemaVersion)
            + " -> version " + result.targetSchemaVersion;
  }

  /**
   * Checks that the applied migrations match the shipped ones and that the required tables exist.
   *
   * @throws DependencyException naming what does not match
   */
  public String verify() {
    ValidateResult validation = flyway.validateWithResult();
    if (!validation.validationSuccessful) {
      throw new DependencyException("the database schema does not match this build: " + validation.getAllErrorMessages(),
          "a newer revision may have migrated this database; deploy that revision or restore the schema", List.of(), null);
    }
    MigrationInfo current = flyway.info().current();
    if (current == null) {
      throw new DependencyException("the database has no applied migrations", "", List.of(), null);
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
      throw new DependencyException("the database schema lacks tables " + missing + " at version " + current.getVersion(),
          "someone changed the schema by hand; restore it from the migrations", List.of(), null);
    }
    return "schema version " + current.getVersion() + " (" + current.getDescription() + ")";
  }
}

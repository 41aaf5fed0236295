package ai.netra.usage;

import ai.netra.db.Migrations;
import ai.netra.testing.TestDependencies;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;

/** A new database of this test run's PostgreSQL with every migration applied, for one test class. */
final class MigratedDatabase {

  private MigratedDatabase() { }

  static HikariDataSource open(String purpose) {
    HikariDataSource dataSource = fresh(purpose);
    new Migrations(dataSource).migrate();
    return dataSource;
  }

  /** A new database with the migrations applied up to {@code version} only, as an older release left it. */
  static HikariDataSource openAt(String purpose, String version) {
    HikariDataSource dataSource = fresh(purpose);
    Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").target(version).load().migrate();
    return dataSource;
  }

  private static HikariDataSource fresh(String purpose) {
    HikariConfig config = TestDependencies.freshDatabasePool(purpose, 4);
    return new HikariDataSource(config);
  }
}

package ai.netra.usage;

import ai.netra.db.Migrations;
import ai.netra.testing.TestDependencies;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.net.URI;

/** A new database of this test run's PostgreSQL with every migration applied, for one test class. */
final class MigratedDatabase {

  private MigratedDatabase() { }

  static HikariDataSource open(String purpose) {
    URI url = URI.create(TestDependencies.freshDatabaseUrl(purpose));
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl("jdbc:postgresql://" + url.getHost() + ":" + url.getPort() + url.getPath());
    config.setUsername(url.getUserInfo());
    config.setMaximumPoolSize(4);
    config.setConnectionTimeout(10_000);
    HikariDataSource dataSource = new HikariDataSource(config);
    new Migrations(dataSource).migrate();
    return dataSource;
  }
}

package ai.netra.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.netra.startup.DependencyException;
import ai.netra.testing.TestDependencies;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class MigrationsTest {

  @Test
  void theIndexListsExactlyTheMigrationFiles() throws IOException {
    List<String> files;
    try (Stream<Path> folder = Files.list(Path.of("src/main/resources", Migrations.LOCATION))) {
      files = folder.map(p -> p.getFileName().toString()).sorted().toList();
    }
    assertThat(Migrations.class.getClassLoader().getResource(Migrations.INDEX)).as(Migrations.INDEX).isNotNull();
    List<String> listed = Migrations.indexedFiles().stream().sorted().toList();
    assertThat(listed)
        .as("src/main/resources/%s must list every file of src/main/resources/%s, and no other: a start decides from"
            + " it whether Flyway has anything to do", Migrations.INDEX, Migrations.LOCATION)
        .isEqualTo(files);
    assertThat(files).allMatch(f -> Migrations.VERSIONED.matcher(f).matches(), "every migration is versioned (V<n>__<name>.sql)");
  }

  @Test
  void shippedVersionsComeFromTheIndex() {
    assertThat(Migrations.shippedVersions()).isNotEmpty().allMatch(v -> v.matches("[0-9.]+"));
  }

  @Test
  void aMigratedDatabaseIsRecognisedWithoutFlywayAndAMissingTableIsNamed() throws SQLException {
    HikariConfig config = TestDependencies.freshDatabasePool("migrations", 2);
    try (HikariDataSource dataSource = new HikariDataSource(config)) {
      assertThat(new Migrations(dataSource).migrate()).containsPattern("empty database -> version [0-9]+");
      String latest = Migrations.shippedVersions().last();
      assertThat(new Migrations(dataSource).migrate()).isEqualTo("schema at version " + latest + " ("
          + Migrations.shippedVersions().size() + " migrations) (no migration pending)");
      assertThat(new Migrations(dataSource).verify()).endsWith("; required tables present");

      try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
        s.execute("drop table run_events");
        s.execute("drop table llm_usage cascade");
      }
      assertThatThrownBy(() -> new Migrations(dataSource).verify())
          .isInstanceOf(DependencyException.class)
          .hasMessageContaining("lacks tables [run_events, llm_usage]");
    }
  }

  @Test
  void anEmptyDatabaseIsMigratedAndCheckedAtTheShippedVersion() {
    HikariConfig config = TestDependencies.freshDatabasePool("migrations", 2);
    try (HikariDataSource dataSource = new HikariDataSource(config)) {
      Migrations migrations = new Migrations(dataSource);
      migrations.migrate();
      assertThat(migrations.verify()).isEqualTo("schema at version " + Migrations.shippedVersions().last() + " ("
          + Migrations.shippedVersions().size() + " migrations); required tables present");
    }
  }

  @Test
  void anEmptyDatabaseIsMigratedOnOneConnection() {
    // The start's pool holds one open connection when the migrations run; each further one may take
    // as long as the first did. A pool of one stands for that: a second connection is never there.
    HikariConfig config = TestDependencies.freshDatabasePool("migrations", 1);
    config.setConnectionTimeout(2_000);
    try (HikariDataSource dataSource = new HikariDataSource(config)) {
      Migrations migrations = new Migrations(dataSource);
      assertThat(migrations.migrate()).containsPattern("empty database -> version [0-9]+");
      assertThat(migrations.verify()).endsWith("; required tables present");
    }
  }

  @Test
  void twoInstancesMigratingOneEmptyDatabaseAtOnceApplyEachMigrationOnce() throws Exception {
    // A new service's first revision scales out: its instances start on the new database together.
    HikariConfig first = TestDependencies.freshDatabasePool("migrations", 1);
    HikariConfig second = new HikariConfig();
    second.setJdbcUrl(first.getJdbcUrl());
    second.setUsername(first.getUsername());
    second.setMaximumPoolSize(1);
    try (HikariDataSource a = new HikariDataSource(first); HikariDataSource b = new HikariDataSource(second);
        ExecutorService both = Executors.newFixedThreadPool(2)) {
      CountDownLatch go = new CountDownLatch(1);
      Future<String> one = both.submit(() -> {
        go.await();
        return new Migrations(a).migrate();
      });
      Future<String> other = both.submit(() -> {
        go.await();
        return new Migrations(b).migrate();
      });
      go.countDown();
      assertThat(List.of(one.get(60, TimeUnit.SECONDS), other.get(60, TimeUnit.SECONDS)))
          .as("one instance migrates, the other finds the schema up to date once the lock is free")
          .anyMatch(line -> line.contains("empty database -> version"));
      try (Connection c = a.getConnection(); Statement s = c.createStatement();
          ResultSet r = s.executeQuery("select count(*), count(distinct version) from flyway_schema_history where version is not null")) {
        r.next();
        assertThat(r.getInt(1)).isEqualTo(Migrations.shippedVersions().size()).isEqualTo(r.getInt(2));
      }
      assertThat(new Migrations(b).verify()).endsWith("; required tables present");
    }
  }

  @Test
  void aDatabaseANewerRevisionMigratedStillStartsThisOne() throws SQLException {
    // Revisions overlap during a rollout: the newer one migrates, the older keeps starting.
    HikariConfig config = TestDependencies.freshDatabasePool("migrations", 2);
    try (HikariDataSource dataSource = new HikariDataSource(config)) {
      new Migrations(dataSource).migrate();
      try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
        s.execute("insert into flyway_schema_history (installed_rank, version, description, type, script, checksum,"
            + " installed_by, execution_time, success) select max(installed_rank) + 1, '999', 'from a newer revision',"
            + " 'SQL', 'V999__from_a_newer_revision.sql', 1, current_user, 1, true from flyway_schema_history");
      }
      Migrations migrations = new Migrations(dataSource);
      assertThat(migrations.migrate()).isEqualTo("schema up to date at version 999");
      assertThat(migrations.verify()).isEqualTo("999; required tables present");
    }
  }
}

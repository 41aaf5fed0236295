package ai.netra.usage;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UsageStoreTest {

  private HikariDataSource dataSource;
  private UsageStore store;
  private List<UsageRecord> history;

  @BeforeAll
  void open() throws SQLException {
    dataSource = MigratedDatabase.open("usage_store");
    PriceCatalog.bundled().sync(dataSource);
    store = new UsageStore(dataSource);
    history = new DemoUsage(Clock.fixed(Instant.parse("2026-11-20T12:00:00Z"), ZoneOffset.UTC)).generate();
  }

  @AfterAll
  void close() {
    if (dataSource != null) {
      dataSource.close();
    }
  }

  /** Manual ANALYZE runs of llm_usage (autovacuum's own are counted apart, in autoanalyze_count). */
  private long analyzeCount() throws SQLException {
    try (Connection c = dataSource.getConnection();
        ResultSet r = c.createStatement().executeQuery("select analyze_count from pg_stat_user_tables where relname = 'llm_usage'")) {
      r.next();
      return r.getLong(1);
    }
  }

  private double plannerRows() throws SQLException {
    try (Connection c = dataSource.getConnection();
        ResultSet r = c.createStatement().executeQuery("select reltuples from pg_class where oid = 'llm_usage'::regclass")) {
      r.next();
      return r.getDouble(1);
    }
  }

  @Test
  void aLoadThatChangesTheTableRefreshesItsStatisticsAndASmallOneDoesNot() throws SQLException {
    long before = analyzeCount();
    assertThat(store.insertIfNone("first-load", history)).isEqualTo(history.size());
    assertThat(analyzeCount()).as("the first load of a table never analyzed").isEqualTo(before + 1);
    assertThat(plannerRows()).as("the planner knows the rows are there").isGreaterThan(history.size() * 0.9);

    assertThat(store.insert("a-few", history.subList(0, 100))).isEqualTo(100);
    assertThat(analyzeCount()).as("100 rows more do not change the plans").isEqualTo(before + 1);

    assertThat(store.insert("a-lot", history.subList(0, history.size() / 2))).isEqualTo(history.size() / 2);
    assertThat(analyzeCount()).as("half as many rows again").isEqualTo(before + 2);
  }
}

package ai.netra.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.netra.testing.ServiceProcess;
import ai.netra.testing.TestDependencies;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every start is kept: a row per start in the history table once the database is up, and one JSON log
 * line in the /health/startup shape that Cloud Logging keeps. Timeouts were chosen from one recorded
 * start; these are the starts they are sized from now.
 */
class StartupHistoryIT {

  private static final Duration START = Duration.ofSeconds(90);
  private static String databaseUrl;
  /** The JSON log lines of the two starts that are kept, as the service printed them. */
  private static final List<String> reportLines = new ArrayList<>();

  @BeforeAll
  static void twoStartsAgainstOneDatabase() {
    databaseUrl = TestDependencies.freshDatabaseUrl("startup_history");
    for (String revision : List.of("netra-00001-abc", "netra-00002-def")) {
      Map<String, String> env = Map.of("DATABASE_URL", databaseUrl, "NETRA_LOG_FORMAT", "json", "K_REVISION", revision);
      try (ServiceProcess service = ServiceProcess.start(env)) {
        service.awaitStatus("/health/startup", 200, START);
        int before = reportLines.size();
        await("the start's report line").atMost(Duration.ofSeconds(10)).until(() -> reportLine(service) != null);
        reportLines.add(reportLine(service));
        await("the start's row").atMost(Duration.ofSeconds(10)).until(() -> rows() == before + 1);
        service.terminate();
        assertThat(service.awaitExit(Duration.ofSeconds(15))).as("exit code after SIGTERM").isZero();
      }
    }
  }

  private static String reportLine(ServiceProcess service) {
    return service.output().stream().filter(l -> l.contains("\"netra_startup_report\":true")).findFirst().orElse(null);
  }

  @Test
  void twoStartsAgainstTheSameDatabaseGiveTwoRowsWithTheirSteps() throws Exception {
    assertThat(rows()).as("rows in startup_starts").isEqualTo(2);
    try (Connection c = connect(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("select s.revision, s.outcome, s.environment, s.cpus, s.elapsed_ms,"
            + " count(t.*) as steps, count(t.*) filter (where t.name = 'database' and t.status = 'OK'"
            + " and t.end_ms >= t.start_ms and t.attempts >= 1) as database_ok"
            + " from startup_starts s join startup_steps t on t.start_id = s.id group by s.id order by s.started_at, s.id")) {
      List<String> revisions = new ArrayList<>();
      while (rs.next()) {
        revisions.add(rs.getString("revision"));
        assertThat(rs.getString("outcome")).isEqualTo("READY");
        assertThat(rs.getString("environment")).isEqualTo("development");
        assertThat(rs.getDouble("cpus")).isPositive();
        assertThat(rs.getLong("elapsed_ms")).isPositive();
        assertThat(rs.getInt("steps")).as("every step of the plan is kept").isGreaterThan(10);
        assertThat(rs.getInt("database_ok")).as("the database step with its time and attempts").isEqualTo(1);
      }
      assertThat(revisions).as("revision from K_REVISION").containsExactly("netra-00001-abc", "netra-00002-def");
    }
  }

  @Test
  void everyStartLogsItsReportAsOneJsonLineInTheHealthStartupShape() throws Exception {
    assertThat(reportLines).hasSize(2);
    for (String line : reportLines) {
      JsonNode report = ServiceProcess.parse(line);
      assertThat(report.path("netra_startup_report").asBoolean()).isTrue();
      assertThat(report.path("outcome").asText()).isEqualTo("READY");
      assertThat(report.path("elapsed_ms").asLong()).isPositive();
      assertThat(report.path("severity").asText()).isEqualTo("INFO");
      JsonNode database = ServiceProcess.step(report, "database");
      assertThat(database.path("status").asText()).isEqualTo("OK");
      assertThat(database.has("start_ms") && database.has("end_ms") && database.has("error_kind")).isTrue();
      assertThat(report.path("resources").path("cpus").asDouble()).isPositive();
      assertThat(report.path("started_at").asText()).isNotBlank();
    }
  }

  private static int rows() throws SQLException {
    try (Connection c = connect(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("select count(*) from startup_starts")) {
      rs.next();
      return rs.getInt(1);
    } catch (SQLException e) {
      if ("42P01".equals(e.getSQLState())) {
        return 0; // not migrated yet
      }
      throw e;
    }
  }

  private static Connection connect() throws SQLException {
    URI url = URI.create(databaseUrl);
    return DriverManager.getConnection("jdbc:postgresql://" + url.getHost() + ":" + url.getPort() + url.getPath()
        + "?user=" + url.getUserInfo());
  }
}

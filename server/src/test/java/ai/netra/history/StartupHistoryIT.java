package ai.netra.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.netra.testing.ServiceProcess;
import ai.netra.testing.TestDependencies;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
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
  private static final ObjectMapper JSON = new ObjectMapper();
  private static String databaseUrl;
  /** The JSON log lines of the two starts that are kept, as the service printed them. */
  private static final List<String> reportLines = new ArrayList<>();
  /** What the second start's /health/startup/history answered once it had read the table. */
  private static JsonNode historyBody;

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
        await("the history read back").atMost(Duration.ofSeconds(10)).until(() -> {
          historyBody = service.json("/health/startup/history");
          return historyBody.path("loaded").asBoolean() && historyBody.path("starts").size() == before + 1;
        });
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

  /** The startup page's source: the last starts from memory, their phases' times, and nothing about the infrastructure. */
  @Test
  void healthStartupHistoryAnswersTheLastStartsWithTheirPhasesFromMemory() throws Exception {
    JsonNode starts = historyBody.path("starts");
    assertThat(starts).hasSize(2);
    assertThat(starts.get(0).path("revision").asText()).isEqualTo("netra-00001-abc");
    assertThat(starts.get(1).path("revision").asText()).isEqualTo("netra-00002-def");
    for (JsonNode start : starts) {
      assertThat(start.path("outcome").asText()).isEqualTo("READY");
      assertThat(start.path("elapsed_ms").asLong()).isPositive();
      List<String> phases = new ArrayList<>();
      start.path("phases").forEach(p -> phases.add(p.path("name").asText()));
      assertThat(phases).containsExactly("INIT", "DEPENDENCIES", "DATABASE", "CACHE", "SERVICES", "WEBSOCKET", "FINALIZE");
      start.path("phases").forEach(p -> assertThat(p.path("ms").isNumber()).as("time of %s", p).isTrue());
    }
    String body = historyBody.toString();
    assertThat(body).as("no instance, host, resource or error text").doesNotContain("instance", "127.0.0.1", "cpus",
        "memory", "peak_rss", "\"error\"", "detail");
  }

  /** The "done when": the table and an export of the service's own log lines give the same statistics. */
  @Test
  void historyReadsTheSameStatisticsFromTheTableAndFromACloudLoggingExport() throws Exception {
    ArrayNode entries = JSON.createArrayNode();
    for (String line : reportLines) {
      ObjectNode payload = (ObjectNode) JSON.readTree(line);
      String time = payload.remove("time").asText();
      String severity = payload.remove("severity").asText();
      ObjectNode entry = entries.addObject();
      entry.put("insertId", "id-" + entries.size());
      entry.set("jsonPayload", payload);
      entry.putObject("resource").put("type", "cloud_run_revision").putObject("labels")
          .put("revision_name", payload.path("revision").asText()).put("service_name", "netra");
      entry.put("severity", severity);
      entry.put("timestamp", time);
      entry.put("logName", "projects/p/logs/run.googleapis.com%2Fstdout");
    }
    Path export = Files.createTempFile("netra-logging-export", ".json");
    Files.writeString(export, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(entries));
    Path lines = Files.createTempFile("netra-log-lines", ".jsonl");
    Files.writeString(lines, "{\"severity\":\"INFO\",\"message\":\"listening\"}\n" + String.join("\n", reportLines) + "\n");

    JsonNode fromTable = history(Map.of("DATABASE_URL", databaseUrl), "--json");
    JsonNode fromExport = history(Map.of(), export.toString(), "--json");
    JsonNode fromLines = history(Map.of(), lines.toString(), "--json");

    JsonNode stats = fromTable.path("stats");
    assertThat(stats.path("starts").asInt()).as("starts in the table").isEqualTo(2);
    assertThat(stats.path("ready").path("count").asInt()).isEqualTo(2);
    JsonNode database = null;
    for (JsonNode step : stats.path("steps")) {
      if (step.path("step").asText().equals("database")) {
        database = step;
      }
    }
    assertThat(database).as("per-step statistics of the database step").isNotNull();
    assertThat(database.path("took").path("count").asInt()).isEqualTo(2);
    assertThat(database.path("took").path("p99").asLong()).isEqualTo(database.path("took").path("max").asLong());
    assertThat(stats.path("revisions")).hasSize(2);
    assertThat(fromExport.path("stats")).as("the export gives the table's statistics").isEqualTo(stats);
    assertThat(fromLines.path("stats")).as("the service's JSON log lines give the table's statistics").isEqualTo(stats);

    JsonNode one = history(Map.of(), export.toString(), "--json", "--revision", "netra-00002-def");
    assertThat(one.path("stats").path("starts").asInt()).as("--revision").isEqualTo(1);
    JsonNode none = history(Map.of("DATABASE_URL", databaseUrl), "--json", "--since", "2999-01-01");
    assertThat(none.path("stats").path("starts").asInt()).as("--since").isZero();
  }

  @Test
  void historyPrintsPercentilesFailuresAndTheTrendByRevision() {
    try (ServiceProcess run = ServiceProcess.start(Map.of("DATABASE_URL", databaseUrl), "history")) {
      assertThat(run.awaitExit(Duration.ofSeconds(60))).as("exit code; output:\n%s", run.outputText()).isZero();
      assertThat(run.outputText()).contains("2 starts (0 failed)", "JVM start to READY", "DATABASE / database",
          "netra-00001-abc", "netra-00002-def", "p99");
    }
  }

  @Test
  void aFileThatIsNotAnExportIsRefusedWithExit2() throws Exception {
    Path bad = Files.createTempFile("netra-not-export", ".json");
    Files.writeString(bad, "this is not json");
    try (ServiceProcess run = ServiceProcess.start(Map.of(), "history", bad.toString())) {
      assertThat(run.awaitExit(Duration.ofSeconds(60))).as("exit code; output:\n%s", run.outputText()).isEqualTo(2);
      assertThat(run.outputText()).contains("is not a Cloud Logging export");
    }
  }

  private static JsonNode history(Map<String, String> env, String... args) throws Exception {
    String[] command = new String[args.length + 1];
    command[0] = "history";
    System.arraycopy(args, 0, command, 1, args.length);
    try (ServiceProcess run = ServiceProcess.start(env, command)) {
      assertThat(run.awaitExit(Duration.ofSeconds(60))).as("exit code; output:\n%s", run.outputText()).isZero();
      List<String> out = run.output();
      int first = out.indexOf("{");
      assertThat(first).as("a JSON object in:\n%s", run.outputText()).isNotNegative();
      return JSON.readTree(String.join("\n", out.subList(first, out.size())));
    }
  }

  /** A start that never reached its database is kept by its log line alone, and netra history counts its failure. */
  @Test
  void aFailedStartIsKeptAsItsLogLineAndHistoryCountsItsFailureByKind() throws Exception {
    Map<String, String> env = Map.of("DATABASE_URL", "postgres://postgres@127.0.0.1:1/nothing_listens_here",
        "NETRA_LOG_FORMAT", "json", "STARTUP_TIMEOUT_DATABASE_S", "2", "K_REVISION", "netra-00003-bad");
    String line;
    try (ServiceProcess service = ServiceProcess.start(env)) {
      assertThat(service.awaitExit(START)).as("exit code; output:\n%s", service.outputText()).isEqualTo(3);
      line = reportLine(service);
      assertThat(line).as("the failed start's report line in:\n%s", service.outputText()).isNotNull();
    }
    JsonNode report = ServiceProcess.parse(line);
    assertThat(report.path("outcome").asText()).isEqualTo("FAILED");
    JsonNode database = ServiceProcess.step(report, "database");
    assertThat(database.path("status").asText()).isEqualTo("FAILED");
    assertThat(database.path("error_kind").asText()).isEqualTo("DEPENDENCY");
    assertThat(report.path("failure").path("step").asText()).isEqualTo("database");

    Path lines = Files.createTempFile("netra-failed-start", ".jsonl");
    Files.writeString(lines, line + "\n");
    JsonNode stats = history(Map.of(), lines.toString(), "--json").path("stats");
    assertThat(stats.path("failed_starts").asInt()).isEqualTo(1);
    assertThat(stats.path("failures").get(0).path("step").asText()).isEqualTo("database");
    assertThat(stats.path("failures").get(0).path("kind").asText()).isEqualTo("DEPENDENCY");
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

package ai.netra.boot;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.testing.ServiceProcess;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** `./netra serve` with no settings at all: the embedded PostgreSQL under the data folder, the in-process cache. */
class EmbeddedDefaultsIT {

  private static final Duration START = Duration.ofSeconds(90);

  @Test
  void developmentWithNoSettingsRunsTheEmbeddedDatabaseAndKeepsItsDataAcrossRestarts() throws Exception {
    Path data = Files.createTempDirectory("netra-embedded", PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rwxr-xr-x")));
    Map<String, String> env = Map.of("DATABASE_URL", "", "NETRA_DATA_DIR", data.toString());
    try (ServiceProcess first = ServiceProcess.start(env)) {
      first.awaitStatus("/health/ready", 200, START);
      JsonNode report = first.json("/health/startup");
      assertThat(ServiceProcess.step(report, "embedded-postgres").path("status").asText()).isEqualTo("OK");
      assertThat(ServiceProcess.step(report, "migrations").path("detail").asText()).as("first start migrates an empty database")
          .contains("applied");
      assertThat(ServiceProcess.step(report, "redis").path("detail").asText()).contains("in-process");
      first.terminate();
      assertThat(first.awaitExit(Duration.ofSeconds(10))).as("exit code after SIGTERM").isZero();
      assertThat(first.outputText()).contains("closed embedded PostgreSQL");
    }
    List<ProcessHandle> postgres;
    try (ServiceProcess second = ServiceProcess.start(env)) {
      second.awaitStatus("/health/ready", 200, START);
      assertThat(ServiceProcess.step(second.json("/health/startup"), "migrations").path("detail").asText())
          .as("a restart finds the schema it left: the data folder was kept").contains("no migration pending");
      postgres = second.children();
      assertThat(postgres).as("the embedded PostgreSQL runs under the service").isNotEmpty();
      // Ctrl-C signals the terminal's whole process group: PostgreSQL must not be in it, or it drops every
      // connection at once while the service is still stopping in order.
      long servicesGroup = processGroup(second.pid());
      assertThat(postgres).as("the embedded PostgreSQL's processes, out of the service's process group")
          .allSatisfy(p -> assertThat(processGroup(p.pid())).isNotEqualTo(servicesGroup));
    }
    // close() kills the service: the test harness, not the service, must then stop what the service started
    assertThat(postgres).as("processes left running after the killed service was closed")
        .noneMatch(ProcessHandle::isAlive);
  }

  @Test
  void embeddedDatabaseInAFolderNobodyCanEnterFailsWithExitTwoAndSaysWhy() throws Exception {
    boolean root = Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    org.junit.jupiter.api.Assumptions.assumeTrue(root, "only root hands the embedded database to nobody");
    Path closed = Files.createTempDirectory("netra-closed"); // rwx------
    try (ServiceProcess service = ServiceProcess.start(Map.of("DATABASE_URL", "", "NETRA_DATA_DIR",
        closed.resolve("data").toString()))) {
      assertThat(service.awaitExit(START)).isEqualTo(2);
      assertThat(service.outputText()).contains("STARTUP FAILED", "step: embedded-postgres", "nobody cannot enter",
          "set NETRA_DATA_DIR to a folder every user can enter");
    }
  }

  /** Issue 19: a second `./netra serve` in the same checkout stopped the first one's database, which then failed for good. */
  @Test
  void secondServeOnTheSameDataFolderRefusesWithExitTwoNamingTheFirstAndLeavesItsDatabaseAlone() throws Exception {
    Path data = Files.createTempDirectory("netra-shared", PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rwxr-xr-x")));
    Map<String, String> env = Map.of("DATABASE_URL", "", "NETRA_DATA_DIR", data.toString());
    try (ServiceProcess first = ServiceProcess.start(env)) {
      first.awaitStatus("/health/ready", 200, START);
      List<ProcessHandle> postgres = first.children();
      try (ServiceProcess second = ServiceProcess.start(env)) {
        assertThat(second.awaitExit(Duration.ofSeconds(30))).as("exit code of the second serve").isEqualTo(2);
        assertThat(second.outputText()).as("the second serve's failure record")
            .contains("STARTUP FAILED", "step: embedded-postgres", "in use by another netra process (pid " + first.pid() + ")",
                "NETRA_DATA_DIR")
            .doesNotContain("stopping an embedded PostgreSQL");
      }
      assertThat(postgres).as("the first serve's PostgreSQL after the second gave up").allMatch(ProcessHandle::isAlive);
      // The database check runs every second: ready for three seconds in a row means the database still answers.
      org.awaitility.Awaitility.await("first serve stays ready").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
          .until(() -> first.get("/health/ready").statusCode() == 200);
    }
  }

  /** Issue 16: the embedded database trusted every local connection and listened on a TCP port another process could take. */
  @Test
  void embeddedDatabaseListensOnlyOnAUnixSocketAndAsksForAPasswordOnlyItsOwnerCanRead() throws Exception {
    Path data = Files.createTempDirectory("netra-socket", PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rwxr-xr-x")));
    try (ServiceProcess service = ServiceProcess.start(Map.of("DATABASE_URL", "", "NETRA_DATA_DIR", data.toString()))) {
      service.awaitStatus("/health/ready", 200, START);
      Path passwordFile = data.resolve("postgres.password");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(passwordFile))).as("password file mode")
          .isEqualTo("rw-------");
      String password = Files.readString(passwordFile).strip();
      assertThat(password).as("a random password").hasSizeGreaterThanOrEqualTo(32);
      assertThat(Files.readString(data.resolve("postgres/pg_hba.conf"))).as("pg_hba.conf")
          .contains("scram-sha-256").doesNotContain("trust");
      List<String> pid = Files.readAllLines(data.resolve("postgres/postmaster.pid"));
      assertThat(pid.get(4).strip()).as("socket folder").isEqualTo(data.resolve("postgres").toString());
      assertThat(pid.get(5).strip()).as("TCP listen addresses").isEmpty();
      assertThat(Files.readString(data.resolve("netra.lock")).strip()).as("the lock names its owner")
          .isEqualTo(String.valueOf(service.pid()));
      String url = "jdbc:postgresql://localhost/netra?socketFactory=org.newsclub.net.unix.AFUNIXSocketFactory$FactoryArg"
          + "&socketFactoryArg=" + data.resolve("postgres/.s.PGSQL.5432") + "&sslmode=disable&user=postgres";
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> java.sql.DriverManager.getConnection(url).close())
          .as("a connection without the password").hasMessageContaining("password");
      try (var c = java.sql.DriverManager.getConnection(url + "&password=" + password)) {
        assertThat(c.isValid(5)).as("a connection with the password").isTrue();
      }
    }
  }

  /** The process group of {@code pid}, from {@code /proc/PID/stat} (its fields after the command's closing parenthesis). */
  private static long processGroup(long pid) throws java.io.IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[2]);
  }
}

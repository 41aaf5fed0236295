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
}

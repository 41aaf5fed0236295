package ai.netra.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.netra.testing.ServiceProcess;
import ai.netra.testing.TestDependencies;
import ai.netra.testing.UnixSocketForwarder;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * PostgreSQL reached through a unix socket, as Cloud SQL is under {@code /cloudsql/...}: this run's
 * database (on the machine's PostgreSQL or the embedded one the tests start) behind a socket folder
 * named with {@code POSTGRES_HOST}, so the path is tested wherever the tests run.
 */
class UnixSocketDatabaseIT {

  private static final Duration START = Duration.ofSeconds(60);

  @ParameterizedTest(name = "{0}: POSTGRES_HOST naming a socket folder starts READY over the unix socket")
  @ValueSource(strings = {"development", "production"})
  void databaseReachedThroughItsUnixSocketFolderStartsReady(String environment, @TempDir Path dir) throws Exception {
    Path socketFolder = dir.resolve("cloudsql").resolve("project:region:instance");
    Map<String, String> env = new HashMap<>();
    if (environment.equals("development")) {
      env.put("NETRA_ENV", "development");
    } else {
      env.putAll(ServiceProcess.deployedEnv(environment));
    }
    String database = URI.create(TestDependencies.postgresUrl()).getPath().substring(1);
    env.put("DATABASE_URL", "");
    env.put("POSTGRES_HOST", socketFolder.toString());
    env.put("POSTGRES_PORT", "5432");
    env.put("POSTGRES_DB", database);
    env.put("POSTGRES_USER", "postgres");
    env.remove("POSTGRES_SSLMODE");
    env.put("STARTUP_TIMEOUT_DATABASE_S", "10");

    try (UnixSocketForwarder socket = UnixSocketForwarder.postgres(socketFolder, TestDependencies.postgresPort());
        ServiceProcess service = ServiceProcess.start(env)) {
      service.awaitStatus("/health/ready", 200, START);

      JsonNode report = service.json("/health/startup");
      assertThat(report.path("outcome").asText()).as("outcome over the unix socket").isEqualTo("READY");
      JsonNode step = ServiceProcess.step(report, "database");
      assertThat(step.path("status").asText()).as("database step").isEqualTo("OK");
      // The public report says how it connected, not where (issue 16); the log says where.
      assertThat(step.path("detail").asText()).as("database step detail").contains("unix socket")
          .doesNotContain(socketFolder.toString(), database);
      assertThat(service.outputText()).as("the log").contains(socketFolder.toString(), "db=" + database);
      await("the runtime database check over the unix socket reported healthy").atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> service.json("/health/ready").path("checks").findValuesAsText("name").contains("database")
              && service.get("/health/ready").statusCode() == 200);
    }
  }
}

package ai.netra.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.netra.testing.ServiceProcess;
import ai.netra.testing.TestDependencies;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * PostgreSQL reached through its unix socket (as Cloud SQL is, under {@code /cloudsql/...}): here
 * the machine's own server in {@code /var/run/postgresql}, named with {@code POSTGRES_HOST}.
 */
class UnixSocketDatabaseIT {

  private static final Path SOCKET_FOLDER = Path.of("/var/run/postgresql");
  private static final Duration START = Duration.ofSeconds(30);

  @ParameterizedTest(name = "{0}: POSTGRES_HOST naming the local socket folder starts READY over the unix socket")
  @ValueSource(strings = {"development", "production"})
  void databaseReachedThroughItsUnixSocketFolderStartsReady(String environment) throws Exception {
    assumeTrue(Files.exists(SOCKET_FOLDER.resolve(".s.PGSQL.5432")), "needs a local PostgreSQL socket in " + SOCKET_FOLDER);
    assumeTrue(TestDependencies.postgresPort() == 5432,
        "this run's database must live on the machine's PostgreSQL (port 5432), the one behind the socket");
    Map<String, String> env = new HashMap<>();
    if (environment.equals("development")) {
      env.put("NETRA_ENV", "development");
    } else {
      assumeTrue(TestDependencies.redisUrl() != null, "needs Redis (none running and no redis-server installed)");
      env.putAll(ServiceProcess.deployedEnv(environment));
    }
    String database = URI.create(TestDependencies.postgresUrl()).getPath().substring(1);
    env.put("DATABASE_URL", "");
    env.put("POSTGRES_HOST", SOCKET_FOLDER.toString());
    env.put("POSTGRES_PORT", "5432");
    env.put("POSTGRES_DB", database);
    env.put("POSTGRES_USER", "postgres");
    env.remove("POSTGRES_SSLMODE");
    env.put("STARTUP_TIMEOUT_DATABASE_S", "10");

    try (ServiceProcess service = ServiceProcess.start(env)) {
      service.awaitStatus("/health/ready", 200, START);

      JsonNode report = service.json("/health/startup");
      assertThat(report.path("outcome").asText()).as("outcome over the unix socket").isEqualTo("READY");
      JsonNode step = ServiceProcess.step(report, "database");
      assertThat(step.path("status").asText()).as("database step").isEqualTo("OK");
      assertThat(step.path("detail").asText()).as("database step detail")
          .contains("unix socket", SOCKET_FOLDER.toString(), "db=" + database);
      await("the runtime database check over the unix socket reported healthy").atMost(Duration.ofSeconds(5))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> service.json("/health/ready").path("checks").findValuesAsText("name").contains("database")
              && service.get("/health/ready").statusCode() == 200);
    }
  }
}

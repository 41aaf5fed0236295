package ai.netra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.testing.ServiceProcess;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@code netra check} and {@code netra plan} from the packaged jar, as a deploy pipeline runs them. */
@Tag("fast")
class DeployCommandsIT {

  @Test
  void checkOfTheSeedFailsWithExit1AndItsJsonParses() throws Exception {
    try (ServiceProcess check = ServiceProcess.start(Map.of(), "check", "--env-file", CommandRun.fixture("seed.env"),
        "--report", CommandRun.fixture("startup-seed.json"), "--max-connections", "100", "--json")) {
      assertThat(check.awaitExit(Duration.ofSeconds(60))).as("exit code; output:\n%s", check.outputText()).isEqualTo(1);
      String out = check.outputText();
      JsonNode body = ServiceProcess.parse(out.substring(out.indexOf('{')));
      assertThat(body.path("verdict").asText()).isEqualTo("FAIL");
      assertThat(out).doesNotContain("pg-Secret-Value-123", "jwt-secret-0123456789abcdefghijklmnopqrstuv");
    }
  }

  @Test
  void checkOfTheDevelopmentDefaultsAsksTheDatabaseAndPasses() {
    // ServiceProcess points DATABASE_URL at this run's database: check asks it for max_connections.
    try (ServiceProcess check = ServiceProcess.start(Map.of(), "check")) {
      assertThat(check.awaitExit(Duration.ofSeconds(60))).as("exit code; output:\n%s", check.outputText()).isZero();
      assertThat(check.outputText()).contains("for max_connections (up to 5 s)").contains("read from the server")
          .contains("verdict: ");
    }
  }

  @Test
  void planWritesCloudRunYamlWithExit0() {
    try (ServiceProcess plan = ServiceProcess.start(Map.of(), "plan", "--env", "staging", "--env-file", CommandRun.fixture("staging.env"),
        "--image", "europe-docker.pkg.dev/p/r/netra:1", "--format", "cloudrun")) {
      assertThat(plan.awaitExit(Duration.ofSeconds(60))).as("exit code; output:\n%s", plan.outputText()).isZero();
      assertThat(plan.outputText()).contains("apiVersion: serving.knative.dev/v1").contains("path: /health/startup")
          .doesNotContain("plain-jwt-secret-VALUE");
    }
  }
}

package ai.netra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.deploy.MemorySize;
import ai.netra.deploy.StartupReportJson;
import ai.netra.deploy.simulate.ProbeSpec;
import ai.netra.deploy.simulate.SimulationResult;
import ai.netra.json.Json;
import ai.netra.startup.StartupReport;
import ai.netra.testing.TestDependencies;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code netra check} as its user runs it: arguments in, exit code and printed lines out. */
class CheckCommandTest {

  /** Every literal secret in the seed env file: none may ever be printed. */
  private static final List<String> SEED_SECRETS = List.of("pg-Secret-Value-123", "jwt-secret-0123456789abcdefghijklmnopqrstuv",
      "redis://10.0.0.3:6379");

  private static CommandRun check(Map<String, String> processEnv, String... args) {
    return CommandRun.of(new CheckCommand(processEnv), args);
  }

  private static Map<String, String> pairs(String... pairs) {
    Map<String, String> env = new java.util.HashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    return env;
  }

  private static CommandRun check(String... args) {
    return check(Map.of(), args);
  }

  @Test
  void theSeedConfigurationFailsWithExit1AndAFixForEveryFailure() {
    CommandRun run = check("--env-file", CommandRun.fixture("seed.env"), "--report", CommandRun.fixture("startup-seed.json"),
        "--max-connections", "100");
    assertThat(run.exit()).as("exit code; output:\n%s", run.all()).isEqualTo(1);
    assertThat(run.out()).contains("settings\n", "timeout policy\n", "recorded startup\n", "database pool\n", "resources\n")
        .contains("verdict: FAIL");
    List<String> lines = run.out().lines().toList();
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith("  FAIL")) {
        assertThat(lines.get(i + 1)).as("the line after %s", lines.get(i)).startsWith("        fix: ");
      }
    }
    assertThat(run.out()).as("the three seed configurations")
        .contains("= 505 of max_connections 100")
        .contains("0.7 x STARTUP_SAFETY_MARGIN 1.1 = 0.77")
        .contains("peak RSS 470 MiB + 25% headroom = 588 MiB is over the recorded start's memory limit 512Mi");
    assertThat(run.all()).as("secrets are never printed").doesNotContain(SEED_SECRETS);
  }

  @Test
  void jsonOutputParsesAndCarriesTheVerdictAndEveryFinding() throws IOException {
    CommandRun run = check("--env-file", CommandRun.fixture("seed.env"), "--max-connections", "100", "--json");
    assertThat(run.exit()).isEqualTo(1);
    JsonNode body = Json.mapper().readTree(run.out());
    assertThat(body.path("verdict").asText()).isEqualTo("FAIL");
    assertThat(body.path("exit_code").asInt()).isEqualTo(1);
    assertThat(body.path("environment").asText()).isEqualTo("staging");
    assertThat(body.path("counts").path("fail").asInt()).isPositive();
    assertThat(body.path("findings")).allSatisfy(f -> {
      assertThat(f.path("area").asText()).isIn("settings", "timeouts", "startup", "probe", "pool", "resources");
      assertThat(f.path("verdict").asText()).isIn("PASS", "WARN", "FAIL");
      assertThat(f.path("message").asText()).isNotBlank();
      if (f.path("verdict").asText().equals("FAIL")) {
        assertThat(f.path("fix").asText()).as("fix of %s", f).isNotBlank();
      }
    });
    assertThat(run.all()).doesNotContain(SEED_SECRETS);
  }

  @Test
  void aHealthyDeploymentPassesWithExit0() {
    CommandRun run = check("--env-file", CommandRun.fixture("staging.env"), "--report", CommandRun.fixture("startup-healthy.json"),
        "--cpu", "1", "--memory", "1Gi");
    assertThat(run.exit()).as("exit code; output:\n%s", run.all()).isZero();
    assertThat(run.out()).doesNotContain("  FAIL").contains("verdict: ");
    assertThat(run.all()).doesNotContain("plain-jwt-secret-VALUE");
  }

  @Test
  void aTcpStartupProbeFailsBecauseItPassesBeforeTheServiceIsReady(@TempDir Path dir) throws IOException {
    Path yaml = Files.writeString(dir.resolve("service.yaml"), """
        apiVersion: serving.knative.dev/v1
        kind: Service
        metadata:
          name: netra
        spec:
          template:
            metadata:
              annotations:
                autoscaling.knative.dev/maxScale: '20'
            spec:
              containers:
              - image: europe-docker.pkg.dev/p/r/netra:1
                resources:
                  limits:
                    cpu: 1000m
                    memory: 512Mi
                startupProbe:
                  tcpSocket:
                    port: 8080
                  timeoutSeconds: 240
                  periodSeconds: 240
                  failureThreshold: 1
        """);
    CommandRun run = check("--env-file", CommandRun.fixture("staging.env"), "--service-yaml", yaml.toString(),
        "--report", CommandRun.fixture("startup-seed.json"));
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).contains("startup probe and scaling\n")
        .contains("FAIL  a TCP startup probe in " + yaml)
        .contains("maxScale 20 in " + yaml + " is more than MAX_INSTANCES 8")
        .as("the YAML's 1 CPU / 512Mi are judged against the recorded peak RSS")
        .contains("over the deploy's memory limit 512Mi");
  }

  @Test
  void theYamlNetraPlanWritesPassesTheProbeCheck(@TempDir Path dir) {
    Path yaml = dir.resolve("service.yaml");
    CommandRun plan = CommandRun.of(new PlanCommand(Map.of()), "--env", "staging", "--env-file", CommandRun.fixture("staging.env"),
        "--image", "europe-docker.pkg.dev/p/r/netra:1", "--report", CommandRun.fixture("startup-healthy.json"), "-o", yaml.toString());
    assertThat(plan.exit()).as("plan: %s", plan.err()).isZero();
    CommandRun run = check("--env-file", CommandRun.fixture("staging.env"), "--service-yaml", yaml.toString(),
        "--report", CommandRun.fixture("startup-healthy.json"));
    assertThat(run.out()).as("check of the plan's own YAML:\n%s", run.out())
        .contains("startup probe and scaling\n  PASS  the startup probe waits 240 s (0 + 4 x 60) on /health/startup")
        .doesNotContain("  FAIL");
    assertThat(run.exit()).isZero();
  }

  @Test
  void theReportNetraSimulateWritesIsReadByCheckWhichFlagsAMemoryLimitBelowThePeakPlusHeadroom(@TempDir Path dir)
      throws IOException {
    StartupReport start = StartupReportJson.read(Path.of(CommandRun.fixture("startup-healthy.json")));
    SimulationResult simulated = new SimulationResult(1, MemorySize.mi(512),
        ProbeSpec.tcp(Duration.ofSeconds(240)), List.of(), 150L, true,
        1000L, 2, null, 1800L, start, null, null, null, null, 470 * MemorySize.MI, null, 0, 400L, List.of(), null);
    Path report = dir.resolve("startup.json");
    StartupReportJson.write(simulated.recorded(report.toString()), report); // as netra simulate --report writes it

    CommandRun run = check("--env-file", CommandRun.fixture("staging.env"), "--report", report.toString());

    assertThat(run.exit()).as("exit code; output:\n%s", run.all()).isEqualTo(1);
    assertThat(run.out()).as("the simulated instance's 1 CPU / 512Mi judged against its own 470 MiB peak")
        .contains("FAIL  peak RSS 470 MiB + 25% headroom = 588 MiB is over the recorded start's memory limit 512Mi")
        .contains("fix: deploy with --memory 1Gi")
        .contains("recorded on 1 CPU: READY");
  }

  @Test
  void badInputIsAUsageErrorWithExit2NamingIt(@TempDir Path dir) throws IOException {
    Path notJson = Files.writeString(dir.resolve("report.json"), "<html>502</html>");
    Path badEnv = Files.writeString(dir.resolve("bad.env"), "NETRA_ENV=staging\nthis is not a setting\n");
    Files.writeString(dir.resolve("bad.yaml"), "spec: [unclosed\n");
    Map<String, String[]> cases = Map.of(
        "does not exist", new String[] {"--env-file", dir.resolve("missing.env").toString()},
        "is not JSON", new String[] {"--report", notJson.toString()},
        "line 2", new String[] {"--env-file", badEnv.toString()},
        "must be development, staging or production", new String[] {"--env", "prod"},
        "--cpu and --memory go together", new String[] {"--cpu", "1"},
        "memory 'lots'", new String[] {"--cpu", "1", "--memory", "lots"},
        "Unknown option", new String[] {"--no-such-flag"},
        "--max-connections must be at least 1", new String[] {"--max-connections", "0"},
        "is not YAML", new String[] {"--service-yaml", notJson.toString().replace("report.json", "bad.yaml")});
    cases.forEach((message, args) -> {
      CommandRun run = check(args);
      assertThat(run.exit()).as("exit code for %s; output:\n%s", List.of(args), run.all()).isEqualTo(2);
      assertThat(run.err()).as("stderr for %s", List.of(args)).contains(message);
    });
  }

  @Test
  void helpListsTheOptionsAndExitCodes() {
    CommandRun run = check("--help");
    assertThat(run.exit()).isZero();
    assertThat(run.out()).contains("--env-file", "--report", "--max-connections", "--json", "Exit codes:", "1   the verdict is FAIL");
  }

  @Test
  void withoutAGivenLimitItAsksTheDatabaseAndSaysSoFirst() {
    String url = TestDependencies.postgresUrl();
    Map<String, String> env = pairs("NETRA_ENV", "staging", "POSTGRES_HOST", "127.0.0.1",
        "POSTGRES_PORT", String.valueOf(TestDependencies.postgresPort()), "POSTGRES_DB", url.substring(url.lastIndexOf('/') + 1),
        "POSTGRES_USER", "postgres", "POSTGRES_PASSWORD", "pg-secret-Zq81xL", "POSTGRES_SSLMODE", "disable",
        "REDIS_URL", "redis://127.0.0.1:6379", "JWT_SECRET_KEY", "jwt-secret-0123456789abcdefghijklmnopqrstuv",
        "LLM_MODEL", "offline");
    CommandRun run = check(env);
    assertThat(run.err()).as("progress before the slow part").contains("asking 127.0.0.1:").contains("for max_connections");
    assertThat(run.out()).contains("read from the server");
    assertThat(run.all()).doesNotContain("pg-secret-Zq81xL", "jwt-secret-0123456789");
  }

  @Test
  void anUnreachableDatabaseLeavesThePoolUnjudgedWithAWarning() throws IOException {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    Map<String, String> env = pairs("NETRA_ENV", "staging", "POSTGRES_HOST", "127.0.0.1", "POSTGRES_PORT", String.valueOf(closed),
        "POSTGRES_DB", "netra", "POSTGRES_USER", "netra", "POSTGRES_PASSWORD", "pg-secret-Zq81xL",
        "REDIS_URL", "redis://127.0.0.1:6379", "JWT_SECRET_KEY", "jwt-secret-0123456789abcdefghijklmnopqrstuv", "LLM_MODEL", "offline");
    CommandRun run = check(env, "--json");
    assertThat(run.err()).contains("no answer");
    assertThat(run.out()).contains("max_connections unknown").contains("--max-connections N");
    assertThat(run.all()).doesNotContain("pg-secret-Zq81xL");
  }
}

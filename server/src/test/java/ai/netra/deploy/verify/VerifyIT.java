package ai.netra.deploy.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.netra.auth.SigningKey;
import ai.netra.auth.Tokens;
import ai.netra.config.Settings;
import ai.netra.deploy.net.FaultProxy;
import ai.netra.testing.ServiceProcess;
import ai.netra.testing.TestDependencies;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code netra verify} run as its own process against the real service started locally: healthy,
 * slow to start, failing to start, and answering 503 after losing Redis.
 */
class VerifyIT {

  private static final String SECRET = "verify-it-secret-0123456789abcdefghijklmnop";
  private static final Duration START = Duration.ofSeconds(60);
  private static final Duration CLI = Duration.ofSeconds(120);

  @Test
  void healthyServicePassesEveryGateIncludingTheChatGoldenPath(@TempDir Path dir) throws Exception {
    try (ServiceProcess service = ServiceProcess.start(Map.of("JWT_SECRET_KEY", SECRET))) {
      service.awaitStatus("/health/ready", 200, START);
      Path baseline = Files.writeString(dir.resolve("baseline.json"), service.get("/health/startup").body());
      String token = new Tokens(SigningKey.load(Settings.read(Map.of("JWT_SECRET_KEY", SECRET))))
          .mint("verify-" + TestDependencies.RUN, Duration.ofMinutes(5));

      Result run = verify("--url", base(service), "--token", token, "--requests", "40", "--deadline", "20s",
          "--max-p99", "10s", "--baseline-report", baseline.toString(), "--json");

      assertThat(run.exit).as("exit of verify against a healthy service:\n" + run.output).isEqualTo(0);
      assertThat(run.json.path("verdict").asText()).isEqualTo("PASS");
      assertThat(statuses(run.json)).as("gate statuses").containsExactly(
          "live PASS", "startup PASS", "ready PASS", "chat PASS", "latency PASS", "baseline PASS");
      JsonNode chat = gate(run.json, "chat");
      assertThat(chat.path("details").path("events").toString()).as("the chat gate saw the five events")
          .contains("agent_started", "agent_thinking", "tool_executing", "tool_completed", "agent_completed");
      assertThat(gate(run.json, "startup").path("summary").asText()).startsWith("READY");
      assertThat(gate(run.json, "latency").path("details").path("requests").asInt()).isEqualTo(40);
      assertThat(run.json.path("rollback_command").isNull()).isTrue();
      assertThat(run.output).as("the token is never printed").doesNotContain(token);
      // Issue 19: the golden path's "Summarize my LLM usage" thread stayed in the user's history.
      assertThat(chat.path("details").path("thread_deleted").asBoolean()).as("the chat gate deleted its thread").isTrue();
      var threads = service.send(java.net.http.HttpRequest.newBuilder(service.uri("/api/threads"))
          .header("Authorization", "Bearer " + token).build());
      assertThat(ServiceProcess.parse(threads.body()).path("threads")).as("the user's threads after verify").isEmpty();

      // Issue 19: without a token "verdict: PASS (2 gates skipped)" and exit 0; a skipped gate proved nothing.
      Result skipping = verify("--url", base(service), "--requests", "5", "--deadline", "20s", "--max-p99", "10s");
      assertThat(skipping.exit).as("exit of verify with gates skipped:\n" + skipping.output).isEqualTo(1);
      assertThat(skipping.output).contains("verdict: INCOMPLETE (2 gates skipped, not passed: chat, baseline)",
          "--allow-skip");
    }
  }

  @Test
  void slowStartingServiceIsWaitedForWithinTheDeadlinesAndPasses() throws Exception {
    try (ServiceProcess service = ServiceProcess.start(Map.of("NETRA_TEST_FAULTS", "slow:DATABASE:database:critical:4000"))) {
      Result run = verify("--url", base(service), "--requests", "20", "--deadline", "40s", "--max-p99", "10s", "--json",
          "--allow-skip");

      assertThat(run.exit).as("exit of verify against a slow-starting service:\n" + run.output).isEqualTo(0);
      assertThat(statuses(run.json)).containsExactly("live PASS", "startup PASS", "ready PASS", "chat SKIPPED",
          "latency PASS", "baseline SKIPPED");
      JsonNode startup = gate(run.json, "startup");
      assertThat(startup.path("details").path("attempts").asInt()).as("the startup gate polled while the 4 s step ran")
          .isGreaterThan(1);
      assertThat(startup.path("summary").asText()).startsWith("READY");
      assertThat(gate(run.json, "chat").path("summary").asText()).as("no token: skipped, and said to be no pass")
          .contains("no --token", "not a pass");
      assertThat(run.json.path("skipped").toString()).as("skipped gates are listed").isEqualTo("[\"chat\",\"baseline\"]");
    }
  }

  @Test
  void failedStartEndsInRollbackWithTheExactCommand() {
    try (ServiceProcess service = ServiceProcess.start(Map.of("NETRA_TEST_FAULTS",
        "slow:DATABASE:database:critical:5000,fail:CACHE:redis:critical"))) {
      service.awaitStatus("/health/live", 200, START);

      Result run = verify("--url", base(service), "--deadline", "12s", "--service", "chat", "--previous-revision",
          "chat-00041-old", "--region", "europe-west1");

      assertThat(run.exit).as("exit of verify against a start that fails:\n" + run.output).isEqualTo(1);
      assertThat(run.output).contains("live      PASS", "startup   FAIL", "ready     SKIPPED", "verdict: ROLLBACK",
          "reasons:", "  - startup: ",
          "gcloud run services update-traffic chat --to-revisions=chat-00041-old=100 --region=europe-west1");
      assertThat(service.awaitExit(START)).as("the service really failed its start").isEqualTo(3);
    }
  }

  @Test
  void serviceAnswering503AfterLosingRedisEndsInRollback() throws IOException {
    String redisUrl = TestDependencies.requireRedis();
    URI real = URI.create(redisUrl);
    try (FaultProxy redis = new FaultProxy(real.getHost(), real.getPort() > 0 ? real.getPort() : 6379)) {
      Map<String, String> env = new HashMap<>(ServiceProcess.deployedEnv("production"));
      env.put("REDIS_URL", "redis://127.0.0.1:" + redis.port());
      try (ServiceProcess service = ServiceProcess.start(env)) {
        service.awaitStatus("/health/ready", 200, START);
        redis.mode(FaultProxy.Mode.ABSENT);
        redis.dropAll();
        await("/health/ready answering 503 once Redis is gone").atMost(Duration.ofSeconds(10))
            .pollInterval(Duration.ofMillis(100)).until(() -> service.get("/health/ready").statusCode() == 503);

        Result run = verify("--url", base(service), "--deadline", "4s", "--requests", "10");

        assertThat(run.exit).as("exit of verify against a service answering 503:\n" + run.output).isEqualTo(1);
        assertThat(run.output).contains("live      PASS", "startup   PASS", "ready     FAIL", "verdict: ROLLBACK",
            "  - ready: /health/ready not passing within the 4 s deadline; last answer: 503", "redis",
            "pass --service and --previous-revision");
        assertThat(service.alive()).as("the service keeps running through the outage").isTrue();
      }
    }
  }

  /** One run of the command line and what it printed (stdout and stderr, as a terminal shows them). */
  private record Result(int exit, String output, JsonNode json) { }

  private static Result verify(String... args) {
    List<String> command = new ArrayList<>(List.of("verify"));
    command.addAll(List.of(args));
    try (ServiceProcess cli = ServiceProcess.start(Map.of(), command.toArray(String[]::new))) {
      int exit = cli.awaitExit(CLI);
      String output = cli.outputText();
      return new Result(exit, output, command.contains("--json") ? lastJson(cli.output()) : null);
    }
  }

  /** The JSON object the command printed last (progress lines come before it). */
  static JsonNode lastJson(List<String> lines) {
    int start = lines.lastIndexOf("{");
    if (start < 0) {
      throw new AssertionError("no JSON object in the output:\n" + String.join("\n", lines));
    }
    try {
      return ServiceProcess.parse(String.join("\n", lines.subList(start, lines.size())));
    } catch (IOException e) {
      throw new AssertionError("the JSON output does not parse:\n" + String.join("\n", lines), e);
    }
  }

  private static List<String> statuses(JsonNode result) {
    List<String> out = new ArrayList<>();
    result.path("gates").forEach(g -> out.add(g.path("name").asText() + " " + g.path("status").asText()));
    return out;
  }

  private static JsonNode gate(JsonNode result, String name) {
    for (JsonNode g : result.path("gates")) {
      if (g.path("name").asText().equals(name)) {
        return g;
      }
    }
    throw new AssertionError("no gate " + name + " in " + result);
  }

  private static String base(ServiceProcess service) {
    return "http://127.0.0.1:" + service.port();
  }
}

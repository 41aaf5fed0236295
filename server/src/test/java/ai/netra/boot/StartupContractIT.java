package ai.netra.boot;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.testing.ServiceProcess;
import ai.netra.testing.TestDependencies;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The startup contract, checked against the real jar: bind first, never hang, the right exit code and record. */
class StartupContractIT {

  private static final Duration START = Duration.ofSeconds(30);
  /** "At once" for a test on a shared machine: far below any wait on a dependency (seconds), far above a busy CPU's jitter. */
  private static final long AT_ONCE_MS = 1000;

  @Test
  @Tag("fast")
  void portAnswersBeforeTheSlowDatabaseStepFinishes() throws Exception {
    try (ServiceProcess service = ServiceProcess.start(Map.of("NETRA_TEST_FAULTS", "slow:DATABASE:database:critical:5000"))) {
      service.awaitStatus("/health/live", 200, START);
      long seenLive = System.nanoTime();

      JsonNode startup = service.json("/health/startup");
      assertThat(service.get("/health/startup").statusCode()).as("startup probe while starting").isEqualTo(503);
      assertThat(startup.path("outcome").asText()).as("outcome while the slow step runs").isEqualTo("STARTING");

      for (String path : List.of("/api/threads", "/api/me", "/anything")) {
        long begin = System.nanoTime();
        HttpResponse<String> response = service.get(path);
        long tookMs = (System.nanoTime() - begin) / 1_000_000;
        assertThat(response.statusCode()).as(path + " while starting").isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).as(path + " Retry-After").isPresent();
        JsonNode body = ServiceProcess.parse(response.body());
        assertThat(body.path("phase").asText()).as(path + " names the phase").isNotEmpty();
        assertThat(body.path("error").path("code").asText()).isEqualTo("starting");
        assertThat(tookMs).as(path + " answered at once (ms)").isLessThan(AT_ONCE_MS);
      }
      assertThat(rawUpgrade(service.port())).as("a WebSocket upgrade while starting").startsWith("HTTP/1.1 503");
      assertThat(service.get("/health/ready").statusCode()).as("ready while starting").isEqualTo(503);

      service.awaitStatus("/health/ready", 200, START);
      assertThat(Duration.ofNanos(System.nanoTime() - seenLive)).as("ready came after the 5 s step")
          .isGreaterThan(Duration.ofSeconds(3));
      JsonNode done = service.json("/health/startup");
      assertThat(done.path("outcome").asText()).isEqualTo("READY");
      assertThat(stepNames(done)).as("report lists the seven phases' steps in plan order")
          .containsSubsequence("settings", "timeout-policy", "signing-key", "database", "injected-slow-database", "redis",
              "chat-endpoint", "self-check");
      assertThat(phaseNames(done)).containsExactly("INIT", "DEPENDENCIES", "DATABASE", "CACHE", "SERVICES", "WEBSOCKET", "FINALIZE");
      assertThat(service.get("/api/threads").statusCode()).as("business route once ready").isNotEqualTo(503);
    }
  }

  /**
   * Health endpoints answer from memory, never waiting on a dependency: here while a database step is slow.
   * The bound is generous on purpose (a wait on a dependency takes seconds); the 50 ms the design promises is a
   * latency figure for the benchmarks, not for a test that shares its CPUs.
   */
  @Test
  @Tag("fast")
  void healthEndpointsAnswerAtOnceWhileStartingAndAreNeverCached() throws Exception {
    try (ServiceProcess service = ServiceProcess.start(Map.of("NETRA_TEST_FAULTS", "slow:DATABASE:database:critical:3000"))) {
      service.awaitStatus("/health/live", 200, START);
      for (int round = 0; round < 2; round++) {
        for (String path : List.of("/health/live", "/health/startup", "/health/ready", "/health")) {
          service.get(path); // warm the connection and the handler
          long begin = System.nanoTime();
          HttpResponse<String> response = service.get(path);
          long tookMs = (System.nanoTime() - begin) / 1_000_000;
          assertThat(tookMs).as(path + " answer time in ms").isLessThan(AT_ONCE_MS);
          assertThat(response.headers().firstValue("Cache-Control")).as(path + " Cache-Control").hasValue("no-store");
          assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        }
        service.awaitStatus("/health/ready", 200, START);
      }
    }
  }

  @Test
  @Tag("fast")
  void criticalDependencyFailureExitsThreeWithTheFailureRecord() {
    try (ServiceProcess service = ServiceProcess.start(Map.of("NETRA_TEST_FAULTS", "fail:CACHE:redis:critical"))) {
      assertThat(service.awaitExit(START)).as("exit code of a critical dependency failure").isEqualTo(3);
      String out = service.outputText();
      assertThat(out).contains("STARTUP FAILED", "exit_code: 3", "phase: CACHE", "step: injected-fail-redis",
          "component: redis", "connection refused (injected fault)", "NETRA_TEST_FAULTS = ", "elapsed_ms: ", "budget_ms: ",
          "hint: this fault was injected by the test suite");
    }
  }

  @Test
  void failureRecordIsOneJsonObjectInJsonLogs() throws Exception {
    try (ServiceProcess service = ServiceProcess.start(Map.of("NETRA_TEST_FAULTS", "fail:DATABASE:database:critical",
        "NETRA_LOG_FORMAT", "json"))) {
      assertThat(service.awaitExit(START)).isEqualTo(3);
      List<JsonNode> records = new ArrayList<>();
      for (String line : service.output()) {
        if (line.startsWith("{")) {
          JsonNode node = ServiceProcess.parse(line);
          assertThat(node.has("severity")).as("every JSON line has a severity: " + line).isTrue();
          if ("startup_failed".equals(node.path("event").asText())) {
            records.add(node);
          }
        }
      }
      assertThat(records).as("startup_failed records").hasSize(1);
      JsonNode record = records.getFirst();
      assertThat(record.path("exit_code").asInt()).isEqualTo(3);
      assertThat(record.path("severity").asText()).isEqualTo("ERROR");
      assertThat(record.path("phase").asText()).isEqualTo("DATABASE");
      assertThat(record.path("component").asText()).isEqualTo("database");
      assertThat(record.path("cause").isArray()).isTrue();
      assertThat(record.path("env").has("NETRA_TEST_FAULTS")).isTrue();
      assertThat(record.path("hint").asText()).isNotEmpty();
      assertThat(record.path("budget_ms").asLong()).isPositive();
    }
  }

  @Test
  @Tag("fast")
  void missingProductionSettingsExitTwoNamingEveryOneAtOnce() {
    try (ServiceProcess service = ServiceProcess.start(Map.of("NETRA_ENV", "production", "DATABASE_URL", ""))) {
      assertThat(service.awaitExit(START)).as("exit code of missing settings").isEqualTo(2);
      String out = service.outputText();
      assertThat(out).contains("STARTUP FAILED", "exit_code: 2", "step: settings");
      assertThat(out).as("every missing setting is named in one record")
          .contains("DATABASE_URL = MISSING", "POSTGRES_HOST = MISSING", "REDIS_URL = MISSING", "JWT_SECRET_KEY = MISSING",
              "LLM_MODEL = MISSING");
    }
  }

  @Test
  void invalidPortFailsBeforeBindingWithExitTwo() {
    try (ServiceProcess service = ServiceProcess.start(Map.of("PORT", "http"))) {
      assertThat(service.awaitExit(START)).isEqualTo(2);
      assertThat(service.outputText()).contains("STARTUP FAILED", "PORT = http", "must be a whole number");
    }
  }

  @Test
  void portHeldByAnotherProcessExitsOneAndSaysSo() throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0)) {
      try (ServiceProcess service = ServiceProcess.start(Map.of("PORT", String.valueOf(taken.getLocalPort())))) {
        assertThat(service.awaitExit(START)).as("exit code when the port is taken").isEqualTo(1);
        assertThat(service.outputText()).contains("STARTUP FAILED", "step: bind", "PORT = " + taken.getLocalPort(),
            "port " + taken.getLocalPort() + " is in use", "choose another port: PORT=8081 ./netra serve")
            .as("the message says it in words, not in Java").doesNotContain("java.io.IOException", "0.0.0.0/0.0.0.0");
      }
    }
  }

  /** Issue 19: NETRA_ENV=prodution was reported as "1 setting problem in development". */
  @Test
  void misspelledEnvironmentSaysTheEnvironmentItselfIsInvalid() {
    try (ServiceProcess service = ServiceProcess.start(Map.of("NETRA_ENV", "prodution"))) {
      assertThat(service.awaitExit(START)).as("exit code of an unknown NETRA_ENV").isEqualTo(2);
      assertThat(service.outputText()).contains("STARTUP FAILED", "the environment itself is invalid",
          "NETRA_ENV='prodution' must be development, staging or production")
          .doesNotContain("in development:");
    }
  }

  @Test
  void classMissingInACriticalStepExitsFour() {
    try (ServiceProcess service = ServiceProcess.start(Map.of("NETRA_TEST_FAULTS", "ncdfe:SERVICES:llm:critical"))) {
      assertThat(service.awaitExit(START)).as("exit code of a missing class").isEqualTo(4);
      assertThat(service.outputText()).contains("STARTUP FAILED", "exit_code: 4", "kind: DEFECT",
          "java.lang.NoClassDefFoundError: com/example/optional/MissingClass");
    }
  }

  @Test
  void brokenPlanFromAnExtensionExitsFourWithTheRecordInsteadOfAStackTrace() {
    // two identical injected faults make an extension add the same step name twice
    try (ServiceProcess service = ServiceProcess.start(Map.of("NETRA_TEST_FAULTS",
        "slow:DATABASE:database:critical:1,slow:DATABASE:database:critical:1"))) {
      assertThat(service.awaitExit(START)).as("exit code of a plan that cannot be built").isEqualTo(4);
      assertThat(service.outputText()).contains("STARTUP FAILED", "step: plan", "exit_code: 4",
          "step injected-slow-database appears twice in the plan");
    }
  }

  @Test
  @Tag("fast")
  void unexpectedExceptionInACriticalStepExitsFour() {
    try (ServiceProcess service = ServiceProcess.start(Map.of("NETRA_TEST_FAULTS", "npe:WEBSOCKET:chat:critical"))) {
      assertThat(service.awaitExit(START)).isEqualTo(4);
    }
  }

  @Test
  void optionalStepThatCannotLoadLeavesServiceReady() throws Exception {
    try (ServiceProcess service = ServiceProcess.start(Map.of("NETRA_TEST_FAULTS", "ncdfe:FINALIZE:extras:optional"))) {
      service.awaitStatus("/health/ready", 200, START);
      JsonNode report = service.json("/health/startup");
      assertThat(report.path("outcome").asText()).isEqualTo("READY");
      JsonNode step = ServiceProcess.step(report, "injected-ncdfe-extras");
      assertThat(step.path("status").asText()).isEqualTo("FAILED");
      assertThat(step.path("criticality").asText()).isEqualTo("OPTIONAL");
      assertThat(step.path("error").asText()).contains("NoClassDefFoundError");
    }
  }

  @Test
  void allowedComponentFailsDegradedAndTheServiceStillServes() throws Exception {
    try (ServiceProcess service = ServiceProcess.start(Map.of("NETRA_TEST_FAULTS", "fail:CACHE:redis:critical",
        "STARTUP_ALLOW_DEGRADED", "redis"))) {
      service.awaitStatus("/health/startup", 200, START);
      JsonNode report = service.json("/health/startup");
      assertThat(report.path("outcome").asText()).isEqualTo("DEGRADED");
      assertThat(ServiceProcess.step(report, "injected-fail-redis").path("status").asText()).isEqualTo("DEGRADED");
      assertThat(service.outputText()).contains("DEGRADED");
    }
  }

  @Test
  void stepThatIgnoresInterruptionStillEndsAtItsTimeout() throws Exception {
    try (ServiceProcess service = ServiceProcess.start(Map.of("NETRA_TEST_FAULTS", "hang:DATABASE:database:critical:60000",
        "STARTUP_TIMEOUT_DATABASE_S", "2"))) {
      long begin = System.nanoTime();
      assertThat(service.awaitExit(START)).isEqualTo(3);
      assertThat(Duration.ofNanos(System.nanoTime() - begin)).as("time to exit with a 2 s database timeout")
          .isLessThan(Duration.ofSeconds(10));
      assertThat(service.outputText()).contains("no success within its 2.0 s timeout");
    }
  }

  @Test
  void seedStagingTimeoutPolicyIsRejectedBeforeAnythingConnects() {
    Map<String, String> env = new java.util.HashMap<>(ServiceProcess.deployedEnv("staging"));
    env.putAll(Map.of("POSTGRES_HOST", "/cloudsql/project:region:instance", "STARTUP_TIMEOUT_MULTIPLIER", "0.7",
        "STARTUP_SAFETY_MARGIN", "1.1", "STARTUP_TOTAL_BUDGET_S", "5", "STARTUP_TIMEOUT_DATABASE_S", "3",
        "STARTUP_TIMEOUT_REDIS_S", "1.5"));
    try (ServiceProcess service = ServiceProcess.start(env)) {
      assertThat(service.awaitExit(START)).as("exit code of an unsafe timeout policy").isEqualTo(2);
      assertThat(service.outputText()).contains("step: timeout-policy", "unsafe timeout policy",
          "timeout 2.3 s (3.0 s base x 0.7 multiplier x 1.1 safety margin) is below the 10.0 s it needs",
          "STARTUP_TIMEOUT_DATABASE_S = 3", "set STARTUP_TIMEOUT_DATABASE_S=16.3");
    }
  }

  @Test
  void seedPoolSizingFailsStagingAndBypassSkipsItOutsideProductionOnly() throws Exception {
    TestDependencies.requireRedis();
    Map<String, String> env = new java.util.HashMap<>(ServiceProcess.deployedEnv("staging"));
    env.putAll(Map.of("DB_POOL_SIZE", "20", "DB_POOL_MAX_OVERFLOW", "30", "MAX_INSTANCES", "10"));
    try (ServiceProcess staging = ServiceProcess.start(env)) {
      assertThat(staging.awaitExit(START)).as("the seed's pool (20 + 30) x 10 against max_connections").isEqualTo(2);
      assertThat(staging.outputText()).contains("step: pool-sizing", "(DB_POOL_SIZE 20 + DB_POOL_MAX_OVERFLOW 30) x MAX_INSTANCES 10",
          "DB_POOL_SIZE = 20", "MAX_INSTANCES = 10");
    }
    env.put("BYPASS_STARTUP_VALIDATION", "true");
    try (ServiceProcess bypassed = ServiceProcess.start(env)) {
      bypassed.awaitStatus("/health/startup", 200, START);
      assertThat(ServiceProcess.step(bypassed.json("/health/startup"), "pool-sizing").path("status").asText()).isEqualTo("SKIPPED");
      assertThat(bypassed.outputText()).contains("BYPASS_STARTUP_VALIDATION=true: validation steps are SKIPPED in staging");
    }
    env.put("NETRA_ENV", "production");
    try (ServiceProcess production = ServiceProcess.start(env)) {
      assertThat(production.awaitExit(START)).as("bypass in production is ignored").isEqualTo(2);
      assertThat(production.outputText()).contains("IGNORED in production", "step: pool-sizing");
    }
  }

  @Test
  @Tag("fast")
  void sigtermDrainsAndExitsZeroWithinTheGracePeriod() {
    try (ServiceProcess service = ServiceProcess.start(Map.of())) {
      service.awaitStatus("/health/ready", 200, START);
      long begin = System.nanoTime();
      service.terminate();
      assertThat(service.awaitExit(Duration.ofSeconds(10))).as("exit code after SIGTERM").isZero();
      assertThat(Duration.ofNanos(System.nanoTime() - begin)).isLessThan(Duration.ofSeconds(10));
      assertThat(service.outputText()).contains("SIGTERM: shutting down; readiness is false from now on", "stopped in");
    }
  }

  @Test
  void sigtermDuringAStartCancelsItAndExitsZero() {
    try (ServiceProcess service = ServiceProcess.start(Map.of("NETRA_TEST_FAULTS", "slow:DATABASE:database:critical:20000"))) {
      service.awaitStatus("/health/live", 200, START);
      service.terminate();
      assertThat(service.awaitExit(Duration.ofSeconds(10))).isZero();
    }
  }

  @Test
  void secretsNeverAppearInLogsOrResponses() throws Exception {
    TestDependencies.requireRedis();
    Map<String, String> env = new java.util.HashMap<>(ServiceProcess.deployedEnv("staging"));
    env.put("LLM_MODEL", "gpt-test");
    env.put("LLM_BASE_URL", "http://127.0.0.1:9/v1");
    env.put("LLM_API_KEY", "sk-llm-secret-Pq93Kd");
    env.put("STARTUP_ALLOW_DEGRADED", "llm"); // the endpoint is unreachable: its failure is logged, with the key masked
    String database = TestDependencies.postgresUrl();
    env.put("DATABASE_URL", database.replace("postgres://postgres@", "postgres://postgres:url-secret-Tt55@"));
    List<String> secrets = List.of("pg-secret-Zq81xL", "jwt-secret-0123456789abcdefghijklmnopqrstuv",
        "sk-llm-secret-Pq93Kd", "url-secret-Tt55");
    StringBuilder seen = new StringBuilder();
    try (ServiceProcess service = ServiceProcess.start(env)) {
      service.awaitStatus("/health/startup", 200, START);
      for (String path : List.of("/health", "/health/startup", "/health/ready", "/health/live", "/api/me")) {
        seen.append(service.get(path).body()).append('\n');
      }
      seen.append(service.outputText());
    }
    env.put("NETRA_TEST_FAULTS", "fail:DATABASE:database:critical");
    env.put("NETRA_LOG_FORMAT", "json");
    try (ServiceProcess failing = ServiceProcess.start(env)) {
      assertThat(failing.awaitExit(START)).isEqualTo(3);
      seen.append(failing.outputText());
    }
    assertThat(seen.toString()).as("the settings were shown, masked").contains("JWT_SECRET_KEY", "SET (");
    for (String secret : secrets) {
      assertThat(seen.toString()).as("output and responses must not contain a secret").doesNotContain(secret);
    }
  }

  private static String rawUpgrade(int port) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(2000);
      OutputStream out = socket.getOutputStream();
      out.write(("GET /ws/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      return new String(in.readNBytes(12), StandardCharsets.US_ASCII);
    }
  }

  private static List<String> stepNames(JsonNode report) {
    List<String> names = new ArrayList<>();
    report.path("phases").forEach(p -> p.path("steps").forEach(s -> names.add(s.path("name").asText())));
    return names;
  }

  private static List<String> phaseNames(JsonNode report) {
    List<String> names = new ArrayList<>();
    report.path("phases").forEach(p -> names.add(p.path("name").asText()));
    return names;
  }
}

package ai.netra.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.netra.auth.SigningKey;
import ai.netra.auth.Tokens;
import ai.netra.config.Settings;
import ai.netra.deploy.net.FaultProxy;
import ai.netra.deploy.net.FaultProxy.Mode;
import ai.netra.testing.FakeOpenAiServer;
import ai.netra.testing.ServiceProcess;
import ai.netra.testing.TestDependencies;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The incident the service exists for: dependency paths that accept a connection at once and send
 * their first byte only after seconds (Cloud SQL over a VPC connector: 10-30 s). A {@link FaultProxy}
 * holds the first bytes of every new connection. Each case reaches READY when its step's timeout
 * covers the delay; when it does not, the service exits 3 inside its budget with a record naming
 * the wait that really ended the last attempt. Times are printed for the closing notes.
 */
class SlowFirstByteIT {

  private static final String SECRET = "jwt-secret-0123456789abcdefghijklmnopqrstuv";
  private static String databaseUrl;

  @BeforeAll
  static void migrateOnce() {
    assumeTrue(TestDependencies.redisUrl() != null, "needs Redis (none running and no redis-server installed)");
    // A database of its own, migrated before any case, so every case measures connecting, not a first migration.
    databaseUrl = TestDependencies.freshDatabaseUrl("slow_first_byte");
    try (ServiceProcess service = ServiceProcess.start(env(databaseUrl))) {
      service.awaitStatus("/health/ready", 200, Duration.ofSeconds(60));
    }
  }

  /** Staging, with the database at {@code url} (no sslmode: the driver asks for SSL first, as it does by default). */
  private static Map<String, String> env(String url) {
    Map<String, String> env = new HashMap<>(ServiceProcess.deployedEnv("staging"));
    env.remove("POSTGRES_HOST");
    env.remove("POSTGRES_PORT");
    env.remove("POSTGRES_DB");
    env.remove("POSTGRES_USER");
    env.remove("POSTGRES_PASSWORD");
    env.remove("POSTGRES_SSLMODE");
    env.put("DATABASE_URL", url);
    env.put("REDIS_KEY_PREFIX", TestDependencies.redisPrefix("slow-first-byte"));
    return env;
  }

  private static FaultProxy slowDatabase(Duration delay) {
    URI real = URI.create(databaseUrl);
    return new FaultProxy(real.getHost(), real.getPort(), Mode.slow(delay));
  }

  private static String through(FaultProxy proxy) {
    return through(proxy, databaseUrl);
  }

  private static String through(FaultProxy proxy, String url) {
    URI real = URI.create(url);
    return real.getScheme() + "://" + real.getRawUserInfo() + "@127.0.0.1:" + proxy.port() + real.getRawPath();
  }

  /** Starts with {@code env} and waits for READY; returns ms from launch to READY. */
  private static long ready(String what, Map<String, String> env, Duration within) {
    long launched = System.nanoTime();
    try (ServiceProcess service = ServiceProcess.start(env)) {
      service.awaitStatus("/health/ready", 200, within);
      long ms = (System.nanoTime() - launched) / 1_000_000;
      JsonNode report = json(service, "/health/startup");
      assertThat(report.path("outcome").asText()).as(what + ": outcome").isEqualTo("READY");
      System.out.printf("[slow-first-byte] %s: READY %d ms after launch (report: %d ms after JVM start)%n", what, ms,
          report.path("elapsed_ms").asLong());
      return ms;
    }
  }

  /** Starts with {@code env} and waits for it to exit by itself; returns the output after checking exit 3 inside the budget. */
  private static String exitsThree(String what, Map<String, String> env, Duration budget) {
    long launched = System.nanoTime();
    try (ServiceProcess service = ServiceProcess.start(env)) {
      int exit = service.awaitExit(budget.plusSeconds(15));
      long ms = (System.nanoTime() - launched) / 1_000_000;
      String output = service.outputText();
      assertThat(exit).as(what + ": exit code\n" + output).isEqualTo(3);
      assertThat(ms).as(what + ": ms from launch to exit, inside the budget (+ JVM start and exit)")
          .isLessThan(budget.toMillis() + 5_000);
      System.out.printf("[slow-first-byte] %s: exit %d %d ms after launch%n", what, exit, ms);
      return output.substring(Math.max(0, output.indexOf("STARTUP FAILED")));
    }
  }

  private static JsonNode json(ServiceProcess service, String path) {
    try {
      return service.json(path);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void databaseSixSecondsToTheFirstByteStartsReady() {
    try (FaultProxy database = slowDatabase(Duration.ofSeconds(6))) {
      Map<String, String> env = env(through(database));
      assertThat(ready("database +6 s (timeout 30 s)", env, Duration.ofSeconds(60))).isGreaterThanOrEqualTo(6_000);
    }
  }

  @Test
  void databaseTwelveSecondsToTheFirstByteStartsReady() {
    try (FaultProxy database = slowDatabase(Duration.ofSeconds(12))) {
      Map<String, String> env = env(through(database));
      assertThat(ready("database +12 s (timeout 30 s)", env, Duration.ofSeconds(90))).isGreaterThanOrEqualTo(12_000);
    }
  }

  @Test
  void aNewDatabaseTwelveSecondsToTheFirstByteIsMigratedOnTheConnectionTheStartOpened() {
    // The first deploy against a new database: every migration runs. A second connection for them
    // would cost another 12 s; the start needs only the one its database step opened.
    try (FaultProxy database = slowDatabase(Duration.ofSeconds(12))) {
      Map<String, String> env = env(through(database, TestDependencies.freshDatabaseUrl("slow_first_byte_new")));
      assertThat(ready("new database +12 s (timeout 30 s)", env, Duration.ofSeconds(90)))
          .as("ms from launch to READY: one connection's 12 s, not two")
          .isBetween(12_000L, 22_000L);
    }
  }

  @Test
  void databaseTwentyFiveSecondsToTheFirstByteStartsReadyWhenItsTimeoutCoversIt() {
    try (FaultProxy database = slowDatabase(Duration.ofSeconds(25))) {
      Map<String, String> env = env(through(database));
      env.put("STARTUP_TIMEOUT_DATABASE_S", "40");
      env.put("STARTUP_TOTAL_BUDGET_S", "120");
      assertThat(ready("database +25 s (timeout 40 s)", env, Duration.ofSeconds(150))).isGreaterThanOrEqualTo(25_000);
    }
  }

  @Test
  void databaseSlowerThanItsTimeoutExitsThreeNamingTheWaitThatEndedIt() {
    try (FaultProxy database = slowDatabase(Duration.ofSeconds(12))) {
      Map<String, String> env = env(through(database));
      env.put("STARTUP_TIMEOUT_DATABASE_S", "8");
      env.put("STARTUP_TOTAL_BUDGET_S", "30");
      String record = exitsThree("database +12 s (timeout 8 s)", env, Duration.ofSeconds(30));
      assertThat(record).as("the failure record names the driver's wait, not an interrupt")
          .contains("exit_code: 3", "step: database", "no success within its 8.0 s timeout",
              "read timed out after 7.", "waiting for the server's answer to the SSL request",
              "needs STARTUP_TIMEOUT_DATABASE_S above its delay")
          .doesNotContain("InterruptedException");
    }
  }

  @Test
  void redisSixSecondsToTheFirstByteStartsReadyAndTooSlowForItsTimeoutExitsThree() {
    URI real = URI.create(TestDependencies.redisUrl());
    try (FaultProxy redis = new FaultProxy(real.getHost(), real.getPort() > 0 ? real.getPort() : 6379,
        Mode.slow(Duration.ofSeconds(6)))) {
      Map<String, String> env = env(databaseUrl);
      env.put("REDIS_URL", "redis://127.0.0.1:" + redis.port());
      assertThat(ready("redis +6 s (timeout 10 s)", env, Duration.ofSeconds(60))).isGreaterThanOrEqualTo(6_000);

      env.put("STARTUP_TIMEOUT_REDIS_S", "4");
      String record = exitsThree("redis +6 s (timeout 4 s)", env, Duration.ofSeconds(30));
      assertThat(record).contains("exit_code: 3", "step: redis", "no success within its 4.0 s timeout",
          "read timed out after 3.", "needs STARTUP_TIMEOUT_REDIS_S above its delay").doesNotContain("InterruptedException");
    }
  }

  @Test
  void llmEndpointSixSecondsToTheFirstByteStartsReadyAndTooSlowForItsTimeoutExitsThree() {
    try (FakeOpenAiServer llm = new FakeOpenAiServer().listModels("gpt-4o-mini");
        FaultProxy proxy = new FaultProxy("127.0.0.1", llm.port(), Mode.slow(Duration.ofSeconds(6)))) {
      Map<String, String> env = env(databaseUrl);
      env.putAll(Map.of("LLM_MODEL", "gpt-4o-mini", "LLM_API_KEY", "sk-test-0123456789",
          "LLM_BASE_URL", "http://127.0.0.1:" + proxy.port() + "/v1"));
      assertThat(ready("LLM endpoint +6 s (timeout 15 s)", env, Duration.ofSeconds(60))).isGreaterThanOrEqualTo(6_000);

      env.put("STARTUP_TIMEOUT_LLM_S", "4");
      String record = exitsThree("LLM endpoint +6 s (timeout 4 s)", env, Duration.ofSeconds(30));
      assertThat(record).contains("exit_code: 3", "step: llm-endpoint", "GET /models within 3.");
    }
  }

  @Test
  void anApiRequestOnABlackHoledDatabaseAnswers503WithinThreeSeconds() throws IOException {
    URI real = URI.create(databaseUrl);
    try (FaultProxy database = new FaultProxy(real.getHost(), real.getPort(), Mode.FORWARD);
        ServiceProcess service = ServiceProcess.start(env(through(database)))) {
      service.awaitStatus("/health/ready", 200, Duration.ofSeconds(60));
      String token = new Tokens(SigningKey.load(Settings.read(Map.of("JWT_SECRET_KEY", SECRET))))
          .mint("slow-" + TestDependencies.RUN, Duration.ofMinutes(5));
      HttpRequest threads = HttpRequest.newBuilder(service.uri("/api/threads"))
          .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(30)).GET().build();
      assertThat(service.send(threads).statusCode()).as("/api/threads while the database answers").isEqualTo(200);

      database.mode(Mode.BLACK_HOLE);
      database.blackHoleOpenConnections(); // the pool's connections stay open and nothing answers on them
      try {
        for (int i = 0; i < 3; i++) {
          long sent = System.nanoTime();
          HttpResponse<String> answer = service.send(threads);
          long ms = (System.nanoTime() - sent) / 1_000_000;
          System.out.printf("[slow-first-byte] /api/threads on a black-holed database: %d in %d ms%n",
              answer.statusCode(), ms);
          assertThat(answer.statusCode()).as("answer %d on a black-holed database: %s", i, answer.body()).isEqualTo(503);
          assertThat(ms).as("ms to answer on a black-holed database").isLessThan(3_000);
        }
      } finally {
        database.mode(Mode.FORWARD);
        database.resumeOpenConnections();
      }
      await("the API answers again").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
          .until(() -> service.send(threads).statusCode() == 200);
    }
  }
}

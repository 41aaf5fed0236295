package ai.netra.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.netra.deploy.net.FaultProxy;
import ai.netra.deploy.net.FaultProxy.Mode;
import ai.netra.testing.ServiceProcess;
import ai.netra.testing.TestDependencies;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The service against a PostgreSQL and a Redis that are gone, refuse, are slow, black-hole traffic,
 * or vanish while it runs: a {@link FaultProxy} sits between the real jar and the real dependency.
 * Timeouts are kept small (database 3 s, Redis 2 s, budget 20 s) so every fault ends in seconds. Each
 * case starts its own service behind its own proxies, so cases run concurrently: most of each is a wait.
 */
@Execution(ExecutionMode.CONCURRENT)
class DependencyFaultsIT {

  private static final Duration DATABASE_TIMEOUT = Duration.ofSeconds(3);
  private static final Duration REDIS_TIMEOUT = Duration.ofSeconds(2);
  /**
   * How long past a step's timeout a failed start may take to write its record and exit: generous, as the
   * machine's CPUs are shared (a loaded 2-CPU machine took 2.3 s); a start that waited for the step's own
   * driver timeouts instead would take far longer.
   */
  private static final Duration EXIT_MARGIN = Duration.ofSeconds(4);
  private static final Duration START = Duration.ofSeconds(30);
  /** Readiness must follow a lost dependency within this. */
  private static final Duration READY_FLIPS_WITHIN = Duration.ofSeconds(2);
  /** ... and a returned one within this (a new pooled connection may be needed). */
  private static final Duration READY_RETURNS_WITHIN = Duration.ofSeconds(3);
  private static final Map<String, String> SMALL_TIMEOUTS = Map.of(
      "STARTUP_TIMEOUT_DATABASE_S", "3",
      "STARTUP_TIMEOUT_REDIS_S", "2",
      "STARTUP_TOTAL_BUDGET_S", "20");
  /**
   * How long a runtime outage lasts, from the switch. Kept below 5 s on purpose: the connection pool
   * (HikariCP) backs off up to 5 s between connection attempts, so a longer database outage takes up
   * to 5 s more to recover; see {@link #databaseBackAfterALongerOutageIsReadyAgainWithinThreeSeconds}.
   */
  private static final Duration SHORT_OUTAGE = Duration.ofMillis(4000);
  private static final List<Mode> OUTAGES = List.of(Mode.ABSENT, Mode.REFUSE, Mode.BLACK_HOLE);

  static Stream<String> environments() {
    return Stream.of("development", "staging", "production");
  }

  static Stream<Arguments> environmentsAndOutages() {
    return environments().flatMap(env -> OUTAGES.stream().map(mode -> Arguments.of(env, mode)));
  }

  // ---------------------------------------------------------------------------------------------
  // PostgreSQL

  @ParameterizedTest(name = "{0}: a database that is {1} ends the start with exit 3 within its timeout")
  @MethodSource("environmentsAndOutages")
  void unreachableDatabaseEndsTheStartWithExitThreeWithinItsTimeout(String environment, Mode outage) {
    requireRedisOutsideDevelopment(environment);
    try (FaultProxy database = postgresProxy(outage);
        ServiceProcess service = ServiceProcess.start(env(environment, database, null))) {
      FailedStart failed = awaitFailedStart(service, DATABASE_TIMEOUT);

      assertThat(failed.exitCode).as("exit code when the database is " + outage).isEqualTo(3);
      assertThat(failed.tookSinceStepStart("database")).as("time from the database step's start to exit with the database " + outage)
          .isLessThanOrEqualTo(DATABASE_TIMEOUT.plus(EXIT_MARGIN))
          .as("the database step kept trying until its timeout before giving up")
          .isGreaterThanOrEqualTo(DATABASE_TIMEOUT.minusMillis(300));
      assertThat(failed.record).as("failure record for a database that is " + outage)
          .contains("STARTUP FAILED", "exit_code: 3", "kind: DEPENDENCY", "phase: DATABASE", "step: database",
              "component: database", "DATABASE_URL = SET (", "STARTUP_TIMEOUT_DATABASE_S = 3",
              "no success within its 3.0 s timeout", "hint: ")
          .as("the database URL is a secret: shown masked only")
          .doesNotContain("DATABASE_URL = postgres");
      failed.assertNeverServed("a database that is " + outage);
      failed.print(environment + ": database " + outage, "database");
    }
  }

  @ParameterizedTest(name = "{0}: a database answering after 1 s (below its 3 s timeout) starts READY")
  @MethodSource("environments")
  void databaseSlowerThanUsualButWithinItsTimeoutStartsReady(String environment) throws IOException {
    requireRedisOutsideDevelopment(environment);
    try (FaultProxy database = postgresProxy(Mode.slow(Duration.ofSeconds(1)));
        ServiceProcess service = ServiceProcess.start(env(environment, database, null))) {
      service.awaitStatus("/health/ready", 200, START);

      JsonNode report = service.json("/health/startup");
      assertThat(report.path("outcome").asText()).as("outcome with a 1 s slow database").isEqualTo("READY");
      JsonNode step = ServiceProcess.step(report, "database");
      assertThat(step.path("status").asText()).as("database step").isEqualTo("OK");
      assertThat(step.path("end_ms").asLong() - step.path("start_ms").asLong())
          .as("database step duration (ms): the proxy's delay was really in the path").isGreaterThanOrEqualTo(900);
      // The public report does not say where (issue 16); the log does.
      assertThat(step.path("detail").asText()).as("database step's public detail").contains("connected to")
          .doesNotContain("127.0.0.1:" + database.port());
      assertThat(service.outputText()).as("the log names where it connected").contains("127.0.0.1:" + database.port());
    }
  }

  @ParameterizedTest(name = "{0}: a database answering after 10 s (beyond its 3 s timeout) ends the start with exit 3")
  @MethodSource("environments")
  void databaseSlowerThanItsTimeoutEndsTheStartWithExitThree(String environment) {
    requireRedisOutsideDevelopment(environment);
    try (FaultProxy database = postgresProxy(Mode.slow(Duration.ofSeconds(10)));
        ServiceProcess service = ServiceProcess.start(env(environment, database, null))) {
      FailedStart failed = awaitFailedStart(service, DATABASE_TIMEOUT);

      assertThat(failed.exitCode).as("exit code with a database slower than its timeout").isEqualTo(3);
      assertThat(failed.tookSinceStepStart("database")).as("time from the database step's start to exit with a 10 s slow database")
          .isLessThanOrEqualTo(DATABASE_TIMEOUT.plus(EXIT_MARGIN));
      assertThat(failed.record).contains("STARTUP FAILED", "exit_code: 3", "component: database", "DATABASE_URL = SET (",
          "no success within its 3.0 s timeout");
      failed.assertNeverServed("a database slower than its timeout");
      failed.print(environment + ": database SLOW(10 s)", "database");
    }
  }

  @ParameterizedTest(name = "{0}: STARTUP_ALLOW_DEGRADED=database with the database absent serves DEGRADED")
  @MethodSource("environments")
  void allowedDegradedDatabaseThatIsAbsentLeavesTheServiceServingDegraded(String environment) throws IOException {
    requireRedisOutsideDevelopment(environment);
    Map<String, String> env = new HashMap<>();
    try (FaultProxy database = postgresProxy(Mode.ABSENT)) {
      env.putAll(env(environment, database, null));
      env.put("STARTUP_ALLOW_DEGRADED", "database");
      try (ServiceProcess service = ServiceProcess.start(env)) {
        service.awaitStatus("/health/startup", 200, START);

        JsonNode report = service.json("/health/startup");
        assertThat(report.path("outcome").asText()).as("outcome with the database absent and allowed to degrade")
            .isEqualTo("DEGRADED");
        assertThat(ServiceProcess.step(report, "database").path("status").asText()).as("database step").isEqualTo("DEGRADED");
        assertThat(service.get("/health/live").statusCode()).as("liveness while degraded").isEqualTo(200);
        var ready = service.get("/health/ready");
        assertThat(ready.statusCode()).as("the degraded service takes traffic: %s", ready.body()).isEqualTo(200);
        assertThat(service.alive()).as("the degraded service keeps running").isTrue();
        assertThat(service.outputText()).as("degradation is logged loudly")
            .contains("DEGRADED: critical step database (database) failed");
        HttpResponse<String> api = service.get("/api/threads");
        assertThat(api.statusCode()).as("the API without its database answers at once, 503").isEqualTo(503);
        assertThat(api.body()).contains("storage_unavailable");
      }
    }
  }

  @ParameterizedTest(name = "production: a database that turns {0} while serving flips /health/ready to 503 and back")
  @ValueSource(strings = {"BLACK_HOLE", "ABSENT"})
  void databaseLostWhileServingTurnsReadinessFalseAndBackWithoutExiting(String outage) throws IOException {
    requireRedisOutsideDevelopment("production");
    try (FaultProxy database = postgresProxy(Mode.FORWARD);
        ServiceProcess service = ServiceProcess.start(env("production", database, null))) {
      Outage measured = loseAndRestore(service, database, mode(outage), "database", SHORT_OUTAGE);
      report("database " + outage + " while serving", measured);
    }
  }

  /**
   * A slow path (Cloud SQL needs seconds per connection) within the database timeout must start:
   * the migrations borrow from the pool, so during the start a borrow may wait as long as the step.
   */
  @ParameterizedTest(name = "{0}: a database needing 2.5 s per connection (timeout 10 s) starts READY")
  @ValueSource(strings = {"development"})
  void databaseNeedingTwoAndAHalfSecondsPerConnectionWithinItsTimeoutStartsReady(String environment) throws IOException {
    try (FaultProxy database = postgresProxy(Mode.slow(Duration.ofMillis(2500)))) {
      Map<String, String> env = new HashMap<>(env(environment, database, null));
      env.put("STARTUP_TIMEOUT_DATABASE_S", "10");
      env.put("STARTUP_TOTAL_BUDGET_S", "30"); // database and migrations at 10 s each, Redis at 2 s: 22 s must fit
      try (ServiceProcess service = ServiceProcess.start(env)) {
        service.awaitStatus("/health/startup", 200, START);
        assertThat(service.json("/health/startup").path("outcome").asText())
            .as("outcome with a database that needs 2.5 s per connection and has 10 s").isEqualTo("READY");
      }
    }
  }

  /**
   * After an outage longer than HikariCP's fixed 5 s reconnect backoff, the health check renews the
   * empty pool as soon as the server answers, so readiness does not wait out the backoff.
   */
  @ParameterizedTest(name = "development: a database back after a 6.5 s {0} outage is ready again within 3 s")
  @ValueSource(strings = {"ABSENT", "BLACK_HOLE"})
  void databaseBackAfterALongerOutageIsReadyAgainWithinThreeSeconds(String outage) throws IOException {
    try (FaultProxy database = postgresProxy(Mode.FORWARD);
        ServiceProcess service = ServiceProcess.start(env("development", database, null))) {
      Outage measured = loseAndRestore(service, database, mode(outage), "database", Duration.ofMillis(6500));
      report("database " + outage + " for 6.5 s while serving", measured);
    }
  }

  @ParameterizedTest(name = "{0}: a budget eaten by an unexpectedly slow step ends the start on a black-holed database")
  @MethodSource("environments")
  void totalBudgetEndsAStartBlockedOnABlackHoledDatabase(String environment) {
    // The policy fits (database 4 s twice, Redis 2 s: 10 s of a 12 s budget), so the start begins; a step that
    // declares no need takes 7 s, and the database step gets only what is left of the budget, not its 4 s.
    requireRedisOutsideDevelopment(environment);
    Duration budget = Duration.ofSeconds(12);
    try (FaultProxy database = postgresProxy(Mode.BLACK_HOLE)) {
      Map<String, String> env = new HashMap<>(env(environment, database, null));
      env.put("STARTUP_TOTAL_BUDGET_S", "12");
      env.put("STARTUP_TIMEOUT_DATABASE_S", "4");
      env.put("NETRA_TEST_FAULTS", "slow:DEPENDENCIES:keys:critical:7500");
      long launched = System.nanoTime();
      try (ServiceProcess service = ServiceProcess.start(env)) {
        FailedStart failed = awaitFailedStart(service, budget.plusSeconds(5));
        Duration sinceLaunch = Duration.ofNanos(failed.exitedAtNanos - launched);

        assertThat(failed.exitCode).as("exit code when the budget runs out on a black-holed database").isEqualTo(3);
        assertThat(failed.record).contains("STARTUP FAILED", "component: database", "DATABASE_URL = SET (");
        assertThat(failed.field("budget_ms")).as("budget in the failure record (ms)").isEqualTo(budget.toMillis());
        assertThat(failed.field("elapsed_ms")).as("failure recorded, in ms since JVM start, inside the budget +/- 1 s")
            .isBetween(budget.toMillis() - 1000, budget.toMillis() + 1000);
        assertThat(sinceLaunch).as("wall-clock time from launching the process to its exit")
            .isLessThanOrEqualTo(budget.plusSeconds(2));
        System.out.printf("[faults] %s: budget 12 s, black-holed database after a 7.5 s step: elapsed_ms %d, exit %d ms"
            + " after launch%n", environment, failed.field("elapsed_ms"), sinceLaunch.toMillis());
      }
    }
  }

  @ParameterizedTest(name = "{0}: a budget shorter than the slowest start warns and the start goes on")
  @MethodSource("environments")
  void aBudgetShorterThanTheSlowestStartWarnsAndTheStartGoesOn(String environment) throws IOException {
    // Incident 000's settings: a database step of 80 s (and migrations of 80 s) in a 120 s budget.
    requireRedisOutsideDevelopment(environment);
    Map<String, String> env = new HashMap<>(env(environment, null, null));
    env.put("STARTUP_TOTAL_BUDGET_S", "120");
    env.put("STARTUP_TIMEOUT_DATABASE_S", "80");
    try (ServiceProcess service = ServiceProcess.start(env)) {
      service.awaitStatus("/health/ready", 200, START);
      assertThat(service.outputText()).as("the warning, with the budget that would cover a slow start")
          .contains("WARN", "timeout policy: a start whose dependencies are slow may take", "set STARTUP_TOTAL_BUDGET_S=");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Redis

  @ParameterizedTest(name = "{0}: a Redis that is {1} ends the start with exit 3 within its timeout")
  @MethodSource("environmentsAndOutages")
  void unreachableRedisEndsTheStartWithExitThreeWithinItsTimeout(String environment, Mode outage) {
    try (FaultProxy redis = redisProxy(outage);
        ServiceProcess service = ServiceProcess.start(env(environment, null, redis))) {
      FailedStart failed = awaitFailedStart(service, REDIS_TIMEOUT);

      assertThat(failed.exitCode).as("exit code when Redis is " + outage).isEqualTo(3);
      assertThat(failed.tookSinceStepStart("redis")).as("time from the Redis step's start to exit with Redis " + outage)
          .isLessThanOrEqualTo(REDIS_TIMEOUT.plus(EXIT_MARGIN))
          .as("the Redis step kept trying until its timeout before giving up")
          .isGreaterThanOrEqualTo(REDIS_TIMEOUT.minusMillis(300));
      assertThat(failed.record).as("failure record for a Redis that is " + outage)
          .contains("STARTUP FAILED", "exit_code: 3", "kind: DEPENDENCY", "phase: CACHE", "step: redis", "component: redis",
              "REDIS_URL = SET (", "STARTUP_TIMEOUT_REDIS_S = 2", "no success within its 2.0 s timeout", "hint: ")
          .as("the Redis URL is a secret: shown masked only")
          .doesNotContain("REDIS_URL = redis");
      failed.assertNeverServed("a Redis that is " + outage);
      failed.print(environment + ": Redis " + outage, "redis");
    }
  }

  @ParameterizedTest(name = "{0}: a Redis answering after 1 s (below its 2 s timeout) starts READY")
  @MethodSource("environments")
  void redisSlowerThanUsualButWithinItsTimeoutStartsReady(String environment) throws IOException {
    try (FaultProxy redis = redisProxy(Mode.slow(Duration.ofSeconds(1)));
        ServiceProcess service = ServiceProcess.start(env(environment, null, redis))) {
      service.awaitStatus("/health/ready", 200, START);

      JsonNode report = service.json("/health/startup");
      assertThat(report.path("outcome").asText()).as("outcome with a 1 s slow Redis").isEqualTo("READY");
      JsonNode step = ServiceProcess.step(report, "redis");
      assertThat(step.path("status").asText()).as("redis step").isEqualTo("OK");
      assertThat(step.path("end_ms").asLong() - step.path("start_ms").asLong())
          .as("redis step duration (ms): the proxy's delay was really in the path").isGreaterThanOrEqualTo(900);
    }
  }

  @ParameterizedTest(name = "{0}: a Redis answering after 10 s (beyond its 2 s timeout) ends the start with exit 3")
  @MethodSource("environments")
  void redisSlowerThanItsTimeoutEndsTheStartWithExitThree(String environment) {
    try (FaultProxy redis = redisProxy(Mode.slow(Duration.ofSeconds(10)));
        ServiceProcess service = ServiceProcess.start(env(environment, null, redis))) {
      FailedStart failed = awaitFailedStart(service, REDIS_TIMEOUT);

      assertThat(failed.exitCode).as("exit code with a Redis slower than its timeout").isEqualTo(3);
      assertThat(failed.tookSinceStepStart("redis")).as("time from the Redis step's start to exit with a 10 s slow Redis")
          .isLessThanOrEqualTo(REDIS_TIMEOUT.plus(EXIT_MARGIN));
      assertThat(failed.record).contains("STARTUP FAILED", "exit_code: 3", "component: redis", "REDIS_URL = SET (");
      failed.assertNeverServed("a Redis slower than its timeout");
      failed.print(environment + ": Redis SLOW(10 s)", "redis");
    }
  }

  @ParameterizedTest(name = "{0}: STARTUP_ALLOW_DEGRADED=redis with Redis black-holed serves DEGRADED")
  @MethodSource("environments")
  void allowedDegradedRedisThatIsBlackHoledLeavesTheServiceServingDegraded(String environment) throws IOException {
    try (FaultProxy redis = redisProxy(Mode.BLACK_HOLE)) {
      Map<String, String> env = new HashMap<>(env(environment, null, redis));
      env.put("STARTUP_ALLOW_DEGRADED", "redis");
      try (ServiceProcess service = ServiceProcess.start(env)) {
        service.awaitStatus("/health/startup", 200, START);

        JsonNode report = service.json("/health/startup");
        assertThat(report.path("outcome").asText()).as("outcome with Redis black-holed and allowed to degrade")
            .isEqualTo("DEGRADED");
        assertThat(ServiceProcess.step(report, "redis").path("status").asText()).as("redis step").isEqualTo("DEGRADED");
        assertThat(ServiceProcess.step(report, "event-bus").path("detail").asText()).as("event bus without Redis")
            .contains("in-process event bus");
        assertThat(service.get("/health/live").statusCode()).as("liveness while degraded").isEqualTo(200);
        assertThat(service.get("/health/ready").statusCode()).as("the degraded service takes traffic").isEqualTo(200);
        assertThat(service.outputText()).as("degradation is logged loudly")
            .contains("DEGRADED: critical step redis (redis) failed");
      }
    }
  }

  @ParameterizedTest(name = "production: a Redis that turns {0} while serving flips /health/ready to 503 and back")
  @ValueSource(strings = {"BLACK_HOLE", "ABSENT"})
  void redisLostWhileServingTurnsReadinessFalseAndBackWithoutExiting(String outage) throws IOException {
    try (FaultProxy redis = redisProxy(Mode.FORWARD);
        ServiceProcess service = ServiceProcess.start(env("production", null, redis))) {
      Outage measured = loseAndRestore(service, redis, mode(outage), "redis", SHORT_OUTAGE);
      report("Redis " + outage + " while serving", measured);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // helpers

  /**
   * Readiness through an outage of {@code component}: {@code proxy} switches to {@code outage} and cuts
   * every open connection, and switches back to forwarding {@code lostFor} after the switch. Asserts
   * /health/ready turns 503 within 2 s while /health/live stays 200 and the process runs, and that
   * /health/ready answers 200 again within {@link #READY_RETURNS_WITHIN}; returns the two figures.
   */
  private static Outage loseAndRestore(ServiceProcess service, FaultProxy proxy, Mode outage, String component,
      Duration lostFor) throws IOException {
    service.awaitStatus("/health/ready", 200, START);
    await(component + " health check reported healthy").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
        .until(() -> checkHealthy(service, component));

    long lost = System.nanoTime();
    proxy.mode(outage);
    proxy.dropAll();
    await("/health/ready answering 503 once " + component + " is " + outage).atMost(READY_FLIPS_WITHIN)
        .pollInterval(Duration.ofMillis(20)).until(() -> status(service, "/health/ready") == 503);
    Duration toNotReady = Duration.ofNanos(System.nanoTime() - lost);
    JsonNode notReady = ServiceProcess.parse(service.get("/health/ready").body());
    assertThat(notReady.path("failing").findValuesAsText("name")).as("checks named failing while " + component + " is lost")
        .contains(component);

    Duration rest = lostFor.minus(Duration.ofNanos(System.nanoTime() - lost));
    if (rest.isPositive()) {
      await("the service stays alive and live, and not ready, while " + component + " is " + outage)
          .during(rest).atMost(rest.plusSeconds(1)).pollInterval(Duration.ofMillis(100))
          .until(() -> service.alive() && status(service, "/health/live") == 200 && status(service, "/health/ready") == 503);
    }

    long restored = System.nanoTime();
    proxy.mode(Mode.FORWARD);
    await("/health/ready answering 200 within " + READY_RETURNS_WITHIN.toMillis() + " ms once " + component
        + " is back after " + lostFor.toMillis() + " ms " + outage).atMost(READY_RETURNS_WITHIN)
        .pollInterval(Duration.ofMillis(20)).until(() -> status(service, "/health/ready") == 200);
    Duration toReady = Duration.ofNanos(System.nanoTime() - restored);
    assertThat(service.alive()).as("the service never exited over a runtime outage").isTrue();
    return new Outage(toNotReady, toReady);
  }

  private record Outage(Duration toNotReady, Duration toReady) { }

  private static void report(String what, Outage o) {
    System.out.printf("[faults] %s: /health/ready 503 after %d ms, 200 again %d ms after the path returned%n", what,
        o.toNotReady().toMillis(), o.toReady().toMillis());
  }

  private static boolean checkHealthy(ServiceProcess service, String component) throws IOException {
    for (JsonNode check : service.json("/health/ready").path("checks")) {
      if (check.path("name").asText().equals(component)) {
        return check.path("healthy").asBoolean();
      }
    }
    return false;
  }

  /** The start as seen from outside until the process exits by itself. */
  private static final class FailedStart {
    int exitCode;
    Duration tookSinceListening;
    long listeningAtNanos;
    long exitedAtNanos;
    String output;
    String record;
    final Set<String> startupProbeAnswers = new LinkedHashSet<>();

    long field(String name) {
      Matcher m = Pattern.compile("(?m)^\\s+" + name + ": (\\d+)$").matcher(record);
      assertThat(m.find()).as(name + " in the failure record:\n" + record).isTrue();
      return Long.parseLong(m.group(1));
    }

    /**
     * Wall-clock time from the start of {@code step} to the exit: the time since listening, less the
     * time the service itself logged between listening and the step's start (both on its JVM clock).
     */
    Duration tookSinceStepStart(String step) {
      Matcher listening = Pattern.compile("listening on port \\d+ (\\d+) ms after JVM start").matcher(output);
      Matcher row = Pattern.compile("(?m)^\\S+\\s+" + Pattern.quote(step) + "\\s+\\S+\\s+\\S+\\s+\\S+\\s+\\d+\\s+(\\d+)ms\\s")
          .matcher(output);
      assertThat(listening.find()).as("the listening line in the log:\n" + output).isTrue();
      assertThat(row.find()).as("step " + step + " with its start in the startup table:\n" + output).isTrue();
      long beforeStep = Long.parseLong(row.group(1)) - Long.parseLong(listening.group(1));
      return tookSinceListening.minusMillis(beforeStep);
    }

    void print(String what, String step) {
      System.out.printf("[faults] %s: exit %d, %d ms after the %s step started (record elapsed_ms %d)%n", what, exitCode,
          tookSinceStepStart(step).toMillis(), step, field("elapsed_ms"));
    }

    /** The start never answered the startup probe with 200, nor reported DEGRADED. */
    void assertNeverServed(String what) {
      assertThat(startupProbeAnswers).as("/health/startup answers seen while the start ran against " + what)
          .noneMatch(a -> a.startsWith("200") || a.contains("DEGRADED"));
      assertThat(output).as("log of a start against " + what).contains("startup FAILED after")
          .doesNotContain("DEGRADED: critical step");
    }
  }

  /** Waits for the service to exit by itself, watching its startup probe meanwhile. */
  private static FailedStart awaitFailedStart(ServiceProcess service, Duration stepTimeout) {
    FailedStart f = new FailedStart();
    service.awaitListening(START);
    f.listeningAtNanos = System.nanoTime();
    await("the service exits by itself").atMost(stepTimeout.plus(EXIT_MARGIN).plusSeconds(10))
        .pollInterval(Duration.ofMillis(50)).until(() -> {
          if (!service.alive()) {
            return true;
          }
          f.startupProbeAnswers.add(startupProbe(service));
          return !service.alive();
        });
    f.exitedAtNanos = System.nanoTime();
    f.tookSinceListening = Duration.ofNanos(f.exitedAtNanos - f.listeningAtNanos);
    f.exitCode = service.awaitExit(Duration.ofSeconds(5));
    f.output = service.outputText();
    int at = f.output.indexOf("STARTUP FAILED");
    f.record = at < 0 ? "" : f.output.substring(at);
    return f;
  }

  private static String startupProbe(ServiceProcess service) {
    try {
      HttpResponse<String> r = service.send(HttpRequest.newBuilder(service.uri("/health/startup"))
          .timeout(Duration.ofMillis(500)).GET().build());
      return r.statusCode() + " " + ServiceProcess.parse(r.body()).path("outcome").asText();
    } catch (IOException e) {
      return "no answer";
    }
  }

  private static int status(ServiceProcess service, String path) {
    try {
      return service.send(HttpRequest.newBuilder(service.uri(path)).timeout(Duration.ofMillis(500)).GET().build())
          .statusCode();
    } catch (IOException e) {
      return -1;
    }
  }

  /**
   * The environment for {@code environment} with the small timeouts; the database through
   * {@code database} when given (else the real one), Redis through {@code redis} when given (else
   * the real one outside development, none in development).
   */
  private static Map<String, String> env(String environment, FaultProxy database, FaultProxy redis) {
    if (redis != null) {
      requireRedis();
    }
    Map<String, String> env = new HashMap<>(environment.equals("development")
        ? Map.of("NETRA_ENV", "development") : ServiceProcess.deployedEnv(environment));
    env.putAll(SMALL_TIMEOUTS);
    env.put("DATABASE_URL", database == null ? TestDependencies.postgresUrl() : throughProxy(database));
    if (redis != null) {
      env.put("REDIS_URL", "redis://127.0.0.1:" + redis.port());
    }
    return env;
  }

  /** This run's DATABASE_URL with its host:port replaced by the proxy's. */
  private static String throughProxy(FaultProxy proxy) {
    URI real = URI.create(TestDependencies.postgresUrl());
    return real.getScheme() + "://" + real.getRawUserInfo() + "@127.0.0.1:" + proxy.port() + real.getRawPath();
  }

  private static FaultProxy postgresProxy(Mode mode) {
    URI real = URI.create(TestDependencies.postgresUrl());
    return new FaultProxy(real.getHost(), real.getPort(), mode);
  }

  private static FaultProxy redisProxy(Mode mode) {
    URI real = URI.create(requireRedis());
    return new FaultProxy(real.getHost(), real.getPort() > 0 ? real.getPort() : 6379, mode);
  }

  private static String requireRedis() {
    return TestDependencies.requireRedis();
  }

  private static void requireRedisOutsideDevelopment(String environment) {
    if (!environment.equals("development")) {
      requireRedis();
    }
  }

  private static Mode mode(String name) {
    return switch (name) {
      case "BLACK_HOLE" -> Mode.BLACK_HOLE;
      case "ABSENT" -> Mode.ABSENT;
      case "REFUSE" -> Mode.REFUSE;
      default -> throw new IllegalArgumentException(name);
    };
  }
}

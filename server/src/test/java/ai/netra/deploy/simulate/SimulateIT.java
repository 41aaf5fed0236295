package ai.netra.deploy.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.deploy.MemorySize;
import ai.netra.deploy.RecordedStartup;
import ai.netra.deploy.StartupReportJson;
import ai.netra.startup.Outcome;
import ai.netra.startup.StartupReport;
import ai.netra.startup.StepReport;
import ai.netra.startup.StepStatus;
import ai.netra.testing.ServiceProcess;
import ai.netra.testing.TestDependencies;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;

/**
 * {@code netra simulate} run from the real jar as its own process, starting the jar again inside
 * the simulated instance, against this run's PostgreSQL: a normal start (and {@code netra check} of
 * the report it writes), a database slower than its timeout, and a memory limit the service cannot
 * fit in.
 */
class SimulateIT {

  private static final Duration CLI = Duration.ofSeconds(150);
  private static final List<String> PHASES = List.of("INIT", "DEPENDENCIES", "DATABASE", "CACHE", "SERVICES", "WEBSOCKET",
      "FINALIZE");

  @Test
  void normalStartPassesStreamsEveryPhaseAndWritesTheTimelineAndTheReportCheckReads(@TempDir Path dir) throws Exception {
    Path report = dir.resolve("startup.json");
    Path timeline = dir.resolve("startup.svg");

    Result run = simulate(Map.of(), "--probe", "startup", "--timeout", "90s", "--report", report.toString(),
        "--timeline", timeline.toString(), "--service-log", dir.resolve("service.log").toString());

    assertThat(run.exit).as("exit of a normal simulated start:\n" + run.output).isEqualTo(0);
    assertThat(run.output).contains("listening on port", "startup probe (STARTUP) passed",
        "/health/ready answers 200", "stopped with SIGTERM: exit 0", "verdict: PASS: Cloud Run would have started it",
        "pinned to 1 CPU(s) with taskset", "-XX:MaxRAM=536870912", "database 127.0.0.1:", "recommended:", "memory");
    List<String> phaseLines = run.lines.stream().filter(l -> l.startsWith("[") && PHASES.stream()
        .anyMatch(p -> l.contains("] " + p + " "))).toList();
    assertThat(phaseLines).as("one line per phase, in plan order, each OK").hasSize(PHASES.size());
    for (int i = 0; i < PHASES.size(); i++) {
      assertThat(phaseLines.get(i)).contains("] " + PHASES.get(i) + " ").contains(" OK ");
    }

    StartupReport written = StartupReportJson.read(report);
    assertThat(written.outcome()).as("outcome in the written report").isEqualTo(Outcome.READY);
    assertThat(written.phases()).extracting(p -> p.name()).containsExactlyElementsOf(PHASES);

    List<Element> bars = TimelineSvgTest.stepBars(TimelineSvgTest.parse(Files.readString(timeline)));
    assertThat(bars).extracting(b -> b.getAttribute("data-step")).as("one bar per step of the report, in plan order")
        .containsExactlyElementsOf(written.steps().stream().map(StepReport::name).toList());
    assertThat(bars).extracting(b -> b.getAttribute("data-status")).doesNotContain("FAILED", "RUNNING");
    assertThat(Files.readString(dir.resolve("service.log"))).as("the service's own log was kept")
        .contains("listening on port");

    RecordedStartup.Resources resources = StartupReportJson.recorded(report).resources();
    assertThat(resources).as("the instance in the written report")
        .isEqualTo(new RecordedStartup.Resources(1.0, MemorySize.mi(512), resources.peakRss()));
    assertThat(resources.peakRss()).as("peak RSS in the written report").isNotNull();
    long peakMiB = resources.peakRss().wholeMebibytes();
    try (ServiceProcess check = ServiceProcess.start(Map.of(), "check", "--report", report.toString(), "--cpu", "1",
        "--memory", (peakMiB + 1) + "Mi")) {
      assertThat(check.awaitExit(CLI)).as("netra check of the simulated start:\n" + check.outputText()).isEqualTo(1);
      assertThat(check.outputText()).as("check reads the peak RSS and CPUs netra simulate wrote")
          .containsPattern("FAIL  peak RSS " + peakMiB + " MiB \\+ 25% headroom = \\d+ MiB is over the deploy's memory limit "
              + (peakMiB + 1) + "Mi")
          .contains("recorded on 1 CPU: READY");
    }
  }

  @Test
  void databaseSlowerThanItsTimeoutEndsWithExitThreeAndTheRecordShown(@TempDir Path dir) throws Exception {
    Path report = dir.resolve("startup.json");

    Result run = simulate(Map.of("STARTUP_TIMEOUT_DATABASE_S", "2", "STARTUP_TOTAL_BUDGET_S", "30"), "--db-latency", "6s",
        "--timeout", "60s", "--report", report.toString());

    assertThat(run.exit).as("exit of a simulation whose database is slower than its timeout:\n" + run.output).isEqualTo(1);
    assertThat(run.output).contains("(+6 s per new connection)", "the service exited with code 3",
        "verdict: FAIL: Cloud Run would not have started it: the service exited with code 3",
        "the service's failure record:", "| ", "STARTUP FAILED", "exit_code: 3", "component: database",
        "no success within its 2.0 s timeout", "STARTUP_TIMEOUT_DATABASE_S");
    assertThat(run.output).as("the recommendation covers the latency with the model's margin: 6 s + 25 %")
        .containsPattern("STARTUP_TIMEOUT_DATABASE_S\\s+7.5");
    StartupReport written = StartupReportJson.read(report);
    assertThat(written.outcome()).isEqualTo(Outcome.FAILED);
    assertThat(written.failure().exitCode()).isEqualTo(3);
    assertThat(written.steps()).filteredOn(s -> s.name().equals("database")).singleElement()
        .satisfies(s -> assertThat(s.status()).isEqualTo(StepStatus.FAILED));
  }

  @Test
  void theIncidentsTwentySecondDatabasePathStartsWhenItsTimeoutCoversIt() {
    // Incident 000: Cloud SQL over a VPC connector, 20 s to the first byte of every new connection.
    Result run = simulate(Map.of("STARTUP_TIMEOUT_DATABASE_S", "80", "STARTUP_TOTAL_BUDGET_S", "120"), "--db-latency",
        "20s", "--timeout", "120s");

    assertThat(run.exit).as("exit of a simulation with a 20 s database path:\n" + run.output).isEqualTo(0);
    assertThat(run.output).contains("(+20 s per new connection)", "READY");
    double last = 0;
    for (String line : run.lines) {
      java.util.regex.Matcher stamp = java.util.regex.Pattern.compile("^\\[\\s*(\\d+\\.\\d+) s]").matcher(line);
      if (stamp.find()) {
        double at = Double.parseDouble(stamp.group(1));
        assertThat(at).as("the phase stream's stamps never go backwards: " + line).isGreaterThanOrEqualTo(last);
        last = at;
      }
    }
  }

  @Test
  void redisLatencyIsInTheRedisStepsPath(@TempDir Path dir) throws Exception {
    String redisUrl = TestDependencies.requireRedis();
    Path report = dir.resolve("startup.json");

    Result run = simulate(Map.of("REDIS_URL", redisUrl), "--redis-latency", "1s", "--timeout", "90s", "--report",
        report.toString());

    assertThat(run.exit).as("exit of a simulation with 1 s of Redis latency:\n" + run.output).isEqualTo(0);
    assertThat(run.output).contains("redis " + URI.create(redisUrl).getHost() + ":", "(+1 s per new connection)");
    StepReport redis = StartupReportJson.read(report).steps().stream().filter(s -> s.name().equals("redis")).findFirst()
        .orElseThrow();
    assertThat(redis.status()).isEqualTo(StepStatus.OK);
    assertThat(redis.endMs() - redis.startMs()).as("redis step duration (ms): the proxy's 1 s was really in the path")
        .isGreaterThanOrEqualTo(900);
  }

  @Test
  void memoryLimitTooLowIsKilledByTheWatchdogAndReported() {
    Result run = simulate(Map.of(), "--memory", "64Mi", "--timeout", "60s", "--json");

    assertThat(run.exit).as("exit of a simulation with 64Mi:\n" + run.output).isEqualTo(1);
    assertThat(run.json.path("verdict").asText()).isEqualTo("FAIL");
    assertThat(run.json.path("oom_killed").path("rss_bytes").asLong()).as("RSS at the kill")
        .isGreaterThanOrEqualTo(64L * 1024 * 1024);
    assertThat(run.json.path("exit_code").asInt()).as("exit of a SIGKILLed process").isEqualTo(137);
    assertThat(run.json.path("reasons").get(0).asText()).contains("OOM-killed", "64Mi limit");
    assertThat(run.json.path("recommendations").toString()).contains("more than 64Mi (try 128Mi)");
    assertThat(run.output).contains("OOM-killed: RSS");
  }

  private record Result(int exit, String output, List<String> lines, JsonNode json) { }

  /** Runs {@code netra simulate ARGS} with this run's database, {@code env} added to its environment. */
  private static Result simulate(Map<String, String> env, String... args) {
    List<String> command = new ArrayList<>(List.of("simulate"));
    command.addAll(List.of(args));
    try (ServiceProcess cli = ServiceProcess.start(env, command.toArray(String[]::new))) {
      int exit = cli.awaitExit(CLI);
      return new Result(exit, cli.outputText(), cli.output(), command.contains("--json") ? lastJson(cli.output()) : null);
    }
  }

  private static JsonNode lastJson(List<String> lines) {
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
}

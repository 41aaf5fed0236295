package ai.netra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.boot.BackendPlan;
import ai.netra.deploy.MemorySize;
import ai.netra.deploy.Yaml;
import ai.netra.deploy.check.DeployEnv;
import ai.netra.json.Json;
import ai.netra.startup.Outcome;
import ai.netra.startup.Phase;
import ai.netra.startup.PhaseReport;
import ai.netra.startup.StartupPlan;
import ai.netra.startup.StartupReport;
import ai.netra.startup.Step;
import ai.netra.startup.StepReport;
import ai.netra.startup.StepStatus;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntToLongFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code netra plan --history} and {@code netra check --history}: the probe, timeouts, budget and memory sized from kept
 * starts through the timeout model, against a synthetic history with a long tail. One team sized a probe by hand from 48
 * measured boots; this is that, from data.
 */
class HistorySizingTest {

  private static final String IMAGE = "europe-docker.pkg.dev/netra-staging/netra/netra:1.4.2";
  private static final long PEAK_RSS = 900L * 1024 * 1024;

  @TempDir
  Path dir;

  /** 50 starts: the database step takes 1.5-4 s, except three that waited 60, 120 and 200 s on it. */
  private static long longTailDatabase(int i) {
    return switch (i) {
      case 11 -> 60_000;
      case 29 -> 120_000;
      case 43 -> 200_000;
      default -> 1_500 + (i * 53L) % 2_500;
    };
  }

  @Test
  void planHistorySizesTheProbeToCoverTheP99OfFiftyStartsWithALongTail() throws Exception {
    List<Long> ready = new ArrayList<>();
    Path history = write("long-tail.jsonl", starts(50, "netra-00007-abc", HistorySizingTest::longTailDatabase, ready));
    long p99 = nearestRank(ready, 99);
    assertThat(p99).as("the tail sets the p99").isGreaterThan(200_000);

    CommandRun run = plan("--history", history.toString(), "--format", "cloudrun");
    assertThat(run.exit()).as("exit; stderr:\n%s", run.err()).isZero();
    JsonNode probe = Yaml.read(run.out()).get(0).at("/spec/template/spec/containers/0/startupProbe");
    int window = probe.path("initialDelaySeconds").asInt() + probe.path("periodSeconds").asInt()
        * probe.path("failureThreshold").asInt();
    assertThat(window * 1000L).as("the probe window covers the p99 to READY (%s ms): %s", p99, probe)
        .isGreaterThanOrEqualTo(Math.round(p99 * 1.25));
    assertThat(probe.path("periodSeconds").asInt() * probe.path("failureThreshold").asInt()).as("Cloud Run's 240 s of probing")
        .isLessThanOrEqualTo(240);
    assertThat(probe.path("initialDelaySeconds").asInt()).as("the rest as initial delay, within its 240 s").isBetween(1, 240);
    assertThat(probe.path("httpGet").path("path").asText()).isEqualTo("/health/startup");
    assertThat(run.err()).as("notes").contains("sized from 50 kept starts")
        .contains("set STARTUP_TIMEOUT_DATABASE_S=").contains("set STARTUP_TOTAL_BUDGET_S=");
    assertThat(Yaml.read(run.out()).get(0).at("/spec/template/spec/containers/0/resources/limits/memory").asText())
        .as("memory from the largest peak RSS + headroom").isEqualTo(new MemorySize(PEAK_RSS).instanceForPeak().toString())
        .isNotEqualTo("1Gi");
  }

  @Test
  void planHistorySaysWhenNoProbeCanCoverTheTail() throws Exception {
    Path history = write("too-slow.jsonl", starts(50, "netra-00007-abc", i -> i == 40 || i == 41 ? 470_000 : 2_000,
        new ArrayList<>()));
    CommandRun run = plan("--history", history.toString(), "--format", "cloudrun");
    assertThat(run.exit()).as("exit; stderr:\n%s", run.err()).isEqualTo(1);
    assertThat(run.err()).contains("WARNING: the measured start needs");
  }

  @Test
  void checkHistoryFlagsAStepWhoseP95DoubledInTheLatestRevision() throws Exception {
    List<String> lines = new ArrayList<>(starts(20, "netra-00001-aaa", i -> 2_000 + i * 10L, new ArrayList<>()));
    lines.addAll(starts(20, "netra-00002-bbb", i -> 5_000 + i * 10L, new ArrayList<>()));
    Path history = write("drift.jsonl", lines);
    CommandRun run = CommandRun.of(new CheckCommand(Map.of()), "--env-file", CommandRun.fixture("staging.env"),
        "--history", history.toString(), "--max-connections", "100");
    assertThat(run.out()).contains("drift: step database: p95 5.2 s in netra-00002-bbb")
        .contains("startup probe to 0 + 4 x 60 = 240 s");
  }

  @Test
  void reportAndHistoryTogetherAreRefused() throws Exception {
    Path history = write("one.jsonl", starts(3, "r", i -> 1_000, new ArrayList<>()));
    CommandRun run = plan("--history", history.toString(), "--report", CommandRun.fixture("startup-healthy.json"));
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).contains("not both");
  }

  private static CommandRun plan(String... args) {
    List<String> all = new ArrayList<>(List.of("--env", "staging", "--env-file", CommandRun.fixture("staging.env"),
        "--image", IMAGE, "--region", "europe-west1", "--vpc-connector", "netra-connector"));
    all.addAll(List.of(args));
    return CommandRun.of(new PlanCommand(Map.of()), all.toArray(String[]::new));
  }

  private Path write(String name, List<String> lines) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, String.join("\n", lines) + "\n");
    return file;
  }

  /**
   * {@code count} READY starts of the staging plan, as the service logs them: every step 20-70 ms one after
   * another, the database step {@code database(i)} ms; each start's time to READY goes into {@code ready}.
   */
  private static List<String> starts(int count, String revision, IntToLongFunction database, List<Long> ready)
      throws IOException {
    StartupPlan plan = BackendPlan.describe(DeployEnv.fromFile(Path.of(CommandRun.fixture("staging.env")), "staging")
        .settings());
    List<String> lines = new ArrayList<>();
    Instant first = Instant.parse("2026-11-01T08:00:00Z");
    for (int i = 0; i < count; i++) {
      long at = 900; // the JVM's boot
      List<PhaseReport> phases = new ArrayList<>();
      for (Phase phase : plan.phases()) {
        List<StepReport> steps = new ArrayList<>();
        for (Step step : phase.steps()) {
          long took = step.name().equals("database") ? database.applyAsLong(i) : 20 + (i * 7L + step.name().length()) % 50;
          steps.add(new StepReport(step.name(), step.component(), step.criticality(),
              step.placeholder().isPresent() ? StepStatus.PLACEHOLDER : StepStatus.OK, 1, at, at + took, null, null));
          at += took;
        }
        phases.add(new PhaseReport(phase.name(), StepStatus.OK, steps));
      }
      ready.add(at);
      StartupReport report = new StartupReport(Outcome.READY, "FINALIZE", at, 240_000, phases, null);
      Map<String, Object> line = new LinkedHashMap<>();
      line.put("time", first.plusSeconds(600L * i).plusMillis(at).toString());
      line.put("severity", "INFO");
      line.put("message", "startup report: READY after " + at + " ms");
      line.put("netra_startup_report", true);
      line.put("started_at", first.plusSeconds(600L * i).toString());
      line.put("revision", revision);
      line.put("instance", "i-" + i);
      line.put("environment", "staging");
      line.putAll(Json.mapper().convertValue(report, new TypeReference<Map<String, Object>>() { }));
      line.put("resources", Map.of("cpus", 1.0, "memory_limit_bytes", 1024L * 1024 * 1024, "peak_rss_bytes", PEAK_RSS - i));
      lines.add(Json.write(line));
    }
    return lines;
  }

  private static long nearestRank(List<Long> values, int percent) {
    List<Long> sorted = values.stream().sorted().toList();
    return sorted.get((int) Math.ceil(percent / 100.0 * sorted.size()) - 1);
  }

}

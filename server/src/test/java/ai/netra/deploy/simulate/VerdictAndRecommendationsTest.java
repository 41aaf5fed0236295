package ai.netra.deploy.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.boot.BackendPlan;
import ai.netra.config.Settings;
import ai.netra.deploy.MemorySize;
import ai.netra.deploy.StartupProbe;
import ai.netra.startup.FailureKind;
import ai.netra.startup.Outcome;
import ai.netra.startup.StartupFailure;
import ai.netra.startup.StartupPlan;
import ai.netra.startup.StartupReport;
import ai.netra.startup.StepReport;
import ai.netra.startup.StepStatus;
import ai.netra.startup.TimeoutPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VerdictAndRecommendationsTest {

  private static final ProbeSpec TCP = ProbeSpec.tcp(Duration.ofSeconds(240));
  /** The service's own plan with a 2 s database timeout and a 20 s budget. */
  private static final StartupPlan PLAN = BackendPlan.describe(Settings.read(Map.of("STARTUP_TIMEOUT_DATABASE_S", "2",
      "STARTUP_TOTAL_BUDGET_S", "20")));
  private static final TimeoutPolicy POLICY = PLAN.policy();
  private static final StartupFailure DATABASE_TIMEOUT = new StartupFailure("DATABASE", "database", "database",
      FailureKind.DEPENDENCY, 3, List.of("no success within its 2.0 s timeout after 2 attempts; the last attempt was still"
      + " waiting when time ran out"), List.of("DATABASE_URL"), "check the database", 2800, 20000);
  private static final StartupFailure DATABASE_REFUSED = new StartupFailure("DATABASE", "database", "database",
      FailureKind.DEPENDENCY, 3, List.of("no success within its 2.0 s timeout after 9 attempts; last error: PostgreSQL at"
      + " 10.0.0.5:5432 not reachable: the connection was refused (Connection refused)",
      "java.net.ConnectException: Connection refused"), List.of("DATABASE_URL"), "check that PostgreSQL runs", 2800, 20000);

  static SimulationResult passed(long peakRss) {
    return new SimulationResult(1, MemorySize.mi(512), TCP, List.of(), 150L, true, 1000L, 2, null, 1800L, Reports.ready(),
        null, null, null, null, peakRss, null, 0, 400L, List.of(), null);
  }

  @Test
  void aReadyStartPassesWithTheProbesMarginAndTimes() {
    SimulationResult r = passed(90 * MemorySize.MI);
    assertThat(r.passed()).isTrue();
    assertThat(r.headline()).startsWith("PASS").contains("TCP probe passed at 1 s", "margin 239 s", "ready at 1.80 s");
    assertThat(r.reasons()).isEmpty();
  }

  @Test
  void memoryIsThePeakPlusAQuarterRoundedUpToACloudRunSizeAsThePlanSizesIt() {
    Recommendations.Item memory = Recommendations.memory(passed(90 * MemorySize.MI));
    assertThat(memory.value()).as("what netra plan writes: a second-generation size").isEqualTo("512Mi");
    assertThat(memory.why()).contains("peak RSS 90Mi", "113Mi");
    assertThat(Recommendations.memory(passed(420 * MemorySize.MI)).value()).as("420Mi + 25% = 525Mi").isEqualTo("1Gi");
  }

  @Test
  void theStartupProbeIsThePlansForTheTimeToReadyAndTheBudget() {
    assertThat(Recommendations.probe(passed(1), POLICY.totalBudget()).orElseThrow().value())
        .as("1.8 s to ready: 1.8 + 10 s, less than the 20 s budget + 5 s")
        .isEqualTo("httpGet /health/startup, periodSeconds 1, failureThreshold 25, timeoutSeconds 1");
    SimulationResult slow = new SimulationResult(1, MemorySize.mi(512), TCP, List.of(), 150L, true, 1000L, 2, null, 45_000L,
        Reports.ready(), null, null, null, null, 1, null, 0, 400L, List.of(), null);
    assertThat(Recommendations.probe(slow, POLICY.totalBudget()).orElseThrow().value()).as("2 x 45 s = 90 s: every 2 s, 45 times")
        .isEqualTo("httpGet /health/startup, periodSeconds 2, failureThreshold 45, timeoutSeconds 1");
  }

  @Test
  void theSimulatedStartupProbeIsTheOneThePlanWrites() {
    StartupProbe planned = StartupProbe.of(Duration.ofSeconds(240), null, null);
    ProbeSpec probe = ProbeSpec.startup(planned);
    assertThat(probe.initialDelay()).isEqualTo(Duration.ofSeconds(planned.initialDelaySeconds()));
    assertThat(probe.period()).as("period").isEqualTo(Duration.ofSeconds(4));
    assertThat(probe.failureThreshold()).isEqualTo(60);
    assertThat(probe.window()).as("the default budget gets Cloud Run's whole 240 s").isEqualTo(Duration.ofSeconds(240));
  }

  @Test
  void theTcpProbeIsFlaggedWithTheTimeTrafficWouldArriveTooEarly() {
    List<Recommendations.Item> items = Recommendations.of(passed(1), PLAN, Map.of());
    assertThat(items).anySatisfy(i -> {
      assertThat(i.subject()).isEqualTo("probe kind");
      assertThat(i.why()).contains("at 150 ms", "1.65 s before the service was ready");
    });
  }

  @Test
  void aDatabaseSlowerThanItsTimeoutFailsWithTheRecordAndGetsATimeoutThatCoversItsLatency() {
    StartupReport merged = Simulation.merge(Reports.startingInDatabase(), DATABASE_TIMEOUT, 3);
    assertThat(merged.outcome()).isEqualTo(Outcome.FAILED);
    assertThat(merged.failure()).isEqualTo(DATABASE_TIMEOUT);
    StepReport database = merged.steps().get(1);
    assertThat(database.status()).isEqualTo(StepStatus.FAILED);
    assertThat(database.endMs()).isEqualTo(2800);
    assertThat(database.error()).startsWith("no success within its 2.0 s timeout");
    assertThat(merged.phases().get(1).status()).isEqualTo(StepStatus.FAILED);
    assertThat(merged.steps().get(2).status()).as("a step that never ran stays as it was").isEqualTo(StepStatus.PENDING);

    SimulationResult r = new SimulationResult(1, MemorySize.mi(512), TCP, List.of(), 150L, true, 1000L, 2, null, null, merged,
        3, 2900L, null, null, 80 * MemorySize.MI, null, null, null, List.of("STARTUP FAILED"), DATABASE_TIMEOUT);
    assertThat(r.passed()).isFalse();
    assertThat(r.headline()).startsWith("FAIL").contains("exited with code 3", "step database",
        "no success within its 2.0 s timeout");
    List<Recommendations.Item> items = Recommendations.of(r, PLAN, Map.of("database", Duration.ofSeconds(6)));
    assertThat(items).as("one recommendation per setting, however many steps share it")
        .filteredOn(i -> i.subject().equals("STARTUP_TIMEOUT_DATABASE_S")).hasSize(1);
    assertThat(items).anySatisfy(i -> {
      assertThat(i.subject()).isEqualTo("STARTUP_TIMEOUT_DATABASE_S");
      assertThat(i.value()).as("the 6 s latency + 25 %").isEqualTo("7.5");
      assertThat(i.why()).contains("timeout 2.0 s (2.0 s base x 1 multiplier x 1 safety margin) is below the 6.0 s it"
          + " needs (added latency)");
    });

    List<Recommendations.Item> unknown = Recommendations.of(r, PLAN, Map.of());
    assertThat(unknown).as("still waiting, but with no latency known: more, but not a guessed number")
        .anySatisfy(i -> {
          assertThat(i.subject()).isEqualTo("STARTUP_TIMEOUT_DATABASE_S");
          assertThat(i.value()).isEqualTo("more than the current 2 s");
          assertThat(i.why()).contains("measure it");
        });
  }

  @Test
  void aRefusedDatabaseGetsItsCauseNotALongerTimeout() {
    StartupReport merged = Simulation.merge(Reports.startingInDatabase(), DATABASE_REFUSED, 3);
    SimulationResult r = new SimulationResult(1, MemorySize.mi(512), TCP, List.of(), 150L, true, 1000L, 2, null, null, merged,
        3, 2900L, null, null, 80 * MemorySize.MI, null, null, null, List.of("STARTUP FAILED"), DATABASE_REFUSED);

    List<Recommendations.Item> items = Recommendations.of(r, PLAN, Map.of("database", Duration.ofSeconds(6)));

    assertThat(items).extracting(Recommendations.Item::subject).as("no timeout for a refusal")
        .doesNotContain("STARTUP_TIMEOUT_DATABASE_S", "STARTUP_TOTAL_BUDGET_S")
        .contains("cause");
    assertThat(items).filteredOn(i -> i.subject().equals("cause")).singleElement()
        .satisfies(i -> assertThat(i.why()).contains("Connection refused", "check that PostgreSQL runs"));
  }

  @Test
  void anOomKillIsTheVerdictAndAskForTheNextSize() {
    SimulationResult r = new SimulationResult(1, MemorySize.mi(64), TCP, List.of(), 150L, true, 1000L, 1, null, null,
        Reports.startingInDatabase(), 137, 900L, 900L, 65 * MemorySize.MI, 65 * MemorySize.MI, null, null, null, List.of(),
        null);
    assertThat(r.passed()).isFalse();
    assertThat(r.reasons().getFirst()).contains("OOM-killed at 900 ms", "65Mi", "64Mi limit");
    assertThat(Recommendations.memory(r).value()).isEqualTo("more than 64Mi (try 128Mi)");
  }

  @Test
  void aStartThatNeverGetsReadyFailsOnTheWindow() {
    SimulationResult r = new SimulationResult(1, MemorySize.mi(512), TCP, List.of(), 150L, true, 1000L, 1, null, null,
        Reports.startingInDatabase(), null, null, null, null, 1, null, 0, 300L, List.of(), null);
    assertThat(r.reasons()).singleElement().asString().contains("not ready within the 240 s window", "phase DATABASE",
        "running database");
  }
}

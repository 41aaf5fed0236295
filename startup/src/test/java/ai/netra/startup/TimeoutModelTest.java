package ai.netra.startup;

import static ai.netra.startup.Plans.ok;
import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.startup.TimeoutModel.Assessment;
import ai.netra.startup.TimeoutModel.Finding;
import ai.netra.startup.TimeoutModel.Inputs;
import ai.netra.startup.TimeoutModel.Level;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one reading of a timeout policy against a plan: needs, paths, FAIL and WARN, and the settings that fix them. */
class TimeoutModelTest {

  /** The seed staging policy that shipped the issue-586 trap: the database gets 2.3 s, Redis 1.2 s, the start 5 s. */
  private static final TimeoutPolicy SEED_STAGING = new TimeoutPolicy(
      Map.of("database", Duration.ofSeconds(3), "redis", Duration.ofMillis(1_500)),
      Duration.ofSeconds(1), 0.7, 1.1, Duration.ofSeconds(5));

  private static final TimeoutPolicy FIXED_STAGING = new TimeoutPolicy(
      Map.of("database", Duration.ofSeconds(15), "redis", Duration.ofMillis(1_500)),
      Duration.ofSeconds(1), 1.0, 1.0, Duration.ofSeconds(60));

  private static final Duration CLOUD_RUN = Duration.ofSeconds(240);
  private static final Retry RETRY = Retry.untilTimeout(Duration.ofMillis(10), Duration.ofMillis(20));

  /** A database and a Redis connect (both wait, with retry), and a computing step in between. */
  private static StartupPlan stagingPlan(TimeoutPolicy policy, Step database) {
    return Plans.plan(policy,
        Phase.sequential("database", database, Step.critical("load-catalog", "catalog").run(ok())),
        Phase.sequential("cache", Step.critical("connect-redis", "redis").retry(RETRY).run(ok())));
  }

  private static Step database() {
    return Step.critical("connect-database", "database").retry(RETRY).run(ok());
  }

  private static Assessment observed(TimeoutPolicy policy, Step database, Map<String, Duration> observed) {
    return TimeoutModel.assess(stagingPlan(policy, database), Inputs.recorded(observed, Duration.ZERO, null, CLOUD_RUN));
  }

  private static List<String> messages(List<Finding> findings) {
    return findings.stream().map(Finding::message).toList();
  }

  @Test
  void seedStagingFailsWhenTheDatabaseIsObservedToNeedTenSeconds() {
    Assessment a = observed(SEED_STAGING, database(), Map.of("connect-database", Duration.ofSeconds(10)));

    assertThat(a.fails()).as("whether the seed staging policy passes with a 10 s database").isTrue();
    Finding step = a.failures().getFirst();
    assertThat(step.step()).as("step of the first failure").isEqualTo("connect-database");
    assertThat(step.message()).as("message of the step failure")
        .contains("step connect-database: timeout 2.3 s (3.0 s base x 0.7 multiplier x 1.1 safety margin)")
        .contains("below the 10.0 s it needs (observed)");
    assertThat(step.changes()).as("10 s x 1.25 headroom / (0.7 x 1.1), rounded up to a tenth")
        .containsEntry("STARTUP_TIMEOUT_DATABASE_S", "16.3");
    Finding path = a.failures().get(1);
    assertThat(path.step()).as("the path failure is about the whole start").isNull();
    assertThat(path.message()).contains("critical path needs 10.0 s (connect-database 10.0 s), over the 5.0 s total budget");
    assertThat(path.changes()).as("the budget covers 10 s + 25 %, and the slowest start with the fixed timeouts")
        .containsEntry("STARTUP_TOTAL_BUDGET_S", "15");
    assertThat(a.warnings()).extracting(Finding::message).as("0.7 x 1.1 is no margin")
        .anySatisfy(m -> assertThat(m).contains("= 0.77"));
  }

  @Test
  void aDeclaredNeedCountsLikeAnObservedOne() {
    Step declared = Step.critical("connect-database", "database").retry(RETRY).expects(Duration.ofSeconds(10)).run(ok());

    Assessment a = TimeoutModel.assess(stagingPlan(SEED_STAGING, declared), Inputs.declared(CLOUD_RUN));

    assertThat(messages(a.failures())).as("failures with a declared 10 s database")
        .anySatisfy(m -> assertThat(m).contains("connect-database", "below the 10.0 s it needs (declared)"))
        .anySatisfy(m -> assertThat(m).contains("total budget"));
  }

  @Test
  void anObservedNeedWinsOverTheDeclaredOne() {
    Step declared = Step.critical("connect-database", "database").retry(RETRY).expects(Duration.ofSeconds(10)).run(ok());

    Assessment a = observed(FIXED_STAGING, declared, Map.of("connect-database", Duration.ofSeconds(1)));

    assertThat(a.findings()).as("findings when the database was observed to need 1 s").isEmpty();
  }

  @Test
  void theFixedStagingPolicyPasses() {
    Assessment a = observed(FIXED_STAGING, database(), Map.of("connect-database", Duration.ofSeconds(10)));

    assertThat(a.findings()).as("findings with a 15 s database base, a 10 s need and a 60 s budget").isEmpty();
    assertThat(a.neededPath()).as("needed path").isEqualTo(Duration.ofSeconds(10));
    assertThat(a.slowestStart()).as("slowest start: the database and Redis at their whole timeouts")
        .isEqualTo(Duration.ofMillis(16_500));
  }

  @Test
  void theSlowestStartCountsOnlyStepsThatWaitAtTheirWholeTimeout() {
    // Ten computing steps at 10 s each would be 100 s at their whole timeouts; they need nothing of the kind.
    List<Step> computing = java.util.stream.IntStream.range(0, 10)
        .mapToObj(i -> Step.critical("compute-" + i, "compute").run(ok())).toList();
    TimeoutPolicy policy = new TimeoutPolicy(Map.of("database", Duration.ofSeconds(30)), Duration.ofSeconds(10), 1, 1,
        Duration.ofSeconds(40));
    StartupPlan plan = Plans.plan(policy, Phase.sequential("database", database()),
        new Phase("compute", false, computing));

    Assessment a = TimeoutModel.assess(plan, Inputs.declared(CLOUD_RUN));

    assertThat(a.slowestStart()).as("slowest start: the database's 30 s, nothing for the computing steps")
        .isEqualTo(Duration.ofSeconds(30));
    assertThat(a.findings()).as("findings of a 30 s wait in a 40 s budget").isEmpty();
  }

  @Test
  void aBudgetShorterThanTheSlowestStartWarnsWithTheBudgetThatCoversIt() {
    // The incident's trap: the budget ends a slow start before the steps' own timeouts.
    StartupPlan plan = Plans.plan(SEED_STAGING,
        Phase.sequential("database", database(), Step.critical("migrate", "database").waits().run(ok())),
        Phase.sequential("cache", Step.critical("connect-redis", "redis").retry(RETRY).run(ok())));

    Assessment a = TimeoutModel.assess(plan, Inputs.declared(CLOUD_RUN));

    assertThat(a.failures()).as("nothing says a step needs more than its timeout: it can start").isEmpty();
    assertThat(a.warnings()).as("warnings of the seed policy with nothing observed").anySatisfy(f -> {
      assertThat(f.message()).contains("may take 5.8 s (connect-database 2.3 s, migrate 2.3 s, connect-redis 1.2 s at"
          + " their whole timeouts), but STARTUP_TOTAL_BUDGET_S gives it 5.0 s");
      assertThat(f.changes()).containsEntry("STARTUP_TOTAL_BUDGET_S", "10");
    });
  }

  @Test
  void concurrentPhasesCountTheirLongestStepAndSequentialOnesTheSum() {
    TimeoutPolicy policy = new TimeoutPolicy(Map.of(), Duration.ofSeconds(5), 1, 1, Duration.ofSeconds(5));
    Step keys = Step.critical("load-keys", "keys").expects(Duration.ofSeconds(3)).run(ok());
    Step clients = Step.critical("build-clients", "clients").expects(Duration.ofMillis(4_200)).run(ok());

    Assessment concurrent = TimeoutModel.assess(Plans.plan(policy, new Phase("dependencies", true, List.of(keys, clients))),
        Inputs.declared(null));
    Assessment sequential = TimeoutModel.assess(Plans.plan(policy, new Phase("dependencies", false, List.of(keys, clients))),
        Inputs.declared(null));

    assertThat(concurrent.neededPath()).as("3 s and 4.2 s side by side").isEqualTo(Duration.ofMillis(4_200));
    assertThat(concurrent.fails()).as("whether 4.2 s fits 5 s").isFalse();
    assertThat(concurrent.warnings()).as("4.2 s + 25 % is over 5 s")
        .anySatisfy(f -> assertThat(f.message()).contains("less than 25% under the 5.0 s total budget"));
    assertThat(sequential.failures()).as("3 s and 4.2 s one after the other").singleElement()
        .satisfies(f -> assertThat(f.message()).contains("needs 7.2 s", "over the 5.0 s total budget"));
  }

  @Test
  void anOptionalStepOverItsTimeoutWarnsAndCountsForNothing() {
    StartupPlan plan = Plans.plan(FIXED_STAGING, Phase.sequential("finalize",
        Step.optional("export-metrics", "metrics").expects(Duration.ofSeconds(100)).run(ok())));

    Assessment a = TimeoutModel.assess(plan, Inputs.declared(CLOUD_RUN));

    assertThat(a.failures()).as("failures from an optional step").isEmpty();
    assertThat(a.warnings()).as("the optional step would time out").singleElement()
        .satisfies(f -> assertThat(f.message()).contains("the optional step fails and the service starts without it"));
    assertThat(a.neededPath()).as("needed path").isZero();
  }

  @Test
  void aPlaceholderIsCheckedForWhatItDeclaresButNeverWaits() {
    StartupPlan plan = Plans.plan(SEED_STAGING, Phase.sequential("finalize",
        Step.critical("start-supervisor", "agents").expects(Duration.ofSeconds(100)).placeholder("not built yet")));

    Assessment a = TimeoutModel.assess(plan, Inputs.declared(null));

    assertThat(messages(a.failures())).as("a placeholder's declared need against its timeout")
        .anySatisfy(m -> assertThat(m).contains("start-supervisor", "below"));
  }

  @Test
  void aSimulatedLatencyIsTheLeastAWaitingStepOfItsComponentNeeds() {
    Assessment a = TimeoutModel.assess(stagingPlan(FIXED_STAGING, database()),
        Inputs.recorded(Map.of("connect-database", Duration.ofSeconds(3)), Duration.ZERO, null, CLOUD_RUN)
            .withFloors(Map.of("database", Duration.ofSeconds(20))));

    assertThat(a.step("connect-database")).get().satisfies(s -> {
      assertThat(s.need()).as("need: the 20 s added to every connection, over the 3 s seen").isEqualTo(Duration.ofSeconds(20));
      assertThat(s.source()).isEqualTo(TimeoutModel.Source.FLOOR);
    });
    assertThat(a.step("load-catalog")).get().extracting(TimeoutModel.StepTimeout::need)
        .as("a computing step of the same component is not slowed by a network path").isEqualTo(Duration.ZERO);
    assertThat(a.changes()).as("recommendations").containsEntry("STARTUP_TIMEOUT_DATABASE_S", "25");
  }

  @Test
  void aRecordedStartIsTheNeededPathWhenItTookLongerThanItsSteps() {
    Assessment a = TimeoutModel.assess(stagingPlan(FIXED_STAGING, database()), Inputs.recorded(
        Map.of("connect-database", Duration.ofSeconds(2)), Duration.ofMillis(800), Duration.ofSeconds(50), CLOUD_RUN));

    assertThat(a.neededPath()).as("READY after 50 s").isEqualTo(Duration.ofSeconds(50));
    assertThat(a.warnings()).as("50 s + 25 % is over the 60 s budget").singleElement()
        .satisfies(f -> assertThat(f.changes()).containsEntry("STARTUP_TOTAL_BUDGET_S", "65"));
  }

  @Test
  void theWindowOfThePlatformBoundsTheBudgetAndTheStart() {
    TimeoutPolicy longBudget = new TimeoutPolicy(Map.of(), Duration.ofSeconds(10), 1, 1, Duration.ofSeconds(300));
    Assessment budget = TimeoutModel.assess(stagingPlan(longBudget, database()), Inputs.declared(CLOUD_RUN));
    Assessment start = TimeoutModel.assess(stagingPlan(longBudget, database()), Inputs.recorded(Map.of(), Duration.ZERO,
        Duration.ofSeconds(200), CLOUD_RUN));
    Assessment noPlatform = TimeoutModel.assess(stagingPlan(longBudget, database()), Inputs.declared(null));

    assertThat(budget.warnings()).as("a 300 s budget against the 240 s Cloud Run waits").singleElement()
        .satisfies(f -> assertThat(f.changes()).containsEntry("STARTUP_TOTAL_BUDGET_S", "240"));
    assertThat(messages(start.failures())).as("a 200 s start + 25 % cannot fit 240 s")
        .anySatisfy(m -> assertThat(m).contains("over the 240.0 s the platform waits"));
    assertThat(noPlatform.findings()).as("no platform, no window").isEmpty();
  }

  @Test
  void theSameInputGivesTheSameAssessment() {
    Inputs inputs = Inputs.recorded(Map.of("connect-database", Duration.ofSeconds(10)), Duration.ZERO, null, CLOUD_RUN);
    assertThat(TimeoutModel.assess(stagingPlan(SEED_STAGING, database()), inputs).findings())
        .isEqualTo(TimeoutModel.assess(stagingPlan(SEED_STAGING, database()), inputs).findings());
    assertThat(Level.values()).containsExactly(Level.PASS, Level.WARN, Level.FAIL);
  }
}

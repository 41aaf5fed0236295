package ai.netra.startup;

import static ai.netra.startup.Plans.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Per-component timeouts from the policy, and the check that rejects a policy that cannot fit. */
class TimeoutPolicyTest {

  /** The seed staging policy that shipped the issue-586 trap: the database gets 2.3 s but needs 10 s. */
  private static final TimeoutPolicy SEED_STAGING = new TimeoutPolicy(
      Map.of("database", Duration.ofSeconds(3), "redis", Duration.ofMillis(1_500)),
      Duration.ofSeconds(1), 0.7, 1.1, Duration.ofSeconds(5));

  private static final TimeoutPolicy FIXED_STAGING = new TimeoutPolicy(
      Map.of("database", Duration.ofSeconds(15), "redis", Duration.ofMillis(1_500)),
      Duration.ofSeconds(1), 1.0, 1.0, Duration.ofSeconds(60));

  private static final Map<String, Duration> DATABASE_NEEDS_10_S = Map.of("connect-database", Duration.ofSeconds(10));

  private static StartupPlan stagingPlan(TimeoutPolicy policy, Step database) {
    return Plans.plan(policy,
        Phase.sequential("database", database),
        Phase.sequential("cache", Step.critical("connect-redis", "redis").run(ok())));
  }

  private static Step database() {
    return Step.critical("connect-database", "database").run(ok());
  }

  @Nested
  class Timeouts {

    @Test
    void timeoutIsBaseTimesMultiplierTimesSafetyMargin() {
      assertThat(SEED_STAGING.timeoutFor("database")).as("database timeout: 3 s x 0.7 x 1.1")
          .isEqualTo(Duration.ofMillis(2_310));
      assertThat(SEED_STAGING.timeoutFor("redis")).as("redis timeout: 1.5 s x 0.7 x 1.1")
          .isEqualTo(Duration.ofMillis(1_155));
      assertThat(SEED_STAGING.timeoutFor("llm")).as("timeout of an unlisted component: default 1 s x 0.7 x 1.1")
          .isEqualTo(Duration.ofMillis(770));
      assertThat(SEED_STAGING.baseFor("llm")).as("base of an unlisted component").isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void timeoutIsCappedAtTheTotalBudget() {
      TimeoutPolicy policy = new TimeoutPolicy(Map.of("database", Duration.ofSeconds(100)), Duration.ofSeconds(1),
          2.0, 1.5, Duration.ofSeconds(5));

      assertThat(policy.timeoutFor("database")).as("timeout of a 100 s base under a 5 s budget")
          .isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void policyRejectsNonPositiveValues() {
      assertThatThrownBy(() -> new TimeoutPolicy(Map.of(), Duration.ofSeconds(1), 0, 1, Duration.ofSeconds(5)))
          .as("a zero multiplier").isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiplier");
      assertThatThrownBy(() -> new TimeoutPolicy(Map.of(), Duration.ofSeconds(1), 1, Double.NaN, Duration.ofSeconds(5)))
          .as("a safety margin that is not a number").isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> new TimeoutPolicy(Map.of("redis", Duration.ZERO), Duration.ofSeconds(1), 1, 1,
          Duration.ofSeconds(5))).as("a zero base timeout")
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("redis");
      assertThatThrownBy(() -> new TimeoutPolicy(Map.of(), Duration.ofSeconds(1), 1, 1, Duration.ofSeconds(-1)))
          .as("a negative total budget").isInstanceOf(IllegalArgumentException.class).hasMessageContaining("total budget");
    }

    @Test
    void secondsAreShownWithOneDecimal() {
      assertThat(TimeoutPolicy.seconds(Duration.ofMillis(2_310))).as("2310 ms for an operator").isEqualTo("2.3 s");
    }

    @Test
    void secondsAreShownWithADecimalPointWhateverTheLocale() {
      Locale before = Locale.getDefault();
      try {
        Locale.setDefault(Locale.GERMANY);
        assertThat(TimeoutPolicy.seconds(Duration.ofMillis(2_310))).as("2310 ms on a German host").isEqualTo("2.3 s");
      } finally {
        Locale.setDefault(before);
      }
    }
  }

  @Nested
  class Check {

    @Test
    void seedStagingPolicyIsRejectedWhenTheDatabaseIsObservedToNeed10Seconds() {
      TimeoutPolicy.Check check = SEED_STAGING.check(stagingPlan(SEED_STAGING, database()), DATABASE_NEEDS_10_S);

      assertThat(check.ok()).as("whether the seed staging policy passes with a 10 s database").isFalse();
      assertThat(check.errors()).as("errors of the seed staging policy").hasSize(2);
      TimeoutPolicy.Problem tooShort = check.errors().getFirst();
      assertThat(tooShort.step()).as("step of the timeout error").isEqualTo("connect-database");
      assertThat(tooShort.component()).as("component of the timeout error").isEqualTo("database");
      assertThat(tooShort.message()).as("message of the timeout error")
          .contains("connect-database").contains("below").contains("2.3 s").contains("10.0 s").contains("observed");
      assertThat(tooShort.suggestedBase()).as("suggested database base: 10 s x 1.25 headroom / (0.7 x 1.1)")
          .isEqualTo(Duration.ofMillis(16_234));
      TimeoutPolicy.Problem path = check.errors().get(1);
      assertThat(path.step()).as("step of the critical path error (about the whole path)").isNull();
      assertThat(path.message()).as("message of the critical path error")
          .contains("critical path").contains("10.0 s").contains("total startup budget").contains("5.0 s");
    }

    @Test
    void seedStagingPolicyIsRejectedWhenTheDatabaseStepDeclaresItNeeds10Seconds() {
      Step declared = Step.critical("connect-database", "database").expects(Duration.ofSeconds(10)).run(ok());

      TimeoutPolicy.Check check = SEED_STAGING.check(stagingPlan(SEED_STAGING, declared), Map.of());

      assertThat(check.ok()).as("whether the seed staging policy passes with a declared 10 s database").isFalse();
      assertThat(check.errors()).as("errors of the seed staging policy").extracting(TimeoutPolicy.Problem::message)
          .anySatisfy(m -> assertThat(m).contains("connect-database").contains("below").contains("declared"))
          .anySatisfy(m -> assertThat(m).contains("total startup budget"));
    }

    @Test
    void observedDurationWinsOverTheDeclaredOne() {
      Step declared = Step.critical("connect-database", "database").expects(Duration.ofSeconds(10)).run(ok());

      TimeoutPolicy.Check check = SEED_STAGING.check(stagingPlan(SEED_STAGING, declared),
          Map.of("connect-database", Duration.ofSeconds(1)));

      assertThat(check.errors()).as("errors when the database was observed to need 1 s").isEmpty();
    }

    @Test
    void fixedStagingPolicyPassesTheSameCheck() {
      TimeoutPolicy.Check observed = FIXED_STAGING.check(stagingPlan(FIXED_STAGING, database()), DATABASE_NEEDS_10_S);
      TimeoutPolicy.Check declared = FIXED_STAGING.check(stagingPlan(FIXED_STAGING,
          Step.critical("connect-database", "database").expects(Duration.ofSeconds(10)).run(ok())), Map.of());

      assertThat(observed.ok()).as("whether a 15 s database base passes when 10 s were observed").isTrue();
      assertThat(observed.errors()).as("errors with a 15 s database base").isEmpty();
      assertThat(observed.warnings()).as("warnings with a 15 s database base under 60 s").isEmpty();
      assertThat(declared.ok()).as("whether a 15 s database base passes when 10 s are declared").isTrue();
    }

    private StartupPlan keysAndClients(TimeoutPolicy policy, boolean concurrent) {
      Step keys = Step.critical("load-keys", "keys").expects(Duration.ofSeconds(3)).run(ok());
      Step clients = Step.critical("build-clients", "clients").expects(Duration.ofSeconds(4)).run(ok());
      return Plans.plan(policy, new Phase("dependencies", concurrent, java.util.List.of(keys, clients)));
    }

    @Test
    void concurrentPhaseNeedsItsLongestStepAndSequentialPhaseTheSum() {
      TimeoutPolicy policy = new TimeoutPolicy(Map.of(), Duration.ofSeconds(5), 1, 1, Duration.ofSeconds(5));

      TimeoutPolicy.Check concurrent = policy.check(keysAndClients(policy, true), Map.of());
      TimeoutPolicy.Check sequential = policy.check(keysAndClients(policy, false), Map.of());

      assertThat(concurrent.ok()).as("whether steps of 3 s and 4 s fit 5 s side by side").isTrue();
      assertThat(sequential.ok()).as("whether steps of 3 s and 4 s fit 5 s one after the other").isFalse();
      assertThat(sequential.errors()).as("errors of the sequential phase").singleElement()
          .satisfies(p -> assertThat(p.message()).as("critical path error").contains("7.0 s").contains("5.0 s"));
    }

    @Test
    void worstCaseOverTheBudgetIsAWarningNotAnError() {
      TimeoutPolicy policy = new TimeoutPolicy(Map.of(), Duration.ofSeconds(3), 1, 1, Duration.ofSeconds(5));
      StartupPlan plan = Plans.plan(policy, Phase.sequential("dependencies",
          Step.critical("load-keys", "keys").expects(Duration.ofSeconds(1)).run(ok()),
          Step.critical("build-clients", "clients").expects(Duration.ofSeconds(1)).run(ok())));

      TimeoutPolicy.Check check = policy.check(plan, Map.of());

      assertThat(check.ok()).as("whether a path needing 2 s of a 5 s budget passes").isTrue();
      assertThat(check.warnings()).as("warnings when both 3 s timeouts together exceed 5 s").singleElement()
          .satisfies(p -> assertThat(p.message()).as("worst-case warning").contains("6.0 s").contains("5.0 s"));
    }

    @Test
    void optionalStepsDoNotCount() {
      StartupPlan plan = Plans.plan(SEED_STAGING, Phase.sequential("finalize",
          Step.optional("export-metrics", "metrics").expects(Duration.ofSeconds(100)).run(ok())));

      TimeoutPolicy.Check check = SEED_STAGING.check(plan, Map.of());

      assertThat(check.errors()).as("errors from an optional step").isEmpty();
      assertThat(check.warnings()).as("warnings from an optional step").isEmpty();
    }

    @Test
    void placeholderIsCheckedForWhatItDeclaresButItsTimeoutIsNotWorstCase() {
      StartupPlan plan = Plans.plan(SEED_STAGING, Phase.sequential("finalize",
          Step.critical("start-supervisor", "agents").expects(Duration.ofSeconds(100)).placeholder("not built yet")));
      assertThat(SEED_STAGING.check(plan, Map.of()).errors()).as("a placeholder's declared need against its timeout")
          .extracting(TimeoutPolicy.Problem::message).anySatisfy(m -> assertThat(m).contains("start-supervisor", "below"));

      StartupPlan undeclared = Plans.plan(SEED_STAGING, Phase.sequential("finalize",
          Step.critical("a-supervisor", "agents").placeholder("not built yet"),
          Step.critical("b-supervisor", "agents").placeholder("not built yet"),
          Step.critical("c-supervisor", "agents").placeholder("not built yet"),
          Step.critical("d-supervisor", "agents").placeholder("not built yet"),
          Step.critical("e-supervisor", "agents").placeholder("not built yet"),
          Step.critical("f-supervisor", "agents").placeholder("not built yet"),
          Step.critical("g-supervisor", "agents").placeholder("not built yet")));
      TimeoutPolicy.Check check = SEED_STAGING.check(undeclared, Map.of());
      assertThat(check.errors()).as("errors from placeholders that declare nothing").isEmpty();
      assertThat(check.warnings()).as("placeholders do no work, so their timeouts are not a worst case").isEmpty();
    }
  }
}

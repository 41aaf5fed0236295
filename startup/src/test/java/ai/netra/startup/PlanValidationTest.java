package ai.netra.startup;

import static ai.netra.startup.Plans.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/** A plan, its phases, steps and retries refuse to be built wrong, and say what is wrong. */
class PlanValidationTest {

  @Test
  void planRejectsTwoStepsWithTheSameNameNamingTheStep() {
    assertThatThrownBy(() -> Plans.plan(Plans.roomyPolicy(),
        Phase.sequential("database", Step.critical("connect", "database").run(ok())),
        Phase.sequential("cache", Step.critical("connect", "redis").run(ok()))))
        .as("a plan with two steps named connect")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("step connect")
        .hasMessageContaining("twice");
  }

  @Test
  void planRejectsTwoPhasesWithTheSameName() {
    assertThatThrownBy(() -> Plans.plan(Plans.roomyPolicy(),
        Phase.sequential("init", Step.critical("a", "settings").run(ok())),
        Phase.sequential("init", Step.critical("b", "settings").run(ok()))))
        .as("a plan with two phases named init")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("phase init");
  }

  @Test
  void planRejectsNoPhases() {
    assertThatThrownBy(() -> StartupPlan.of(List.of(), Plans.roomyPolicy())).as("a plan without phases")
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void phaseRejectsHavingNoSteps() {
    assertThatThrownBy(() -> Phase.sequential("init")).as("a phase without steps")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("init")
        .hasMessageContaining("no steps");
    assertThatThrownBy(() -> new Phase("init", true, List.of())).as("a concurrent phase without steps")
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {" "})
  void phaseRejectsAMissingName(String name) {
    assertThatThrownBy(() -> Phase.sequential(name, Step.critical("a", "settings").run(ok())))
        .as("a phase named '%s'", name)
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {"Connect", "connect database", "1st-step", "connect_database", "-connect", "connect.db"})
  void stepRejectsANameThatIsNotLowerCaseWordsJoinedByDashes(String name) {
    assertThatThrownBy(() -> Step.critical(name, "database").run(ok())).as("a step named '%s'", name)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("step name");
  }

  @ParameterizedTest
  @ValueSource(strings = {"connect", "connect-database", "step2"})
  void stepAcceptsLowerCaseWordsJoinedByDashes(String name) {
    assertThat(Step.critical(name, "database").run(ok()).name()).as("name of a step named '%s'", name).isEqualTo(name);
  }

  @ParameterizedTest
  @ValueSource(strings = {"Database", "data-base", "9db"})
  void stepRejectsABadComponentNamingTheStep(String component) {
    assertThatThrownBy(() -> Step.critical("connect-database", component).run(ok()))
        .as("a step of component '%s'", component)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("connect-database")
        .hasMessageContaining("component");
  }

  @Test
  void stepBuilderKeepsWhatItWasGiven() {
    Retry retry = new Retry(3, Duration.ofMillis(10), Duration.ofMillis(100), 0.1);
    Step step = Step.optional("connect-redis", "redis")
        .retry(retry).validation().settings("REDIS_URL", "REDIS_PASSWORD").hint("start redis")
        .expects(Duration.ofSeconds(2)).run(ok());

    assertThat(step.criticality()).as("criticality").isEqualTo(Criticality.OPTIONAL);
    assertThat(step.retry()).as("retry").isEqualTo(retry);
    assertThat(step.validation()).as("validation flag").isTrue();
    assertThat(step.settings()).as("settings").containsExactly("REDIS_URL", "REDIS_PASSWORD");
    assertThat(step.hint()).as("hint").isEqualTo("start redis");
    assertThat(step.expected()).as("expected duration").contains(Duration.ofSeconds(2));
    assertThat(step.placeholder()).as("placeholder reason of a real step").isEmpty();
  }

  @Test
  void retryRejectsZeroAttempts() {
    assertThatThrownBy(() -> new Retry(0, Duration.ofMillis(10), Duration.ofMillis(100), 0)).as("a retry of 0 attempts")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxAttempts");
    assertThatThrownBy(() -> new Retry(-2, Duration.ofMillis(10), Duration.ofMillis(100), 0)).as("a retry of -2 attempts")
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void retryRejectsABackoffThatDoesNotGrowAndAJitterOfOneOrMore() {
    assertThatThrownBy(() -> new Retry(3, Duration.ofMillis(100), Duration.ofMillis(100), 0))
        .as("a backoff from 100 ms to 100 ms").isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Retry(3, Duration.ZERO, Duration.ofMillis(100), 0))
        .as("a backoff from zero").isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Retry(3, Duration.ofMillis(10), Duration.ofMillis(100), 1.0))
        .as("a jitter of 1").isInstanceOf(IllegalArgumentException.class).hasMessageContaining("jitter");
  }

  @Test
  void untilTimeoutRetriesWithoutAnAttemptLimit() {
    Retry retry = Retry.untilTimeout(Duration.ofMillis(50), Duration.ofSeconds(1));

    assertThat(retry.maxAttempts()).as("attempt limit of a retry until the timeout").isEqualTo(-1);
    assertThat(retry.jitter()).as("jitter of a retry until the timeout").isEqualTo(0.25);
  }
}

package ai.netra.startup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Per-component timeouts from the policy. */
class TimeoutPolicyTest {

  /** The seed staging policy that shipped the issue-586 trap: the database gets 2.3 s but needs 10 s. */
  private static final TimeoutPolicy SEED_STAGING = new TimeoutPolicy(
      Map.of("database", Duration.ofSeconds(3), "redis", Duration.ofMillis(1_500)),
      Duration.ofSeconds(1), 0.7, 1.1, Duration.ofSeconds(5));

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
}

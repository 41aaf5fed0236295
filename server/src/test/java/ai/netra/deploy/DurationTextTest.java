package ai.netra.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationTextTest {

  @Test
  void readsTheWaysOperatorsWriteTimeouts() {
    assertThat(DurationText.parse("20s")).as("20s").isEqualTo(Duration.ofSeconds(20));
    assertThat(DurationText.parse("500ms")).as("500ms").isEqualTo(Duration.ofMillis(500));
    assertThat(DurationText.parse("1.5s")).as("1.5s").isEqualTo(Duration.ofMillis(1500));
    assertThat(DurationText.parse("4m")).as("4m").isEqualTo(Duration.ofMinutes(4));
    assertThat(DurationText.parse("1m30s")).as("1m30s").isEqualTo(Duration.ofSeconds(90));
    assertThat(DurationText.parse(" 2H ")).as("upper case, spaces").isEqualTo(Duration.ofHours(2));
    assertThat(DurationText.parse("PT45S")).as("ISO-8601").isEqualTo(Duration.ofSeconds(45));
    assertThat(DurationText.parse("0")).as("a bare zero: no latency").isZero();
    assertThat(DurationText.parse("0s")).isZero();
  }

  @Test
  void refusesWhatIsNotADurationNamingTheValue() {
    for (String bad : new String[] {"", "20", "s", "20 s", "20x", "-1s", "1s 2s", "PT-5S", "P1Y"}) {
      assertThatThrownBy(() -> DurationText.parse(bad)).as("'%s'", bad).isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> DurationText.parse("20x")).hasMessageContaining("'20x'");
  }

  @Test
  void printsMillisecondsBelowASecondAndSecondsAbove() {
    assertThat(DurationText.millis(850)).isEqualTo("850 ms");
    assertThat(DurationText.millis(1250)).isEqualTo("1.25 s");
    assertThat(DurationText.millis(240_000)).isEqualTo("240 s");
    assertThat(DurationText.format(Duration.ofSeconds(2))).isEqualTo("2 s");
  }
}

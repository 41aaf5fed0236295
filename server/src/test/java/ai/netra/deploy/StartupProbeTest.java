package ai.netra.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class StartupProbeTest {

  private static void assertValid(StartupProbe p) {
    assertThat(p.window()).as("initialDelay + period x threshold of %s", p).isEqualTo(
        p.initialDelaySeconds() + p.periodSeconds() * p.failureThreshold());
    assertThat(p.window()).as("window of %s within Cloud Run's 240 s", p).isLessThanOrEqualTo(240);
    assertThat(p.failureThreshold()).as("failure threshold of %s", p).isBetween(1, 60);
    assertThat(p.timeoutSeconds()).as("timeout of %s fits its period", p).isLessThanOrEqualTo(p.periodSeconds());
    assertThat(p.initialDelaySeconds()).as("no initial delay: the port answers at once").isZero();
  }

  @Test
  void windowCoversTheBudgetWithTimeForTheFailureRecord() {
    for (int budget : new int[] {5, 30, 59, 60, 61, 115, 116, 150, 200, 235}) {
      StartupProbe p = StartupProbe.of(Duration.ofSeconds(budget), null, null);
      assertValid(p);
      assertThat(p.window()).as("window for a %d s budget", budget).isGreaterThanOrEqualTo(budget + 5);
      assertThat(p.fits()).as("a declared budget alone always fits").isTrue();
    }
  }

  @Test
  void windowCoversTwiceTheMeasuredStartAndAtLeastTenSecondsMore() {
    StartupProbe fast = StartupProbe.of(Duration.ofSeconds(5), Duration.ofMillis(1800), "r.json");
    assertValid(fast);
    assertThat(fast.window()).as("1.8 s measured: at least 1.8 + 10 s").isGreaterThanOrEqualTo(12);
    StartupProbe slow = StartupProbe.of(Duration.ofSeconds(5), Duration.ofSeconds(70), "r.json");
    assertValid(slow);
    assertThat(slow.window()).as("70 s measured: at least twice").isGreaterThanOrEqualTo(140);
    assertThat(slow.periodSeconds()).as("a 140 s window probes every 4 s to keep the threshold small").isEqualTo(4);
    assertThat(slow.fits()).isTrue();
  }

  @Test
  void shortWindowsProbeEverySecondSoTrafficArrivesRightAfterReady() {
    StartupProbe p = StartupProbe.of(Duration.ofSeconds(20), Duration.ofMillis(900), "r.json");
    assertThat(p.periodSeconds()).isEqualTo(1);
    assertThat(p.failureThreshold()).as("20 s budget + 5 s").isEqualTo(25);
  }

  @Test
  void aStartThatNeedsMoreThanCloudRunAllowsIsCappedAndDoesNotFit() {
    StartupProbe p = StartupProbe.of(Duration.ofSeconds(240), Duration.ofSeconds(150), "r.json");
    assertValid(p);
    assertThat(p.window()).isEqualTo(240);
    assertThat(p.measuredTarget()).as("150 s x 2").isEqualTo(300);
    assertThat(p.fits()).as("300 s needed, 240 s allowed").isFalse();
  }

  @Test
  void theDefaultBudgetGetsTheWholeWindow() {
    StartupProbe p = StartupProbe.of(Duration.ofSeconds(240), Duration.ofMillis(1800), "r.json");
    assertValid(p);
    assertThat(p.window()).isEqualTo(240);
    assertThat(p.fits()).as("only the measured start decides whether it fits").isTrue();
  }

  @Test
  void aGivenWindowIsCoveredWithThePeriodThePlanPicksOrAGivenOne() {
    StartupProbe picked = StartupProbe.covering(Duration.ofSeconds(90), 0, "--timeout 90s");
    assertValid(picked);
    assertThat(picked.periodSeconds()).as("90 s: every 2 s keeps the threshold at most 60").isEqualTo(2);
    assertThat(picked.window()).isEqualTo(90);
    StartupProbe given = StartupProbe.covering(Duration.ofSeconds(90), 4, "--probe-period 4s");
    assertThat(given.failureThreshold()).as("90 s every 4 s, rounded up").isEqualTo(23);
  }
}

package ai.netra.health;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.testing.BusyCarriers;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class HealthMonitorTest {

  /**
   * A healthy dependency stays healthy while the instance's virtual threads keep its CPU busy (a storm of socket
   * upgrades on one CPU): the checks and the waits for them do not queue behind that work.
   */
  @Test
  void checksAnswerWhileEveryCarrierIsBusy() throws Exception {
    HealthCheck database = new HealthCheck() {
      @Override
      public String name() {
        return "database";
      }

      @Override
      public boolean critical() {
        return true;
      }

      @Override
      public Result check(Duration timeout) {
        return Result.healthy("answers");
      }
    };
    try (HealthMonitor monitor = new HealthMonitor(Duration.ofMillis(200), Duration.ofMillis(150));
        BusyCarriers busy = new BusyCarriers()) {
      monitor.register(database);
      monitor.start();
      Awaitility.await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20))
          .untilAsserted(() -> assertThat(monitor.results()).singleElement()
              .satisfies(s -> assertThat(s.healthy()).as(s.message()).isTrue()));
      long checkedAt = monitor.results().getFirst().checkedAtMs();
      Awaitility.await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20))
          .until(() -> monitor.results().getFirst().checkedAtMs() > checkedAt);
      assertThat(monitor.results().getFirst().healthy()).as("checked again, still busy").isTrue();
    }
  }
}

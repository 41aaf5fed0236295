package ai.netra.health;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.startup.Outcome;
import ai.netra.startup.StartupReport;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReadinessTest {

  private final AtomicReference<Outcome> outcome = new AtomicReference<>(Outcome.READY);
  private final HealthMonitor monitor = new HealthMonitor(Duration.ofSeconds(1), Duration.ofMillis(500));
  private final Readiness readiness =
      new Readiness(() -> new StartupReport(outcome.get(), "FINALIZE", 900, 240_000, List.of(), null), monitor);

  @AfterEach
  void close() {
    monitor.close();
  }

  @Test
  void aRequestThatBeganBeforeShutdownIsInFlightAndOneThatBeganAfterIsNewWork() {
    readiness.open();
    long before = System.nanoTime();
    assertThat(readiness.inFlightAtDrain(before)).as("nothing is draining yet: the gate asks serving()").isFalse();

    readiness.drain();
    long after = System.nanoTime();
    assertThat(readiness.serving()).isFalse();
    assertThat(readiness.inFlightAtDrain(before)).as("began before the drain").isTrue();
    assertThat(readiness.inFlightAtDrain(after)).as("began after the drain").isFalse();
  }

  @Test
  void aServiceThatNeverStartedHasNothingInFlight() {
    outcome.set(Outcome.STARTING); // SIGTERM during the start: nothing was ever let through
    long before = System.nanoTime();
    readiness.drain();
    assertThat(readiness.inFlightAtDrain(before)).isFalse();
  }
}

package ai.netra.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The in-process token buckets: the burst and the rate, and memory that holds only the users active lately. */
class LocalRateLimiterTest {

  private static final long SECOND = 1_000_000_000L;

  @Test
  void aUserGetsTheBurstThenOneTokenPerRefillInterval() {
    AtomicLong now = new AtomicLong();
    LocalRateLimiter limiter = new LocalRateLimiter(3, 2, now::get);
    assertThat(limiter.tryAcquire("a")).isTrue();
    assertThat(limiter.tryAcquire("a")).isTrue();
    assertThat(limiter.tryAcquire("a")).isTrue();
    assertThat(limiter.tryAcquire("a")).as("burst spent").isFalse();
    assertThat(limiter.tryAcquire("b")).as("another user has a bucket of their own").isTrue();
    now.addAndGet(SECOND / 2);
    assertThat(limiter.tryAcquire("a")).as("half a second at 2/s refills one").isTrue();
    assertThat(limiter.tryAcquire("a")).isFalse();
  }

  /** Every user who ever sent a message kept a bucket for the life of the process: memory grew without bound. */
  @Test
  void idleUsersBucketsAreDroppedSoMemoryHoldsOnlyRecentUsers() {
    AtomicLong now = new AtomicLong();
    LocalRateLimiter limiter = new LocalRateLimiter(20, 5, now::get); // full again after 4 s
    for (int i = 0; i < 100_000; i++) {
      limiter.tryAcquire("user-" + i);
    }
    assertThat(limiter.size()).isEqualTo(100_000);

    now.addAndGet(5 * SECOND);
    limiter.tryAcquire("active");

    assertThat(limiter.size()).as("buckets after every old user was idle past the refill time").isEqualTo(1);
  }

  @Test
  void droppingIdleBucketsNeverGivesABusyUserMoreThanTheRate() {
    AtomicLong now = new AtomicLong();
    LocalRateLimiter limiter = new LocalRateLimiter(2, 1, now::get); // full again after 2 s
    int allowed = 0;
    for (int step = 0; step < 100; step++) { // a flooder asking ten times a second for 10 s
      if (limiter.tryAcquire("flooder")) {
        allowed++;
      }
      limiter.tryAcquire("passer-by-" + step); // enough other keys that sweeps run
      now.addAndGet(SECOND / 10);
    }
    assertThat(allowed).as("burst 2 + 1/s over 10 s").isBetween(11, 12);
    assertThat(limiter.size()).as("passers-by idle for the refill time are gone").isLessThanOrEqualTo(2 * 2 * 10 + 1); // at most two refill times of arrivals, 10 a second
  }
}

package ai.netra.cache;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.testing.TestDependencies;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The rate limit shared by every instance, under a flood from many threads at once (as from many
 * instances): the burst, then the rate, and not one message more; another user is not affected.
 */
class RedisRateLimiterTest {

  private static final int BURST = 20;
  private static final double PER_SECOND = 5;

  @Test
  void aFloodFromSixteenThreadsGetsTheBurstAndTheRateAndNoMore() throws Exception {
    try (Redis redis = Redis.connect(TestDependencies.requireRedis(), TestDependencies.redisPrefix("flood"),
        Duration.ofSeconds(5))) {
      RedisRateLimiter limiter = new RedisRateLimiter(redis, BURST, PER_SECOND);
      AtomicInteger allowed = new AtomicInteger();
      AtomicInteger calls = new AtomicInteger();
      Duration flood = Duration.ofMillis(1500);
      long start = System.nanoTime();
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        threads.add(Thread.ofVirtual().start(() -> {
          while (System.nanoTime() - start < flood.toNanos()) {
            calls.incrementAndGet();
            if (limiter.tryAcquire("messages:flooder")) {
              allowed.incrementAndGet();
            }
          }
        }));
      }
      for (Thread thread : threads) {
        thread.join();
      }
      double seconds = (System.nanoTime() - start) / 1e9;

      assertThat(calls.get()).as("the flood really flooded").isGreaterThan(10 * BURST);
      assertThat(redis.errors()).as("Redis answered every call (a failed call is let through, which would hide a leak)")
          .isZero();
      assertThat(allowed.get()).as("allowed of %d calls in %.2f s: the burst of %d plus %.0f a second", calls.get(), seconds,
          BURST, PER_SECOND).isBetween(BURST, BURST + (int) Math.ceil(PER_SECOND * seconds));
      assertThat(limiter.tryAcquire("messages:someone-else")).as("another user's bucket").isTrue();
    }
  }
}

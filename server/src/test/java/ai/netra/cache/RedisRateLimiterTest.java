package ai.netra.cache;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.deploy.net.FaultProxy;
import ai.netra.testing.TestDependencies;
import java.net.URI;
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
      RedisRateLimiter limiter = new RedisRateLimiter(redis, BURST, PER_SECOND, new LocalRateLimiter(BURST, PER_SECOND));
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

  @Test
  void withRedisGoneThisInstancesOwnBucketsHoldTheFloodBackWithoutWaitingOnRedis() throws Exception {
    URI real = URI.create(TestDependencies.requireRedis());
    try (FaultProxy proxy = new FaultProxy(real.getHost(), real.getPort() > 0 ? real.getPort() : 6379, FaultProxy.Mode.FORWARD);
        Redis redis = Redis.connect("redis://127.0.0.1:" + proxy.port(), TestDependencies.redisPrefix("fallback"),
            Duration.ofSeconds(5))) {
      RedisRateLimiter limiter = new RedisRateLimiter(redis, BURST, PER_SECOND, new LocalRateLimiter(BURST, PER_SECOND));
      assertThat(limiter.tryAcquire("messages:before")).as("a call while Redis answers").isTrue();
      proxy.mode(FaultProxy.Mode.BLACK_HOLE);
      proxy.blackHoleOpenConnections();

      long start = System.nanoTime();
      int allowed = 0;
      for (int i = 0; i < 200; i++) {
        if (limiter.tryAcquire("messages:flooder")) {
          allowed++;
        }
      }
      Duration took = Duration.ofNanos(System.nanoTime() - start);

      assertThat(allowed).as("allowed of 200 calls while Redis is black-holed: the burst, counted here")
          .isBetween(BURST, BURST + (int) Math.ceil(PER_SECOND * took.toNanos() / 1e9) + 1);
      assertThat(took).as("200 calls, only the first of which waits for Redis (2 s at most)")
          .isLessThan(Duration.ofSeconds(4));
      proxy.resumeOpenConnections();
    }
  }
}

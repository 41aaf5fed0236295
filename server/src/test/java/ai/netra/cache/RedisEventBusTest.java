package ai.netra.cache;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.deploy.net.FaultProxy;
import ai.netra.testing.BusyCarriers;
import ai.netra.testing.TestDependencies;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The event bus: messages reach every instance's subscribers once and in order; and its subscription against a
 * path that drops packets: whether it was confirmed before
 * (pongs stop) or its subscribe was never answered, it is made again once Redis is back, and the
 * listeners hear since when messages may be missing.
 */
class RedisEventBusTest {

  /** Long enough for the watchdog to take a silent subscription for lost and for a new one to come up. */
  private static final Duration BACK_WITHIN = RedisEventBus.PONG_WITHIN.plus(RedisEventBus.PING_EVERY).plusSeconds(5);

  /**
   * What the chat's fan-out relies on: every message published, alone or in a batch, reaches the other instance's
   * subscriber once, in the order it was published, and the sending instance's own subscriber too.
   */
  @Test
  void messagesReachAnotherInstanceOnceAndInOrder() throws Exception {
    String prefix = TestDependencies.redisPrefix("bus-order");
    String url = TestDependencies.requireRedis();
    try (Redis one = Redis.connect(url, prefix, Duration.ofSeconds(5));
        Redis other = Redis.connect(url, prefix, Duration.ofSeconds(5))) {
      RedisEventBus sender = new RedisEventBus(one);
      RedisEventBus receiver = new RedisEventBus(other);
      try {
        List<String> got = new CopyOnWriteArrayList<>();
        List<String> echoed = new CopyOnWriteArrayList<>();
        receiver.subscribe("events", got::add);
        sender.subscribe("events", echoed::add);
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
          sender.publish("events", "ready?");
          return got.contains("ready?") && echoed.contains("ready?");
        });
        got.clear();
        echoed.clear();
        int n = 2_000;
        for (int i = 0; i < n / 2; i++) {
          sender.publish("events", "event " + i);
        }
        for (int i = n / 2; i < n; i += 7) { // batches, as a run's writer publishes them: one round trip each
          sender.publish("events", java.util.stream.IntStream.range(i, Math.min(n, i + 7)).mapToObj(k -> "event " + k)
              .toList());
        }
        List<String> expected = java.util.stream.IntStream.range(0, n).mapToObj(i -> "event " + i).toList();
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
          assertThat(got).as("the other instance's subscriber").filteredOn(m -> m.startsWith("event ")).hasSize(n);
          assertThat(echoed).as("the sending instance's own subscriber").filteredOn(m -> m.startsWith("event ")).hasSize(n);
        });
        assertThat(got.stream().filter(m -> m.startsWith("event ")).toList()).as("once each, in publish order")
            .isEqualTo(expected);
        assertThat(echoed.stream().filter(m -> m.startsWith("event ")).toList()).isEqualTo(expected);
      } finally {
        sender.close();
        receiver.close();
      }
    }
  }

  /**
   * While the instance's virtual threads keep its CPU busy (a storm of socket upgrades on one CPU), published messages
   * still arrive, and the watchdog does not take the live subscription for silent.
   */
  @Test
  void messagesArriveWhileEveryCarrierIsBusy() throws Exception {
    String prefix = TestDependencies.redisPrefix("bus-busy");
    try (Redis redis = Redis.connect(TestDependencies.requireRedis(), prefix, Duration.ofSeconds(5))) {
      RedisEventBus bus = new RedisEventBus(redis);
      try {
        List<String> got = new CopyOnWriteArrayList<>();
        List<Instant> lost = new CopyOnWriteArrayList<>();
        bus.subscribe("events", got::add);
        bus.whenReconnected(lost::add);
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
          bus.publish("events", "ready?");
          return got.contains("ready?");
        });
        try (BusyCarriers busy = new BusyCarriers()) {
          long until = System.nanoTime() + RedisEventBus.PONG_WITHIN.plus(RedisEventBus.PING_EVERY).toNanos();
          for (int i = 0; System.nanoTime() < until; i++) {
            String message = "busy " + i;
            bus.publish("events", message);
            Awaitility.await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(10))
                .until(() -> got.contains(message));
            Thread.sleep(500);
          }
        }
        assertThat(lost).as("subscriptions made again while the carriers were busy").isEmpty();
      } finally {
        bus.close();
      }
    }
  }

  @Test
  void aSubscribeNeverAnsweredIsMadeAgainOnceRedisIsBack() throws Exception {
    URI real = URI.create(TestDependencies.requireRedis());
    try (FaultProxy proxy = new FaultProxy(real.getHost(), real.getPort() > 0 ? real.getPort() : 6379, FaultProxy.Mode.FORWARD);
        Redis redis = Redis.connect("redis://127.0.0.1:" + proxy.port(), TestDependencies.redisPrefix("bus"),
            Duration.ofSeconds(5))) {
      proxy.mode(FaultProxy.Mode.BLACK_HOLE); // the bus's own connection is opened into the black hole
      RedisEventBus bus = new RedisEventBus(redis);
      try {
        List<String> got = new CopyOnWriteArrayList<>();
        List<Instant> reconnects = new CopyOnWriteArrayList<>();
        bus.subscribe("events", got::add);
        bus.whenReconnected(reconnects::add);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> proxy.openConnections() > 0);
        Instant blackHoled = Instant.now();

        proxy.mode(FaultProxy.Mode.FORWARD); // the path is back; the connection held in the hole stays dead

        Awaitility.await().atMost(BACK_WITHIN).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
          try {
            bus.publish("events", "hello");
          } catch (RuntimeException stillDown) {
            // the pool's connections come back too
          }
          assertThat(got).as("a message published after Redis came back").contains("hello");
        });
        assertThat(reconnects).as("the listeners hear since when messages may be missing").isNotEmpty();
        assertThat(reconnects.getFirst()).as("no later than the black hole began").isBeforeOrEqualTo(Instant.now())
            .isAfter(blackHoled.minusSeconds(30));
      } finally {
        bus.close();
      }
    }
  }
}

package ai.netra.cache;

import java.time.Duration;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;

/**
 * Redis pub/sub between instances. One connection per process listens to every channel under the
 * prefix and hands messages to local subscribers; when it drops, it reconnects with backoff.
 */
public final class RedisEventBus implements EventBus {

  private static final Logger log = LoggerFactory.getLogger(RedisEventBus.class);

  private final Redis redis;
  private final Subscribers subscribers = new Subscribers();
  private final Thread listener;
  private volatile boolean closed;
  private volatile JedisPubSub pubSub;

  public RedisEventBus(Redis redis) {
    this.redis = redis;
    this.listener = Thread.ofVirtual().name("redis-events").start(this::listen);
  }

  @Override
  public void publish(String channel, String message) {
    try {
      redis.client().publish(redis.key(channel), message);
    } catch (RuntimeException e) {
      redis.failed();
      throw e;
    }
  }

  @Override
  public AutoCloseable subscribe(String channel, Consumer<String> listener) {
    return subscribers.add(channel, listener);
  }

  @Override
  public String kind() {
    return "redis";
  }

  private void listen() {
    Duration backoff = Duration.ofMillis(100);
    String pattern = redis.prefix() + "*";
    while (!closed) {
      // A subscribed connection blocks in read, so it gets no socket timeout; it is closed to stop it.
      try (Jedis jedis = redis.openConnection()) {
        jedis.getClient().setTimeoutInfinite();
        JedisPubSub handler = new JedisPubSub() {
          @Override
          public void onPMessage(String p, String channel, String message) {
            subscribers.deliver(channel.substring(redis.prefix().length()), message);
          }
        };
        pubSub = handler;
        backoff = Duration.ofMillis(100);
        jedis.psubscribe(handler, pattern);
      } catch (RuntimeException e) {
        if (closed) {
          return;
        }
        redis.failed();
        log.warn("Redis event subscription lost ({}); reconnecting in {} ms", e.getMessage(), backoff.toMillis());
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException interrupted) {
          return;
        }
        backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(5)) > 0 ? Duration.ofSeconds(5) : backoff.multipliedBy(2);
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    JedisPubSub handler = pubSub;
    if (handler != null && handler.isSubscribed()) {
      try {
        handler.punsubscribe();
      } catch (RuntimeException e) {
        log.debug("unsubscribing: {}", e.toString());
      }
    }
    listener.interrupt();
  }
}

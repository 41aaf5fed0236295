package ai.netra.cache;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.PipelineBase;
import redis.clients.jedis.Protocol;

/**
 * Redis pub/sub between instances. One connection per process listens to every channel under the
 * prefix and hands messages to local subscribers; when it drops, it reconnects with backoff and
 * tells {@link #whenReconnected} listeners since when messages may have been lost (pub/sub keeps
 * nothing for a subscriber that is away). A subscription is pinged every few seconds: one whose
 * pongs stop (a connection a network dropped without a word), or whose subscribe is never answered,
 * is closed and made again.
 */
public final class RedisEventBus implements EventBus {

  private static final Logger log = LoggerFactory.getLogger(RedisEventBus.class);
  /** How often the subscribed connection is pinged. */
  static final Duration PING_EVERY = Duration.ofSeconds(3);
  /** A subscription with no pong for this long is taken for lost. */
  static final Duration PONG_WITHIN = Duration.ofSeconds(10);

  private final Redis redis;
  private final Subscribers subscribers = new Subscribers();
  private final List<Consumer<Instant>> reconnected = new CopyOnWriteArrayList<>();
  private final Thread listener;
  private final Thread watchdog;
  private volatile boolean closed;
  private volatile Handler current;

  public RedisEventBus(Redis redis) {
    this.redis = redis;
    // Platform threads: on virtual ones, the pongs and the watchdog waited for the one carrier of a 1-CPU instance
    // behind every other virtual thread, and a storm of socket upgrades made a live subscription look silent.
    this.listener = Thread.ofPlatform().daemon().name("redis-events").start(this::listen);
    this.watchdog = Thread.ofPlatform().daemon().name("redis-events-ping").start(this::watch);
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
  public void publish(String channel, List<String> messages) {
    if (messages.size() == 1) {
      publish(channel, messages.getFirst());
      return;
    }
    String key = redis.key(channel);
    try (PipelineBase pipeline = redis.client().pipelined()) {
      for (String message : messages) {
        pipeline.sendCommand(Protocol.Command.PUBLISH, key, message); // this Jedis pipeline has no publish of its own
      }
      pipeline.sync();
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
  public void whenReconnected(Consumer<Instant> listener) {
    reconnected.add(listener);
  }

  @Override
  public String kind() {
    return "redis";
  }

  /** One subscribed connection and what is known of its health. */
  private final class Handler extends JedisPubSub {
    final Jedis jedis;
    final Instant lostBefore;
    volatile long lastPongNanos = System.nanoTime();
    volatile Instant lastPong = Instant.now();
    /** The server confirmed the subscription: messages flow from here on. */
    volatile boolean confirmed;

    Handler(Jedis jedis, Instant lostBefore) {
      this.jedis = jedis;
      this.lostBefore = lostBefore;
    }

    @Override
    public void onPSubscribe(String pattern, int subscribedChannels) {
      lastPongNanos = System.nanoTime();
      lastPong = Instant.now();
      confirmed = true;
      if (lostBefore != null) {
        log.info("Redis event subscription is back; messages published since {} are sent again from the database",
            lostBefore);
        for (Consumer<Instant> l : reconnected) {
          try {
            l.accept(lostBefore);
          } catch (RuntimeException e) {
            log.warn("a reconnect listener failed: {}", e.toString());
          }
        }
      }
    }

    @Override
    public void onPMessage(String p, String channel, String message) {
      subscribers.deliver(channel.substring(redis.prefix().length()), message);
    }

    @Override
    public void onPong(String pattern) {
      lastPongNanos = System.nanoTime();
      lastPong = Instant.now();
    }
  }

  private void listen() {
    Duration backoff = Duration.ofMillis(100);
    String pattern = redis.prefix() + "*";
    Instant lostAt = null; // since when messages may be missing; handed over once a subscription is confirmed
    while (!closed) {
      Handler handler = null;
      try (Jedis jedis = redis.openConnection()) {
        // A subscribed connection blocks in read, so it gets no socket timeout; the watchdog closes it if it dies.
        jedis.getClient().setTimeoutInfinite();
        handler = new Handler(jedis, lostAt);
        current = handler;
        if (closed) {
          return; // closed while connecting: close() may have missed this connection, whose read no interrupt ends
        }
        jedis.psubscribe(handler, pattern);
      } catch (RuntimeException e) {
        if (closed) {
          return;
        }
        redis.failed();
        if (handler != null && handler.confirmed) {
          lostAt = handler.lastPong; // what came after its last sign of life may not have arrived
          backoff = Duration.ofMillis(100);
        } else if (lostAt == null) {
          lostAt = Instant.now();
        }
        log.warn("Redis event subscription lost ({}); reconnecting in {} ms", e.getMessage(), backoff.toMillis());
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException interrupted) {
          return;
        }
        backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(2)) > 0 ? Duration.ofSeconds(2) : backoff.multipliedBy(2);
      }
    }
  }

  /** Pings the subscribed connection; closes it when its pongs stop, so that {@link #listen} makes a new one. */
  private void watch() {
    while (!closed) {
      try {
        Thread.sleep(PING_EVERY);
      } catch (InterruptedException e) {
        return;
      }
      Handler handler = current;
      if (handler == null) {
        continue;
      }
      if (handler.isSubscribed()) {
        try {
          handler.ping();
        } catch (RuntimeException e) {
          log.debug("pinging the event subscription: {}", e.toString());
        }
      }
      // Silence counts from the handler's creation too: a subscribe whose answer never comes (a path that
      // drops packets) would otherwise block the listener for good.
      if (System.nanoTime() - handler.lastPongNanos > PONG_WITHIN.toNanos() && handler.jedis.isConnected()) {
        log.warn("Redis event subscription silent for {} s; making a new one", PONG_WITHIN.toSeconds());
        handler.jedis.getClient().disconnect();
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    Handler handler = current;
    if (handler != null && handler.isSubscribed()) {
      try {
        handler.punsubscribe();
      } catch (RuntimeException e) {
        log.debug("unsubscribing: {}", e.toString());
      }
    }
    if (handler != null) {
      handler.jedis.getClient().disconnect(); // an interrupt does not end a platform thread's socket read
    }
    listener.interrupt();
    watchdog.interrupt();
  }
}

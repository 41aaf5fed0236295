package ai.netra.cache;

import java.util.function.Consumer;

/**
 * Delivers messages to every subscriber of a channel on every instance (Redis pub/sub), or within
 * this process when there is no Redis. Delivery is at most once: a subscriber that is not
 * connected misses messages, so anything that must survive is persisted first.
 */
public interface EventBus extends AutoCloseable {

  void publish(String channel, String message);

  /** Publishes {@code messages} in their order; a bus across instances sends them in one round trip. */
  default void publish(String channel, java.util.List<String> messages) {
    for (String message : messages) {
      publish(channel, message);
    }
  }

  /** Calls {@code listener} for each message on {@code channel} until the returned handle is closed. */
  AutoCloseable subscribe(String channel, Consumer<String> listener);

  /**
   * Calls {@code listener} with the moment a subscription was lost each time it is back: what was
   * published in between never arrived. A bus that never loses one never calls it.
   */
  default void whenReconnected(Consumer<java.time.Instant> listener) { }

  /** {@code redis} or {@code in-process}. */
  String kind();

  @Override
  void close();
}

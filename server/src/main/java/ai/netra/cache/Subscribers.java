package ai.netra.cache;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** This process's listeners per channel; a listener that throws never stops the others. */
final class Subscribers {

  private static final Logger log = LoggerFactory.getLogger(Subscribers.class);
  private final Map<String, List<Consumer<String>>> channels = new ConcurrentHashMap<>();

  AutoCloseable add(String channel, Consumer<String> listener) {
    channels.computeIfAbsent(channel, c -> new CopyOnWriteArrayList<>()).add(listener);
    return () -> channels.getOrDefault(channel, List.of()).remove(listener);
  }

  void deliver(String channel, String message) {
    for (Consumer<String> listener : channels.getOrDefault(channel, List.of())) {
      try {
        listener.accept(message);
      } catch (RuntimeException e) {
        log.warn("a subscriber of {} failed: {}", channel, e.toString());
      }
    }
  }

  void clear() {
    channels.clear();
  }
}

package ai.netra.cache;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The event bus of a single instance, for development without Redis. */
public final class LocalEventBus implements EventBus {

  private static final Logger log = LoggerFactory.getLogger(LocalEventBus.class);
  private final Map<String, List<Consumer<String>>> channels = new ConcurrentHashMap<>();

  @Override
  public void publish(String channel, String message) {
    for (Consumer<String> listener : channels.getOrDefault(channel, List.of())) {
      try {
        listener.accept(message);
      } catch (RuntimeException e) {
        log.warn("a subscriber of {} failed: {}", channel, e.toString());
      }
    }
  }

  @Override
  public AutoCloseable subscribe(String channel, Consumer<String> listener) {
    channels.computeIfAbsent(channel, c -> new CopyOnWriteArrayList<>()).add(listener);
    return () -> channels.getOrDefault(channel, List.of()).remove(listener);
  }

  @Override
  public String kind() {
    return "in-process";
  }

  @Override
  public void close() {
    channels.clear();
  }
}

package ai.netra.cache;

import java.util.function.Consumer;

/** The event bus of a single instance, for development without Redis. */
public final class LocalEventBus implements EventBus {

  private final Subscribers subscribers = new Subscribers();

  @Override
  public void publish(String channel, String message) {
    subscribers.deliver(channel, message);
  }

  @Override
  public AutoCloseable subscribe(String channel, Consumer<String> listener) {
    return subscribers.add(channel, listener);
  }

  @Override
  public String kind() {
    return "in-process";
  }

  @Override
  public void close() {
    subscribers.clear();
  }
}

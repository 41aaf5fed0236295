package ai.netra.boot;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the startup steps opened and shutdown must close: last opened, first closed. */
final class OpenResources {

  private static final Logger log = LoggerFactory.getLogger(OpenResources.class);

  private final Deque<Entry> open = new ArrayDeque<>();

  private record Entry(String name, AutoCloseable resource) { }

  /** Registers {@code resource} to be closed at shutdown, before everything registered earlier; returns it. */
  synchronized <T extends AutoCloseable> T closeAtShutdown(String name, T resource) {
    open.push(new Entry(name, resource));
    return resource;
  }

  /** Closes everything registered, newest first, each within what is left of {@code budget}; never throws. */
  void closeAll(Duration budget) {
    Deque<Entry> toClose;
    synchronized (this) {
      toClose = new ArrayDeque<>(open);
      open.clear();
    }
    long deadline = System.nanoTime() + budget.toNanos();
    for (Entry entry : toClose) {
      long left = deadline - System.nanoTime();
      try {
        CompletableFuture.runAsync(() -> {
          try {
            entry.resource().close();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }, Thread.ofVirtual()::start).get(Math.max(left, 1), TimeUnit.NANOSECONDS);
        log.info("closed {}", entry.name());
      } catch (java.util.concurrent.TimeoutException e) {
        log.warn("closing {}: not done within the {} ms of the shutdown left for it; the process exits without waiting"
            + " longer", entry.name(), TimeUnit.NANOSECONDS.toMillis(Math.max(left, 0)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        log.warn("closing {}: interrupted", entry.name());
      } catch (Exception e) {
        Throwable cause = e.getCause() instanceof IllegalStateException wrapped && wrapped.getCause() != null
            ? wrapped.getCause() : e.getCause() == null ? e : e.getCause();
        log.warn("closing {} failed: {}", entry.name(), cause.toString());
      }
    }
  }
}

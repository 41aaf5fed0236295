package ai.netra.health;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs every registered check in the background every {@code interval}, each bounded by
 * {@code timeout}, and keeps the latest results, so that health endpoints answer from memory at
 * once instead of waiting on a dependency. A check that hangs is reported unhealthy when its
 * timeout passes; it never delays the others.
 */
public final class HealthMonitor implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(HealthMonitor.class);

  private final Duration interval;
  private final Duration timeout;
  private final List<HealthCheck> checks = new CopyOnWriteArrayList<>();
  private final Map<String, CheckStatus> latest = new ConcurrentHashMap<>();
  /** Checks still running: a slow check is not started again on top of itself. */
  private final java.util.Set<String> inFlight = ConcurrentHashMap.newKeySet();
  /**
   * Platform threads: the operating system gives them their share of a busy CPU. On virtual threads, a check and the
   * wait for it queued behind every other virtual thread for the one carrier of a 1-CPU instance, so a storm of socket
   * upgrades made healthy dependencies look unanswered.
   */
  private final ExecutorService runners = Executors.newCachedThreadPool(Thread.ofPlatform().daemon().name("health-", 0).factory());
  private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
      Thread.ofPlatform().daemon().name("health-ticker").factory());
  private volatile boolean started;

  public HealthMonitor(Duration interval, Duration timeout) {
    if (!interval.isPositive() || !timeout.isPositive() || timeout.compareTo(interval) > 0) {
      throw new IllegalArgumentException("need 0 < timeout <= interval, were " + timeout + " and " + interval);
    }
    this.interval = interval;
    this.timeout = timeout;
  }

  /** Adds a check and runs it once now, so its first result is there within {@code timeout}. */
  public void register(HealthCheck check) {
    checks.add(check);
    runners.submit(() -> runOne(check));
  }

  /** Starts the periodic runs; idempotent. */
  public synchronized void start() {
    if (!started) {
      started = true;
      ticker.scheduleWithFixedDelay(this::runAll, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** The latest result of every registered check, in registration order; a check not yet run is absent. */
  public List<CheckStatus> results() {
    List<CheckStatus> out = new ArrayList<>();
    for (HealthCheck c : checks) {
      CheckStatus s = latest.get(c.name());
      if (s != null) {
        out.add(s);
      }
    }
    return out;
  }

  private void runAll() {
    for (HealthCheck check : checks) {
      runners.submit(() -> runOne(check));
    }
  }

  private void runOne(HealthCheck check) {
    if (!inFlight.add(check.name())) {
      return; // the previous run has not answered yet; its result (or "no answer") stands
    }
    Future<HealthCheck.Result> result = runners.submit(() -> {
      try {
        return check.check(timeout);
      } finally {
        inFlight.remove(check.name());
      }
    });
    HealthCheck.Result r;
    try {
      r = result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      // Not cancelled with an interrupt: interrupting a JDBC or Redis read closes that connection,
      // so one slow check would break pooled connections. The check ends by its own timeouts.
      r = HealthCheck.Result.unhealthy("no answer within " + timeout.toMillis() + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } catch (Exception e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      r = HealthCheck.Result.unhealthy(cause.getClass().getSimpleName() + ": " + cause.getMessage());
    }
    CheckStatus previous = latest.put(check.name(),
        new CheckStatus(check.name(), check.critical(), r.healthy(), r.message(), System.currentTimeMillis()));
    if (previous != null && previous.healthy() != r.healthy()) {
      if (r.healthy()) {
        log.info("health check {} recovered: {}", check.name(), r.message());
      } else {
        log.warn("health check {} failing: {}", check.name(), r.message());
      }
    }
  }

  @Override
  public void close() {
    ticker.shutdownNow();
    runners.shutdownNow();
  }
}

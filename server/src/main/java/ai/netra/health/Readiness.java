package ai.netra.health;

import ai.netra.startup.Outcome;
import ai.netra.startup.StartupReport;
import java.util.List;
import java.util.function.Supplier;

/**
 * The one place that says whether the service may take traffic: the start must have finished
 * (READY or DEGRADED), the service must not be shutting down, and, to be ready now, every critical
 * health check must pass. Every method answers from memory.
 */
public final class Readiness {

  private final Supplier<StartupReport> startup;
  private final HealthMonitor monitor;
  private volatile boolean opened;
  private volatile boolean draining;
  /** {@link System#nanoTime()} when shutdown began; written before {@link #draining}, so it is set when that is. */
  private volatile long drainedAtNanos;

  public Readiness(Supplier<StartupReport> startup, HealthMonitor monitor) {
    this.startup = startup;
    this.monitor = monitor;
  }

  public StartupReport startup() {
    return startup.get();
  }

  /** True once the start finished READY or DEGRADED and the service {@link #open opened}, until shutdown begins. */
  public boolean serving() {
    return opened && !draining && startup.get().outcome().serving();
  }

  /**
   * The start finished READY or DEGRADED and the service opened: what {@code /health/startup} answers 200 for. Not
   * before {@link #open}: a startup probe that passed while the gate still answered 503 would send traffic too soon.
   */
  public boolean started() {
    return opened && startup.get().outcome().serving();
  }

  /** {@link #serving()} and every critical check currently healthy. */
  public boolean ready() {
    return serving() && checks().stream().allMatch(c -> c.healthy() || !c.critical());
  }

  public List<CheckStatus> checks() {
    return monitor.results();
  }

  public boolean draining() {
    return draining;
  }

  /** The start completed and what it built is in place: requests may come in. */
  public void open() {
    opened = true;
  }

  /** Shutdown began: readiness is false from now on and new work is refused. */
  public void drain() {
    drainedAtNanos = System.nanoTime();
    draining = true;
  }

  /**
   * True for a request that began to arrive ({@link System#nanoTime()} {@code beganNanos}) before shutdown began, to a
   * service that had started: it is in flight and gets its answer, however late its handler runs. A request that began
   * after is new work, and refused.
   */
  public boolean inFlightAtDrain(long beganNanos) {
    return draining && started() && beganNanos - drainedAtNanos < 0;
  }

  /** Why the service is not serving, in one line, or null when it is. */
  public String notServingReason() {
    StartupReport r = startup.get();
    if (draining) {
      return "the service is shutting down";
    }
    if (r.outcome() == Outcome.STARTING) {
      return "the service is starting (phase " + r.phase() + ", " + r.elapsedMs() + " ms of " + r.budgetMs() + " ms budget)";
    }
    if (r.outcome() == Outcome.FAILED) {
      return "the service failed to start at step " + (r.failure() == null ? "?" : r.failure().step()) + " and is exiting";
    }
    if (!opened) {
      return "the service is starting (its start completed " + r.outcome() + "; opening)";
    }
    return null;
  }
}

package ai.netra.startup;

import dev.failsafe.Failsafe;
import dev.failsafe.Policy;
import dev.failsafe.RetryPolicy;
import dev.failsafe.Timeout;
import dev.failsafe.TimeoutExceededException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.Marker;
import org.slf4j.MarkerFactory;

/**
 * Runs a {@link StartupPlan} once: phases in order, each step under its timeout and retry, and
 * keeps a {@link StartupReport} that any thread may read at any time.
 *
 * <p>Guarantees: {@link #run} never throws for a step failure of any kind (including {@link Error}s
 * such as {@code NoClassDefFoundError}); every step ends within its timeout plus one second even
 * when its work ignores interruption; the report lists phases and steps in plan order whatever
 * order concurrent steps finish in. A failed critical step ends the start: the steps after it are
 * {@code SKIPPED} (steps already running in the same concurrent phase finish first).
 */
public final class Startup {

  private static final Logger log = LoggerFactory.getLogger(Startup.class);
  /**
   * Marks a log record written over several lines on purpose, each value in it kept to its line (the startup
   * table): a text layout keeps its line breaks, and escapes them in any other record.
   */
  public static final Marker MULTILINE = MarkerFactory.getMarker("MULTILINE");
  /** How long past a step's timeout we wait for the step to acknowledge it before giving up on it. */
  private static final Duration ABANDON_GRACE = Duration.ofSeconds(1);

  /**
   * How the environment bends the rules.
   *
   * @param degradable components whose critical steps may fail with a dependency failure and leave
   *     the service {@code DEGRADED} instead of failed
   * @param bypassValidation skip {@link Step#validation() validation} steps (never set in production)
   * @param originNanos {@link System#nanoTime()} at process start; elapsed time and the budget count from it
   */
  public record Options(Set<String> degradable, boolean bypassValidation, long originNanos) {
    public Options {
      degradable = Set.copyOf(degradable);
    }
  }

  private final StartupPlan plan;
  private final Options options;
  private final ExecutorService stepThreads =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("startup-step-", 0).factory());

  // All mutable state below is guarded by lock; readers get immutable snapshots.
  private final Object lock = new Object();
  private final List<Entry> entries = new ArrayList<>();
  private final Set<CompletableFuture<?>> running = new LinkedHashSet<>();
  private Outcome outcome = Outcome.STARTING;
  private String currentPhase;
  private StartupFailure failure;
  private boolean started;
  private boolean cancelled;
  private volatile StartupReport snapshot;

  public Startup(StartupPlan plan, Options options) {
    this.plan = plan;
    this.options = options;
    for (Phase phase : plan.phases()) {
      for (Step step : phase.steps()) {
        entries.add(new Entry(phase.name(), step));
      }
    }
    this.currentPhase = plan.phases().getFirst().name();
    publish();
  }

  /**
   * The latest snapshot; cheap, never blocks on running steps. While the start runs, its elapsed
   * time is now's, not the last change's: a step blocked for a minute shows a minute gone.
   */
  public StartupReport report() {
    StartupReport last = snapshot;
    if (last.outcome() != Outcome.STARTING) {
      return last;
    }
    return new StartupReport(last.outcome(), last.phase(), millisSinceOrigin(System.nanoTime()), last.budgetMs(),
        last.phases(), last.failure());
  }

  /**
   * Runs the plan to its end and returns the final report.
   *
   * @throws IllegalStateException if this start was already run
   */
  public StartupReport run() {
    synchronized (lock) {
      if (started) {
        throw new IllegalStateException("startup plan was already run; a Startup runs once");
      }
      started = true;
    }
    long deadline = options.originNanos() + plan.policy().totalBudget().toNanos();
    try {
      for (Phase phase : plan.phases()) {
        synchronized (lock) {
          currentPhase = phase.name();
          publishLocked();
        }
        if (phase.concurrent()) {
          List<CompletableFuture<Void>> all = phase.steps().stream()
              .map(step -> CompletableFuture.runAsync(() -> execute(phase, step, deadline), stepThreads))
              .toList();
          CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
        } else {
          for (Step step : phase.steps()) {
            execute(phase, step, deadline);
          }
        }
      }
    } finally {
      stepThreads.shutdown();
    }
    StartupReport end;
    synchronized (lock) {
      boolean degraded = entries.stream().anyMatch(e -> e.status == StepStatus.DEGRADED);
      outcome = failure != null || cancelled ? Outcome.FAILED : degraded ? Outcome.DEGRADED : Outcome.READY;
      if (failure != null) {
        currentPhase = failure.phase();
      }
      end = publishLocked();
    }
    if (end.outcome() == Outcome.FAILED) {
      log.error(MULTILINE, "startup {} after {} ms of {} ms budget\n{}", end.outcome(), end.elapsedMs(), end.budgetMs(), end.toTable());
    } else {
      log.info(MULTILINE, "startup {} after {} ms of {} ms budget\n{}", end.outcome(), end.elapsedMs(), end.budgetMs(), end.toTable());
    }
    return end;
  }

  /** Stops the start: running steps are interrupted, the rest are skipped, the outcome is FAILED. */
  public void cancel() {
    List<CompletableFuture<?>> toCancel;
    synchronized (lock) {
      cancelled = true;
      toCancel = List.copyOf(running);
    }
    toCancel.forEach(f -> f.cancel(true));
  }

  private void execute(Phase phase, Step step, long deadline) {
    Entry entry = entry(step);
    String stopReason = stopReason();
    if (stopReason != null) {
      skip(entry, stopReason);
      return;
    }
    if (step.placeholder().isPresent()) {
      begin(entry);
      end(entry, StepStatus.PLACEHOLDER, null, "placeholder: " + step.placeholder().get());
      log.info("step {} ({}) is a placeholder: {}", step.name(), step.component(), step.placeholder().get());
      return;
    }
    if (step.validation() && options.bypassValidation()) {
      skip(entry, "bypassed: startup validation is switched off (BYPASS_STARTUP_VALIDATION)");
      log.warn("step {} ({}) SKIPPED: startup validation is bypassed", step.name(), step.component());
      return;
    }
    long startNanos = begin(entry);
    Duration budgetLeft = Duration.ofNanos(deadline - startNanos);
    Duration policyTimeout = plan.policy().timeoutFor(step.component());
    Duration timeout = policyTimeout.compareTo(budgetLeft) <= 0 ? policyTimeout : budgetLeft;
    if (!timeout.isPositive()) {
      fail(phase, step, entry, new DependencyException(
          "the total startup budget of " + TimeoutPolicy.seconds(plan.policy().totalBudget())
              + " was used up before this step could start", "", List.of(), null));
      return;
    }
    Attempts attempts = new Attempts();
    StepContext context = new Context(entry, startNanos + timeout.toNanos(), timeout);
    long deadlineNanos = startNanos + timeout.toNanos();
    CompletableFuture<Void> future = Failsafe.with(policies(step, timeout, deadlineNanos))
        .with(stepThreads)
        .runAsync(() -> attempt(step, entry, context, attempts));
    synchronized (lock) {
      if (cancelled) {
        future.cancel(true);
      } else {
        running.add(future);
      }
    }
    try {
      future.get(timeout.plus(ABANDON_GRACE).toNanos(), TimeUnit.NANOSECONDS);
      end(entry, StepStatus.OK, null, null);
      log.info("step {} ({}) OK in {} ms, attempt {}", step.name(), step.component(),
          (System.nanoTime() - startNanos) / 1_000_000, entry.attempts);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof TimeoutExceededException) {
        fail(phase, step, entry, timedOut(timeout, entry, attempts, deadlineNanos));
      } else if (step.retry() != Retry.NONE && FailureKind.classify(cause) == FailureKind.DEPENDENCY) {
        fail(phase, step, entry, gaveUp(timeout, entry, attempts, cause, deadlineNanos));
      } else {
        fail(phase, step, entry, cause);
      }
    } catch (TimeoutException e) {
      future.cancel(true);
      fail(phase, step, entry, timedOut(timeout, entry, attempts, deadlineNanos));
    } catch (CancellationException | InterruptedException e) {
      future.cancel(true);
      synchronized (lock) {
        cancelled = true; // whoever interrupted the start wants it over: no later step may run
      }
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      end(entry, StepStatus.SKIPPED, null, "cancelled: shutdown requested");
    } finally {
      synchronized (lock) {
        running.remove(future);
      }
    }
  }

  private void attempt(Step step, Entry entry, StepContext context, Attempts attempts) throws Throwable {
    int attempt;
    synchronized (lock) {
      attempt = ++entry.attempts;
      publishLocked();
    }
    long startNanos = System.nanoTime();
    attempts.waiting.set(true);
    MDC.put("step", step.name());
    MDC.put("component", step.component());
    try {
      step.action().run(context);
    } catch (Throwable t) {
      if (isEngineInterrupt(t, context)) {
        attempts.cutOff.set(true); // the timeout's interrupt is not the step's error: keep the one before it
        throw t;
      }
      attempts.failed(attempt, System.nanoTime() - startNanos, t);
      if (FailureKind.classify(t) == FailureKind.DEPENDENCY) {
        boolean again = step.retry() != Retry.NONE && context.remaining().isPositive();
        log.warn("step {} ({}) attempt {} failed after {}: {}{}", step.name(), step.component(), attempt,
            TimeoutPolicy.seconds(Duration.ofNanos(System.nanoTime() - startNanos)), oneLine(t),
            again ? "; retrying within " + TimeoutPolicy.seconds(context.remaining()) + " left" : "");
      }
      throw t;
    } finally {
      attempts.endedNanos = System.nanoTime();
      attempts.waiting.set(false);
      MDC.remove("step");
      MDC.remove("component");
    }
  }

  /**
   * True when {@code t} is the engine's own interrupt: the step's time is up (or the start was
   * cancelled) and {@code t} reports an interruption. A driver's read or connect timeout
   * ({@link java.net.SocketTimeoutException}, which is an {@link java.io.InterruptedIOException})
   * is never the engine's: it is the attempt's error, whenever it happens.
   */
  private boolean isEngineInterrupt(Throwable t, StepContext context) {
    boolean stopped;
    synchronized (lock) {
      stopped = cancelled;
    }
    return (stopped || !context.remaining().isPositive()) && isInterruption(t);
  }

  private static boolean isInterruption(Throwable t) {
    for (Throwable c : causes(t)) {
      if (c instanceof java.net.SocketTimeoutException) {
        return false;
      }
      if (c instanceof java.net.SocketException && "Closed by interrupt".equals(c.getMessage())) {
        return true; // a virtual thread's socket, closed because the thread was interrupted
      }
      if (c instanceof InterruptedException || c instanceof java.io.InterruptedIOException
          || c instanceof java.nio.channels.ClosedByInterruptException) {
        return true;
      }
    }
    return false;
  }

  /**
   * An attempt needs time to be worth making: one started in the last moments of a step would only
   * replace the last real error with "timed out after 0.2 s". Retries stop with less than this left.
   */
  static Duration leastForAnAttempt(Duration timeout) {
    Duration eighth = timeout.dividedBy(8);
    return eighth.compareTo(Duration.ofSeconds(1)) < 0 ? eighth : Duration.ofSeconds(1);
  }

  private static List<Policy<Void>> policies(Step step, Duration timeout, long deadlineNanos) {
    Timeout<Void> limit = Timeout.<Void>builder(timeout).withInterrupt().build();
    if (step.retry() == Retry.NONE) {
      return List.of(limit);
    }
    Retry retry = step.retry();
    // Only a dependency failure may pass by itself; a configuration error or a defect fails the same way every time.
    long least = leastForAnAttempt(timeout).toNanos();
    var builder = RetryPolicy.<Void>builder()
        .handleIf((result, failure) -> failure != null && FailureKind.classify(failure) == FailureKind.DEPENDENCY
            && deadlineNanos - System.nanoTime() > least)
        .withBackoff(retry.initialDelay(), retry.maxDelay());
    if (retry.jitter() > 0) {
      builder.withJitter(retry.jitter());
    }
    if (retry.maxAttempts() == -1) {
      builder.withMaxRetries(-1);
    } else {
      builder.withMaxAttempts(retry.maxAttempts());
    }
    // The timeout is outermost, so it bounds all attempts and the delays between them together.
    return List.of(limit, builder.build());
  }

  private static DependencyException timedOut(Duration timeout, Entry entry, Attempts attempts, long deadlineNanos) {
    Throwable last = attempts.lastFailure.get();
    // Failsafe may report the timeout before or after the interrupted attempt returned; an attempt
    // that ended at the deadline itself (it finished as time ran out) was running then too.
    boolean cutOff = attempts.waiting.get() || attempts.cutOff.get()
        || attempts.endedNanos - deadlineNanos > -Duration.ofMillis(20).toNanos();
    int count = entry.attempts;
    StringBuilder message = new StringBuilder("no success within its " + TimeoutPolicy.seconds(timeout) + " timeout after "
        + count + (count == 1 ? " attempt" : " attempts"));
    if (cutOff) {
      message.append(count == 1 ? "; the attempt" : "; the last attempt").append(" was still waiting when time ran out");
      if (last != null) {
        message.append("; the one before failed: ").append(oneLine(last));
      }
    } else if (last != null) {
      message.append(attempts.longestIfTelling()).append("; last error: ").append(oneLine(last));
    }
    return new DependencyException(message.toString(), "", List.of(), last);
  }

  /** A retried step that stopped before its deadline: too little time was left for another attempt, or it made its most. */
  private static DependencyException gaveUp(Duration timeout, Entry entry, Attempts attempts, Throwable last,
      long deadlineNanos) {
    int count = entry.attempts;
    Duration left = Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime()));
    String message = "no success within its " + TimeoutPolicy.seconds(timeout) + " timeout after " + count
        + (count == 1 ? " attempt" : " attempts") + (left.compareTo(leastForAnAttempt(timeout)) <= 0
            ? "; " + TimeoutPolicy.seconds(left) + " was left, too little for another" : ", its most")
        + attempts.longestIfTelling() + "; last error: " + oneLine(last);
    return new DependencyException(message, "", List.of(), last);
  }

  private void fail(Phase phase, Step step, Entry entry, Throwable error) {
    FailureKind kind = FailureKind.classify(error);
    String message = oneLine(error);
    synchronized (lock) {
      entry.errorKind = kind;
    }
    if (step.criticality() == Criticality.OPTIONAL) {
      end(entry, StepStatus.FAILED, message, null);
      log.warn("optional step {} ({}) FAILED, the service starts without it: {}", step.name(), step.component(), message);
      return;
    }
    if (kind == FailureKind.DEPENDENCY && options.degradable().contains(step.component())) {
      end(entry, StepStatus.DEGRADED, message, "allowed to run degraded by the environment");
      log.warn("DEGRADED: critical step {} ({}) failed and the environment allows {} to run degraded: {}",
          step.name(), step.component(), step.component(), message);
      return;
    }
    end(entry, StepStatus.FAILED, message, null);
    log.error("critical step {} ({}) FAILED ({}): {}", step.name(), step.component(), kind, message);
    Set<String> settings = new LinkedHashSet<>(step.settings());
    String hint = "";
    for (Throwable t : causes(error)) {
      if (t instanceof StartupException se) {
        settings.addAll(se.settings());
        if (hint.isEmpty()) {
          hint = se.hint(); // the failure knows more about what went wrong than the step that declared it
        }
      }
    }
    if (hint.isEmpty()) {
      hint = step.hint().isEmpty() ? defaultHint(kind, step) : step.hint();
    }
    synchronized (lock) {
      if (failure == null) {
        long now = System.nanoTime();
        failure = new StartupFailure(phase.name(), step.name(), step.component(), kind, kind.exitCode(),
            causeChain(error), List.copyOf(settings), hint, millisSinceOrigin(now),
            plan.policy().totalBudget().toMillis());
        publishLocked();
      }
    }
  }

  private static String defaultHint(FailureKind kind, Step step) {
    return switch (kind) {
      case CONFIGURATION -> "fix the settings named in this record and deploy again";
      case DEPENDENCY -> "check that " + step.component() + " is reachable from this instance and answers within its timeout"
          + " (raise STARTUP_TIMEOUT_" + step.component().toUpperCase() + "_S only if it is known to be slow)";
      case DEFECT -> "this is a defect in the service build, not in its environment: roll back to the previous"
          + " revision and report this record";
    };
  }

  /** One line per cause, outermost first: {@code ClassName: message}. */
  static List<String> causeChain(Throwable error) {
    return causes(error).stream().map(Startup::oneLine).toList();
  }

  /** {@code error} and its causes, outermost first, each once even when the chain loops. */
  static List<Throwable> causes(Throwable error) {
    List<Throwable> chain = new ArrayList<>();
    Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    for (Throwable t = error; t != null && seen.add(t); t = t.getCause()) {
      chain.add(t);
    }
    return chain;
  }

  private static String oneLine(Throwable t) {
    String message = t.getMessage();
    String name = t instanceof StartupException ? "" : t.getClass().getName() + ": ";
    return (name + (message == null ? "(no message)" : message)).replace('\n', ' ').replace('\r', ' ');
  }

  private String stopReason() {
    synchronized (lock) {
      if (cancelled) {
        return "cancelled: shutdown requested";
      }
      if (failure != null) {
        return "not run: the start failed at step " + failure.step();
      }
      return null;
    }
  }

  private Entry entry(Step step) {
    synchronized (lock) {
      for (Entry e : entries) {
        if (e.step == step) {
          return e;
        }
      }
    }
    throw new IllegalArgumentException("step " + step.name() + " is not in this plan");
  }

  private long begin(Entry entry) {
    long now = System.nanoTime();
    synchronized (lock) {
      entry.status = entry.status.moveTo(StepStatus.RUNNING);
      entry.startNanos = now;
      publishLocked();
    }
    return now;
  }

  private void skip(Entry entry, String why) {
    synchronized (lock) {
      entry.status = entry.status.moveTo(StepStatus.SKIPPED);
      entry.detail = why;
      publishLocked();
    }
  }

  private void end(Entry entry, StepStatus status, String error, String detail) {
    long now = System.nanoTime();
    synchronized (lock) {
      entry.status = entry.status.moveTo(status);
      entry.endNanos = now;
      entry.error = error;
      if (detail != null) {
        entry.detail = detail;
      }
      publishLocked();
    }
  }

  private void publish() {
    synchronized (lock) {
      publishLocked();
    }
  }

  private StartupReport publishLocked() {
    List<PhaseReport> phases = new ArrayList<>();
    for (Phase phase : plan.phases()) {
      List<StepReport> steps = new ArrayList<>();
      for (Entry e : entries) {
        if (e.phase.equals(phase.name())) {
          steps.add(e.toReport());
        }
      }
      phases.add(new PhaseReport(phase.name(), PhaseReport.statusOf(steps), steps));
    }
    StartupReport report = new StartupReport(outcome, currentPhase, millisSinceOrigin(System.nanoTime()),
        plan.policy().totalBudget().toMillis(), phases, failure);
    snapshot = report;
    return report;
  }

  private long millisSinceOrigin(long nanos) {
    return Math.max(0, (nanos - options.originNanos()) / 1_000_000);
  }

  /** What the attempts of one step left behind, for its timeout message. */
  private static final class Attempts {
    final AtomicReference<Throwable> lastFailure = new AtomicReference<>();
    /** An attempt is running now. */
    final java.util.concurrent.atomic.AtomicBoolean waiting = new java.util.concurrent.atomic.AtomicBoolean();
    /** The last attempt ended with the engine's interrupt. */
    final java.util.concurrent.atomic.AtomicBoolean cutOff = new java.util.concurrent.atomic.AtomicBoolean();
    /** When the last attempt ended, by {@link System#nanoTime()}; far in the past while none has. */
    volatile long endedNanos = Long.MIN_VALUE / 2;
    private int lastAttempt;
    private long lastNanos;
    private int longestAttempt;
    private long longestNanos;
    private Throwable longestFailure;

    /** Attempt {@code attempt} failed with {@code failure} after {@code tookNanos}. */
    synchronized void failed(int attempt, long tookNanos, Throwable failure) {
      lastFailure.set(failure);
      lastAttempt = attempt;
      lastNanos = tookNanos;
      if (tookNanos > longestNanos) {
        longestAttempt = attempt;
        longestNanos = tookNanos;
        longestFailure = failure;
      }
    }

    /**
     * "; its longest attempt (1, 4.3 s) failed: ..." when an earlier attempt waited at least twice as long as the last
     * one, and a tenth of a second longer at least (attempts refused at once differ by microseconds): its error says
     * more about a slow path than that of a last attempt that had only the rest of the time.
     */
    synchronized String longestIfTelling() {
      if (longestFailure == null || longestAttempt == lastAttempt || longestNanos < 2 * lastNanos
          || longestNanos - lastNanos < Duration.ofMillis(100).toNanos()) {
        return "";
      }
      return "; its longest attempt (" + longestAttempt + ", " + TimeoutPolicy.seconds(Duration.ofNanos(longestNanos))
          + ") failed: " + oneLine(longestFailure);
    }
  }

  /** One step's mutable state; guarded by {@link #lock}. */
  private final class Entry {
    final String phase;
    final Step step;
    StepStatus status = StepStatus.PENDING;
    int attempts;
    long startNanos;
    long endNanos;
    String error;
    FailureKind errorKind;
    String detail;

    Entry(String phase, Step step) {
      this.phase = phase;
      this.step = step;
    }

    StepReport toReport() {
      return new StepReport(step.name(), step.component(), step.criticality(), status, attempts,
          startNanos == 0 ? null : millisSinceOrigin(startNanos),
          endNanos == 0 ? null : millisSinceOrigin(endNanos),
          error, detail, errorKind);
    }
  }

  private final class Context implements StepContext {
    private final Entry entry;
    private final long deadlineNanos;
    private final Duration timeout;

    Context(Entry entry, long deadlineNanos, Duration timeout) {
      this.entry = entry;
      this.deadlineNanos = deadlineNanos;
      this.timeout = timeout;
    }

    @Override
    public Duration remaining() {
      return Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime()));
    }

    @Override
    public Duration timeout() {
      return timeout;
    }

    @Override
    public int attempt() {
      synchronized (lock) {
        return entry.attempts;
      }
    }

    @Override
    public void detail(String detail) {
      synchronized (lock) {
        entry.detail = detail;
        publishLocked();
      }
    }
  }
}

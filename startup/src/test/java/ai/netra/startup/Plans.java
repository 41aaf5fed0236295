package ai.netra.startup;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Small builders shared by the startup engine tests: policies, options, plans and step actions. */
final class Plans {

  /** The budget tests run under unless they are about the budget: large enough never to matter. */
  static final Duration ROOMY_BUDGET = Duration.ofSeconds(30);
  /** Every component's timeout unless a test sets its own: long enough that a healthy step never hits it. */
  static final Duration ROOMY_TIMEOUT = Duration.ofSeconds(5);

  private Plans() { }

  /** Every component gets {@code timeout} (multiplier and margin 1), under a roomy total budget. */
  static TimeoutPolicy policy(Duration timeout) {
    return new TimeoutPolicy(Map.of(), timeout, 1.0, 1.0, ROOMY_BUDGET);
  }

  /** Every component gets {@link #ROOMY_TIMEOUT}. */
  static TimeoutPolicy roomyPolicy() {
    return policy(ROOMY_TIMEOUT);
  }

  /** Nothing degradable, validation on, the process started now. */
  static Startup.Options strict() {
    return new Startup.Options(Set.of(), false, System.nanoTime());
  }

  static Startup.Options degradable(String... components) {
    return new Startup.Options(Set.of(components), false, System.nanoTime());
  }

  static Startup.Options bypassingValidation() {
    return new Startup.Options(Set.of(), true, System.nanoTime());
  }

  static StartupPlan plan(TimeoutPolicy policy, Phase... phases) {
    return StartupPlan.of(List.of(phases), policy);
  }

  static Startup startup(TimeoutPolicy policy, Startup.Options options, Phase... phases) {
    return new Startup(plan(policy, phases), options);
  }

  /** Runs the phases under a roomy policy with strict options and returns the final report. */
  static StartupReport run(Phase... phases) {
    return startup(roomyPolicy(), strict(), phases).run();
  }

  static StepAction ok() {
    return context -> { };
  }

  /** A step action that throws what {@code failure} makes, checked, unchecked or an {@link Error}. */
  static StepAction failingWith(Supplier<? extends Throwable> failure) {
    return context -> {
      throw sneaky(failure.get());
    };
  }

  static StepAction sleeping(Duration duration) {
    return context -> Thread.sleep(duration.toMillis());
  }

  /** Throws {@code t} whatever its type; lets a lambda rethrow a supplied Throwable. */
  @SuppressWarnings("unchecked")
  static <T extends Throwable> RuntimeException sneaky(Throwable t) throws T {
    throw (T) t;
  }

  /** The named step of a report; fails loudly when the report does not list it. */
  static StepReport step(StartupReport report, String name) {
    return report.steps().stream()
        .filter(s -> s.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("the report lists no step " + name + ": " + report.steps()));
  }

  static PhaseReport phase(StartupReport report, String name) {
    return report.phases().stream()
        .filter(p -> p.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("the report lists no phase " + name));
  }

  /** Runs the start on its own (daemon) thread, as the server does while it already serves 503s. */
  static CompletableFuture<StartupReport> runInBackground(Startup startup) {
    return CompletableFuture.supplyAsync(startup::run,
        task -> Thread.ofPlatform().name("test-startup").daemon().start(task));
  }

  /** Waits for {@code latch} at most {@code max}; true when it opened. Never a bare sleep. */
  static boolean opens(CountDownLatch latch, Duration max) throws InterruptedException {
    return latch.await(max.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Waits for the latch (at most {@code max}) and swallows interrupts, like a driver stuck in native I/O. */
  static void awaitIgnoringInterrupts(CountDownLatch latch, Duration max) {
    long end = System.nanoTime() + max.toNanos();
    boolean interrupted = false;
    while (latch.getCount() > 0 && System.nanoTime() < end) {
      try {
        latch.await(end - System.nanoTime(), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Spins (ignoring interrupts) until {@code stop} says so or {@code max} has passed. */
  static void spin(BooleanSupplier stop, Duration max) {
    long end = System.nanoTime() + max.toNanos();
    while (!stop.getAsBoolean() && System.nanoTime() < end) {
      Thread.onSpinWait();
    }
  }

  static long millisSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }
}

package ai.netra.startup;

import static ai.netra.startup.Plans.step;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Step timeouts, retries within them, and the total startup budget. */
class StartupTimeoutTest {

  private static final Duration TIMEOUT = Duration.ofMillis(300);
  /** The engine waits this long past a step's timeout for the step to acknowledge it. */
  private static final long GRACE_MS = 1_000;
  /** Scheduling slack on a loaded two-core CI machine. */
  private static final long SLACK_MS = 400;

  /** Lets steps that ignore interruption stop once the test is done with them. */
  private final CountDownLatch release = new CountDownLatch(1);
  private final AtomicBoolean stopSpinning = new AtomicBoolean();

  @AfterEach
  void releaseAbandonedSteps() {
    release.countDown();
    stopSpinning.set(true);
  }

  private static StartupReport runOne(TimeoutPolicy policy, Step step) {
    return Plans.startup(policy, Plans.strict(), Phase.sequential("database", step)).run();
  }

  @Nested
  class StepTimeout {

    @Test
    void stepSleepingPastItsTimeoutFailsAsADependencyWithinItsTimeout() {
      long start = System.nanoTime();
      StartupReport report = runOne(Plans.policy(TIMEOUT),
          Step.critical("connect-database", "database").run(Plans.sleeping(Duration.ofSeconds(10))));
      long took = Plans.millisSince(start);

      assertThat(took).as("ms until a step sleeping 10 s with a 300 ms timeout ended")
          .isGreaterThanOrEqualTo(TIMEOUT.toMillis())
          .isLessThan(TIMEOUT.toMillis() + GRACE_MS + SLACK_MS);
      StepReport step = step(report, "connect-database");
      assertThat(step.status()).as("status of the timed-out step").isEqualTo(StepStatus.FAILED);
      assertThat(step.error()).as("error of the timed-out step").contains("0.3 s timeout");
      assertThat(report.failure().kind()).as("kind of a timeout").isEqualTo(FailureKind.DEPENDENCY);
      assertThat(report.failure().exitCode()).as("exit code of a timeout").isEqualTo(3);
    }

    @Test
    void stepSpinningWithoutCheckingForInterruptionStillEndsWithinTheGrace() {
      long start = System.nanoTime();
      StartupReport report = runOne(Plans.policy(TIMEOUT), Step.critical("connect-database", "database")
          .run(context -> Plans.spin(stopSpinning::get, Duration.ofSeconds(10))));
      long took = Plans.millisSince(start);

      assertThat(took).as("ms until a step that spins and ignores interruption ended (timeout 300 ms)")
          .isLessThan(TIMEOUT.toMillis() + GRACE_MS + SLACK_MS);
      assertThat(step(report, "connect-database").status()).as("status of the abandoned step").isEqualTo(StepStatus.FAILED);
      assertThat(report.failure().kind()).as("kind of an abandoned step").isEqualTo(FailureKind.DEPENDENCY);
    }

    @Test
    void stepSwallowingInterruptsInABlockingWaitStillEndsWithinTheGrace() {
      long start = System.nanoTime();
      StartupReport report = runOne(Plans.policy(TIMEOUT), Step.critical("connect-database", "database")
          .run(context -> Plans.awaitIgnoringInterrupts(release, Duration.ofSeconds(10))));
      long took = Plans.millisSince(start);

      assertThat(took).as("ms until a step stuck in an uninterruptible wait ended (timeout 300 ms)")
          .isLessThan(TIMEOUT.toMillis() + GRACE_MS + SLACK_MS);
      assertThat(step(report, "connect-database").status()).as("status of the abandoned step").isEqualTo(StepStatus.FAILED);
      assertThat(report.failure().exitCode()).as("exit code of an abandoned step").isEqualTo(3);
    }

    @Test
    void stepSeesItsTimeoutAndTheTimeLeftInItsContext() {
      AtomicReference<Duration> timeout = new AtomicReference<>();
      AtomicReference<Duration> remaining = new AtomicReference<>();
      TimeoutPolicy policy = new TimeoutPolicy(Map.of("database", Duration.ofMillis(400)), Duration.ofSeconds(5),
          2.0, 1.5, Plans.ROOMY_BUDGET);

      runOne(policy, Step.critical("connect-database", "database").run(context -> {
        timeout.set(context.timeout());
        remaining.set(context.remaining());
      }));

      assertThat(timeout.get()).as("timeout the step saw: 400 ms base x 2 multiplier x 1.5 margin")
          .isEqualTo(Duration.ofMillis(1_200));
      assertThat(remaining.get()).as("time left the step saw at its start")
          .isPositive().isLessThanOrEqualTo(Duration.ofMillis(1_200));
    }
  }

  @Nested
  class RetryWithinTheTimeout {

    @Test
    void retryUntilTimeoutRetriesAFailingStepAndNeverRunsPastTheStepTimeout() {
      ConcurrentLinkedQueue<Long> attemptStarts = new ConcurrentLinkedQueue<>();
      AtomicInteger calls = new AtomicInteger();
      Duration timeout = Duration.ofMillis(400);
      StartupReport report = runOne(Plans.policy(timeout), Step.critical("connect-database", "database")
          .retry(Retry.untilTimeout(Duration.ofMillis(10), Duration.ofMillis(40)))
          .run(context -> {
            attemptStarts.add(System.nanoTime());
            throw new ConnectException("connection refused: db.internal:5432 (call " + calls.incrementAndGet() + ")");
          }));

      StepReport step = step(report, "connect-database");
      assertThat(step.status()).as("status of a step that never succeeded").isEqualTo(StepStatus.FAILED);
      assertThat(step.attempts()).as("attempts of a step retried until its 400 ms timeout (10-40 ms backoff)")
          .isGreaterThan(2)
          .isEqualTo(calls.get());
      long first = attemptStarts.peek();
      assertThat(attemptStarts).as("when each attempt started")
          .allSatisfy(at -> assertThat((at - first) / 1_000_000).as("ms after the first attempt")
              .isLessThan(timeout.toMillis()));
      assertThat(step.endMs() - step.startMs()).as("ms the retried step took in all (timeout 400 ms; no attempt is"
              + " started with less than an eighth of it left)")
          .isGreaterThanOrEqualTo(timeout.toMillis() - timeout.toMillis() / 8 - 5)
          .isLessThan(timeout.toMillis() + GRACE_MS);
      assertThat(step.error()).as("error of the timed-out retried step")
          .contains("0.4 s timeout")
          .contains("attempts")
          .contains("last error")
          .contains("connection refused: db.internal:5432 (call ");
      assertThat(report.failure().kind()).as("kind of a retried step that timed out").isEqualTo(FailureKind.DEPENDENCY);
    }

    @Test
    void stepSucceedingOnItsThirdAttemptEndsOkWithThreeAttempts() {
      List<Integer> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
      StartupReport report = runOne(Plans.policy(Duration.ofSeconds(2)), Step.critical("connect-database", "database")
          .retry(Retry.untilTimeout(Duration.ofMillis(10), Duration.ofMillis(40)))
          .run(context -> {
            seen.add(context.attempt());
            if (context.attempt() < 3) {
              throw new IOException("database is starting up");
            }
          }));

      StepReport step = step(report, "connect-database");
      assertThat(step.status()).as("status of a step that succeeded on its third attempt").isEqualTo(StepStatus.OK);
      assertThat(step.attempts()).as("attempts reported").isEqualTo(3);
      assertThat(step.error()).as("error of a step that finally succeeded").isNull();
      assertThat(seen).as("attempt numbers the step saw in its context").containsExactly(1, 2, 3);
      assertThat(report.outcome()).as("outcome after a retried step succeeded").isEqualTo(Outcome.READY);
    }

    @Test
    void timedOutStepThatWasBlockedSaysSoInsteadOfBlamingTheInterrupt() {
      StartupReport report = runOne(Plans.policy(TIMEOUT), Step.critical("connect-database", "database")
          .run(Plans.sleeping(Duration.ofSeconds(10)))); // a connect hanging on a black-holed network path

      assertThat(step(report, "connect-database").error()).as("error of a step that was blocked when it timed out")
          .doesNotContain("InterruptedException")
          .contains("the attempt was still waiting when time ran out");
    }

    @Test
    void aDriversReadTimeoutIsTheAttemptsErrorNotTheEnginesInterrupt() {
      // pgjdbc's sslResponseTimeout ends an attempt with SocketTimeoutException, an InterruptedIOException.
      AtomicInteger calls = new AtomicInteger();
      StartupReport report = runOne(Plans.policy(Duration.ofMillis(500)), Step.critical("connect-database", "database")
          .retry(Retry.untilTimeout(Duration.ofMillis(10), Duration.ofMillis(20)))
          .run(context -> {
            calls.incrementAndGet();
            Thread.sleep(40);
            throw new IOException("the connection attempt failed",
                new java.net.SocketTimeoutException("Read timed out"));
          }));

      StepReport step = step(report, "connect-database");
      assertThat(calls.get()).as("attempts made in 500 ms").isGreaterThan(2);
      assertThat(step.error()).as("error of a step whose every attempt hit the driver's read timeout")
          .contains("java.io.IOException: the connection attempt failed");
      assertThat(report.failure().cause()).as("cause chain of the failure record")
          .anySatisfy(line -> assertThat(line).isEqualTo("java.net.SocketTimeoutException: Read timed out"));
    }

    @Test
    void aDriverTimeoutThatFiresAtTheDeadlineIsStillNamed() {
      // A driver bounded by the step's remaining time fails right at the deadline: its error is still the cause.
      StartupReport report = runOne(Plans.policy(Duration.ofMillis(300)), Step.critical("connect-database", "database")
          .run(context -> {
            long until = System.nanoTime() + context.remaining().toNanos();
            while (System.nanoTime() < until) {
              Thread.onSpinWait();
            }
            throw new java.net.SocketTimeoutException("Read timed out");
          }));

      assertThat(report.failure().cause()).as("cause chain when the driver's timeout met the step's deadline")
          .anySatisfy(line -> assertThat(line).isEqualTo("java.net.SocketTimeoutException: Read timed out"));
    }

    @Test
    void noAttemptStartsInTheLastMomentsToHideTheRealError() {
      // The first attempt's driver gives up just before the deadline; a second one would have a few ms.
      AtomicInteger calls = new AtomicInteger();
      StartupReport report = runOne(Plans.policy(Duration.ofMillis(800)), Step.critical("connect-database", "database")
          .retry(Retry.untilTimeout(Duration.ofMillis(10), Duration.ofMillis(20)))
          .run(context -> {
            calls.incrementAndGet();
            Thread.sleep(context.remaining().minusMillis(60).toMillis());
            throw new IOException("read timed out after 0.7 s waiting for the server's answer to the SSL request");
          }));

      assertThat(calls.get()).as("attempts: none started with 60 ms of 800 ms left").isEqualTo(1);
      assertThat(step(report, "connect-database").error()).as("error of a step that gave up with too little time left")
          .contains("no success within its 0.8 s timeout after 1 attempt", "too little for another",
              "last error: java.io.IOException: read timed out after 0.7 s waiting for the server's answer to the SSL request");
    }

    @Test
    void theLongestAttemptIsNamedWhenTheLastOneHadOnlyTheRestOfTheTime() {
      StartupReport report = runOne(Plans.policy(Duration.ofMillis(1000)), Step.critical("connect-database", "database")
          .retry(Retry.untilTimeout(Duration.ofMillis(10), Duration.ofMillis(20)))
          .run(context -> {
            if (context.attempt() == 1) {
              Thread.sleep(600);
              throw new IOException("read timed out after 0.6 s waiting for the server's answer to the SSL request");
            }
            throw new ConnectException("connection refused (attempt " + context.attempt() + ")");
          }));

      assertThat(step(report, "connect-database").error())
          .containsPattern("its longest attempt \\(1, 0\\.[67] s\\) failed: java.io.IOException: read timed out after 0.6 s")
          .contains("; last error: java.net.ConnectException: connection refused");
    }

    @Test
    void attemptsOfTheSameLengthNameOnlyTheLastError() {
      StartupReport report = runOne(Plans.policy(Duration.ofMillis(300)), Step.critical("connect-database", "database")
          .retry(Retry.untilTimeout(Duration.ofMillis(10), Duration.ofMillis(20)))
          .run(context -> {
            throw new ConnectException("connection refused");
          }));

      assertThat(step(report, "connect-database").error()).doesNotContain("longest attempt")
          .contains("last error: java.net.ConnectException: connection refused");
    }

    @Test
    void aSocketClosedByTheEnginesInterruptIsNotTheAttemptsError() {
      // On a virtual thread, an interrupt closes a blocked socket: SocketException("Closed by interrupt").
      StartupReport report = runOne(Plans.policy(Duration.ofMillis(300)), Step.critical("connect-redis", "redis")
          .run(context -> {
            try {
              Thread.sleep(10_000);
            } catch (InterruptedException e) {
              throw new java.net.SocketException("Closed by interrupt");
            }
          }));

      assertThat(step(report, "connect-redis").error()).as("error of a step whose socket the timeout closed")
          .contains("the attempt was still waiting when time ran out")
          .doesNotContain("Closed by interrupt");
    }

    @Test
    void aBlockedLastAttemptNamesTheErrorOfTheOneBefore() {
      StartupReport report = runOne(Plans.policy(Duration.ofMillis(400)), Step.critical("connect-database", "database")
          .retry(Retry.untilTimeout(Duration.ofMillis(10), Duration.ofMillis(20)))
          .run(context -> {
            if (context.attempt() == 1) {
              throw new ConnectException("Connection refused");
            }
            Thread.sleep(10_000);
          }));

      assertThat(step(report, "connect-database").error()).as("error when the last attempt hung after a refusal")
          .contains("2 attempts")
          .contains("the last attempt was still waiting when time ran out")
          .contains("the one before failed: java.net.ConnectException: Connection refused");
    }
  }

  @Nested
  class TotalBudget {

    @Test
    void stepFailsAtOnceWhenTheTotalStartupBudgetIsUsedUp() {
      AtomicBoolean ran = new AtomicBoolean();
      TimeoutPolicy policy = new TimeoutPolicy(Map.of(), Duration.ofMillis(500), 1.0, 1.0, Duration.ofSeconds(1));
      long twoSecondsAgo = System.nanoTime() - Duration.ofSeconds(2).toNanos();

      StartupReport report = Plans.startup(policy, new Startup.Options(Set.of(), false, twoSecondsAgo),
          Phase.sequential("database", Step.critical("connect-database", "database").run(context -> ran.set(true))))
          .run();

      StepReport step = step(report, "connect-database");
      assertThat(ran).as("whether a step ran after the budget was used up").isFalse();
      assertThat(step.status()).as("status of a step that found no budget left").isEqualTo(StepStatus.FAILED);
      assertThat(step.error()).as("error of a step that found no budget left")
          .contains("total startup budget of 1.0 s was used up");
      assertThat(report.failure().kind()).as("kind of a used-up budget").isEqualTo(FailureKind.DEPENDENCY);
      assertThat(report.failure().elapsedMs()).as("elapsed ms in the failure record, counted from process start")
          .isGreaterThanOrEqualTo(2_000);
      assertThat(report.failure().budgetMs()).as("budget ms in the failure record").isEqualTo(1_000);
      assertThat(report.budgetMs()).as("budget ms in the report").isEqualTo(1_000);
    }

    @Test
    void stepTimeoutIsCappedByTheBudgetLeft() {
      AtomicReference<Duration> seenTimeout = new AtomicReference<>();
      TimeoutPolicy policy = new TimeoutPolicy(Map.of("database", Duration.ofSeconds(30)), Duration.ofSeconds(30),
          1.0, 1.0, Duration.ofSeconds(25));
      // 5 s of the budget left: room for a loaded machine to reach the step, well short of the step's 30 s
      long twentySecondsAgo = System.nanoTime() - Duration.ofSeconds(20).toNanos();

      long start = System.nanoTime();
      StartupReport report = Plans.startup(policy, new Startup.Options(Set.of(), false, twentySecondsAgo),
          Phase.sequential("database", Step.critical("connect-database", "database").run(context -> {
            seenTimeout.set(context.timeout());
            Thread.sleep(30_000);
          }))).run();
      long took = Plans.millisSince(start);

      assertThat(seenTimeout.get()).as("timeout of a 30 s step with at most 5 s of a 25 s budget left")
          .isNotNull().isPositive().isLessThanOrEqualTo(Duration.ofSeconds(5));
      assertThat(took).as("ms the start took with at most 5 s of budget left")
          .isLessThan(5_000 + GRACE_MS + SLACK_MS);
      assertThat(step(report, "connect-database").status()).as("status of the step cut short by the budget")
          .isEqualTo(StepStatus.FAILED);
      assertThat(report.failure().exitCode()).as("exit code when the budget ran out").isEqualTo(3);
    }
  }
}

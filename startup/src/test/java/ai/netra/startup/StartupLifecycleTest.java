package ai.netra.startup;

import static ai.netra.startup.Plans.ok;
import static ai.netra.startup.Plans.opens;
import static ai.netra.startup.Plans.phase;
import static ai.netra.startup.Plans.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Concurrent phases, the live report, running once, and cancelling a start. */
class StartupLifecycleTest {

  private static final Duration WAIT = Duration.ofSeconds(5);

  /** Opens whatever a blocked step waits for, so no step outlives its test. */
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void releaseBlockedSteps() {
    release.countDown();
  }

  @Nested
  class ConcurrentPhases {

    @Test
    void concurrentPhaseRunsItsStepsAtOnce() {
      long start = System.nanoTime();
      StartupReport report = Plans.run(Phase.concurrent("services",
          Step.critical("start-llm-manager", "llm").run(Plans.sleeping(Duration.ofMillis(300))),
          Step.critical("start-supervisor", "agents").run(Plans.sleeping(Duration.ofMillis(300))),
          Step.critical("load-tools", "tools").run(Plans.sleeping(Duration.ofMillis(300)))));
      long took = Plans.millisSince(start);

      assertThat(took).as("ms for a concurrent phase of three steps sleeping 300 ms each (900 ms one by one)")
          .isGreaterThanOrEqualTo(300)
          .isLessThan(750);
      assertThat(report.outcome()).as("outcome of the concurrent phase").isEqualTo(Outcome.READY);
    }

    @Test
    void reportListsStepsInPlanOrderWhateverOrderTheyFinishIn() throws Exception {
      CountDownLatch lastDone = new CountDownLatch(1);
      CountDownLatch middleDone = new CountDownLatch(1);
      ConcurrentLinkedQueue<String> finished = new ConcurrentLinkedQueue<>();
      StartupReport report = Plans.run(
          Phase.concurrent("services",
              Step.critical("first", "llm").run(context -> {
                assertThat(opens(middleDone, WAIT)).as("whether the middle step finished first").isTrue();
                finished.add("first");
              }),
              Step.critical("middle", "agents").run(context -> {
                assertThat(opens(lastDone, WAIT)).as("whether the last step finished first").isTrue();
                finished.add("middle");
                middleDone.countDown();
              }),
              Step.critical("last", "tools").run(context -> {
                finished.add("last");
                lastDone.countDown();
              })),
          Phase.sequential("websocket", Step.critical("open-chat", "websocket").run(ok())));

      assertThat(finished).as("order the concurrent steps finished in").containsExactly("last", "middle", "first");
      assertThat(report.steps()).as("steps in the report").extracting(StepReport::name)
          .containsExactly("first", "middle", "last", "open-chat");
      assertThat(report.phases()).as("phases in the report").extracting(PhaseReport::name)
          .containsExactly("services", "websocket");
      assertThat(report.steps()).as("statuses in the report").extracting(StepReport::status).containsOnly(StepStatus.OK);
    }

    @Test
    void criticalFailureInAConcurrentPhaseLetsTheStepsAlreadyRunningFinish() {
      CountDownLatch siblingStarted = new CountDownLatch(1);
      AtomicBoolean laterPhaseRan = new AtomicBoolean();
      StartupReport report = Plans.run(
          Phase.concurrent("dependencies",
              Step.critical("load-keys", "keys").run(context -> {
                assertThat(opens(siblingStarted, WAIT)).as("whether the sibling step started").isTrue();
                throw new IOException("secret manager unreachable");
              }),
              Step.critical("build-clients", "clients").run(context -> {
                siblingStarted.countDown();
                Thread.sleep(150);
              })),
          Phase.sequential("database", Step.critical("connect-database", "database").run(c -> laterPhaseRan.set(true))));

      assertThat(step(report, "load-keys").status()).as("status of the failed step").isEqualTo(StepStatus.FAILED);
      assertThat(step(report, "build-clients").status()).as("status of its sibling that was already running")
          .isEqualTo(StepStatus.OK);
      assertThat(step(report, "connect-database").status()).as("status of a step in a later phase")
          .isEqualTo(StepStatus.SKIPPED);
      assertThat(laterPhaseRan).as("whether the later phase ran").isFalse();
      assertThat(report.failure().step()).as("step named by the failure record").isEqualTo("load-keys");
      assertThat(report.phase()).as("phase of a failed start: where it failed").isEqualTo("dependencies");
    }
  }

  @Nested
  class LiveReport {

    @Test
    void reportBeforeTheStartListsEveryStepAsPending() {
      Startup startup = Plans.startup(Plans.roomyPolicy(), Plans.strict(),
          Phase.sequential("init", Step.critical("load-settings", "settings").run(ok())),
          Phase.sequential("database", Step.critical("connect-database", "database").run(ok())));

      StartupReport report = startup.report();

      assertThat(report.outcome()).as("outcome before the start").isEqualTo(Outcome.STARTING);
      assertThat(report.phase()).as("phase before the start: the first one").isEqualTo("init");
      assertThat(report.steps()).as("steps before the start").extracting(StepReport::status)
          .containsOnly(StepStatus.PENDING);
      assertThat(report.phases()).as("phases before the start").extracting(PhaseReport::status)
          .containsOnly(StepStatus.PENDING);
      assertThat(report.failure()).as("failure before the start").isNull();
    }

    @Test
    void reportIsReadableFromAnotherThreadWhileAStepRuns() throws Exception {
      CountDownLatch entered = new CountDownLatch(1);
      Startup startup = Plans.startup(Plans.roomyPolicy(), Plans.strict(),
          Phase.sequential("init", Step.critical("load-settings", "settings").run(ok())),
          Phase.sequential("database",
              Step.critical("connect-database", "database").run(context -> {
                entered.countDown();
                assertThat(opens(release, WAIT)).as("whether the test released the step").isTrue();
              }),
              Step.critical("migrate-schema", "database").run(ok())));

      CompletableFuture<StartupReport> end = Plans.runInBackground(startup);
      assertThat(opens(entered, WAIT)).as("whether the database step started").isTrue();
      StartupReport live = startup.report();
      Thread.sleep(120);
      StartupReport later = startup.report();
      release.countDown();

      assertThat(later.elapsedMs() - live.elapsedMs()).as("elapsed ms moves on while a step is blocked")
          .isGreaterThanOrEqualTo(100);

      assertThat(live.outcome()).as("outcome while a step runs").isEqualTo(Outcome.STARTING);
      assertThat(live.phase()).as("phase named while the database step runs").isEqualTo("database");
      assertThat(live.failure()).as("failure while the start is going well").isNull();
      assertThat(step(live, "load-settings").status()).as("status of the step already done").isEqualTo(StepStatus.OK);
      StepReport running = step(live, "connect-database");
      assertThat(running.status()).as("status of the step in progress").isEqualTo(StepStatus.RUNNING);
      assertThat(running.attempts()).as("attempt of the step in progress").isEqualTo(1);
      assertThat(running.startMs()).as("start of the step in progress").isNotNull();
      assertThat(running.endMs()).as("end of the step in progress").isNull();
      assertThat(step(live, "migrate-schema").status()).as("status of the step not started yet")
          .isEqualTo(StepStatus.PENDING);
      assertThat(phase(live, "database").status()).as("status of the phase in progress").isEqualTo(StepStatus.RUNNING);

      StartupReport finalReport = end.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(finalReport.outcome()).as("outcome once the step was released").isEqualTo(Outcome.READY);
      assertThat(startup.report()).as("report after the start: the final one").isEqualTo(finalReport);
    }

    @Test
    void runningTwiceIsRefused() {
      Startup startup = Plans.startup(Plans.roomyPolicy(), Plans.strict(),
          Phase.sequential("init", Step.critical("load-settings", "settings").run(ok())));
      startup.run();

      assertThatThrownBy(startup::run).as("second run of the same start")
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("already run");
    }
  }

  @Nested
  class Cancel {

    @Test
    void cancelDuringASlowStepEndsTheStartQuicklyWithTheRestSkipped() throws Exception {
      CountDownLatch entered = new CountDownLatch(1);
      CountDownLatch interrupted = new CountDownLatch(1);
      AtomicBoolean laterStepRan = new AtomicBoolean();
      Startup startup = Plans.startup(Plans.policy(Duration.ofSeconds(10)), Plans.strict(),
          Phase.sequential("database",
              Step.critical("connect-database", "database").run(context -> {
                Thread.sleep(50); // lets the engine register the attempt before the test cancels it
                entered.countDown();
                try {
                  Thread.sleep(10_000);
                } catch (InterruptedException e) {
                  interrupted.countDown();
                  throw e;
                }
              }),
              Step.critical("migrate-schema", "database").run(context -> laterStepRan.set(true))),
          Phase.sequential("cache", Step.critical("connect-redis", "redis").run(context -> laterStepRan.set(true))));

      CompletableFuture<StartupReport> end = Plans.runInBackground(startup);
      assertThat(opens(entered, WAIT)).as("whether the slow step started").isTrue();
      long cancelledAt = System.nanoTime();
      startup.cancel();
      StartupReport report = end.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);

      assertThat(Plans.millisSince(cancelledAt)).as("ms from cancel to the end of the start").isLessThan(1_000);
      assertThat(opens(interrupted, Duration.ofSeconds(2))).as("whether the slow step was interrupted").isTrue();
      assertThat(report.outcome()).as("outcome of a cancelled start").isEqualTo(Outcome.FAILED);
      assertThat(report.steps()).as("steps of a cancelled start")
          .allSatisfy(s -> {
            assertThat(s.status()).as("status of %s", s.name()).isEqualTo(StepStatus.SKIPPED);
            assertThat(s.detail()).as("why %s was skipped", s.name()).contains("cancelled");
          });
      assertThat(laterStepRan).as("whether a step after the cancel ran").isFalse();
    }

    @Test
    void cancelBeforeTheStartSkipsEveryStep() {
      AtomicBoolean ran = new AtomicBoolean();
      Startup startup = Plans.startup(Plans.roomyPolicy(), Plans.strict(),
          Phase.sequential("init", Step.critical("load-settings", "settings").run(context -> ran.set(true))));
      startup.cancel();

      StartupReport report = startup.run();

      assertThat(ran).as("whether a step of a start cancelled before it began ran").isFalse();
      assertThat(report.outcome()).as("outcome of a start cancelled before it began").isEqualTo(Outcome.FAILED);
      assertThat(step(report, "load-settings").status()).as("status of its step").isEqualTo(StepStatus.SKIPPED);
    }

    @Test
    void interruptingTheStartingThreadDoesNotEndReadyWithACriticalStepSkipped() throws Exception {
      CountDownLatch entered = new CountDownLatch(1);
      Startup startup = Plans.startup(Plans.policy(Duration.ofSeconds(10)), Plans.strict(),
          Phase.sequential("database",
              Step.critical("connect-database", "database").run(context -> {
                entered.countDown();
                Thread.sleep(10_000);
              }),
              Step.critical("migrate-schema", "database").run(ok())));
      FutureTask<StartupReport> task = new FutureTask<>(startup::run);
      Thread starter = Thread.ofPlatform().name("test-starter").daemon().start(task);

      assertThat(opens(entered, WAIT)).as("whether the slow step started").isTrue();
      starter.interrupt();
      StartupReport report = task.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);

      assertThat(step(report, "connect-database").status()).as("status of the interrupted critical step")
          .isNotEqualTo(StepStatus.OK);
      assertThat(report.outcome()).as("outcome of a start whose critical step never completed")
          .isEqualTo(Outcome.FAILED);
      assertThat(step(report, "migrate-schema").status()).as("status of the step after the interrupt")
          .isEqualTo(StepStatus.SKIPPED);
    }
  }

  @Test
  void planListsStepsInOrder() {
    Step a = Step.critical("a", "settings").run(ok());
    Step b = Step.critical("b", "database").run(ok());
    Step c = Step.optional("c", "redis").run(ok());
    StartupPlan plan = Plans.plan(Plans.roomyPolicy(), Phase.sequential("one", a), Phase.concurrent("two", b, c));

    assertThat(plan.steps()).as("steps of the plan").containsExactly(a, b, c);
    assertThat(plan.phases()).as("phases of the plan").extracting(Phase::name).isEqualTo(List.of("one", "two"));
  }
}

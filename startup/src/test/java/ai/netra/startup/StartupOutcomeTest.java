package ai.netra.startup;

import static ai.netra.startup.Plans.failingWith;
import static ai.netra.startup.Plans.ok;
import static ai.netra.startup.Plans.phase;
import static ai.netra.startup.Plans.step;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** How step results decide the outcome of a start: READY, DEGRADED or FAILED with an exit code. */
class StartupOutcomeTest {

  /** Retry every few milliseconds until the step's timeout: the most eager retry a step can have. */
  private static final Retry EAGER = Retry.untilTimeout(Duration.ofMillis(5), Duration.ofMillis(20));

  @Nested
  class Ready {

    @Test
    void allStepsSucceedingMakeTheServiceReady() {
      StartupReport report = Plans.run(
          Phase.sequential("init", Step.critical("load-settings", "settings").run(ok())),
          Phase.concurrent("cache",
              Step.critical("connect-redis", "redis").run(ok()),
              Step.optional("warm-cache", "redis").run(ok())));

      assertThat(report.outcome()).as("outcome of a start where every step succeeded").isEqualTo(Outcome.READY);
      assertThat(report.outcome().serving()).as("a ready service takes traffic").isTrue();
      assertThat(report.failure()).as("failure record of a ready start").isNull();
      assertThat(report.steps()).as("every step of a ready start")
          .allSatisfy(s -> {
            assertThat(s.status()).as("status of step %s", s.name()).isEqualTo(StepStatus.OK);
            assertThat(s.attempts()).as("attempts of step %s", s.name()).isEqualTo(1);
            assertThat(s.startMs()).as("start time of step %s", s.name()).isNotNull();
            assertThat(s.endMs()).as("end time of step %s", s.name()).isNotNull().isGreaterThanOrEqualTo(s.startMs());
            assertThat(s.error()).as("error of step %s", s.name()).isNull();
          });
      assertThat(report.phases()).as("phases of a ready start")
          .extracting(PhaseReport::status).containsOnly(StepStatus.OK);
      assertThat(report.phase()).as("phase named by a finished start: its last phase").isEqualTo("cache");
    }

    @Test
    void aStepCanLeaveADetailForTheReport() {
      StartupReport report = Plans.run(Phase.sequential("cache",
          Step.critical("connect-redis", "redis").run(context -> context.detail("in-memory cache (no REDIS_URL)"))));

      assertThat(step(report, "connect-redis").detail()).as("detail the step reported about itself")
          .isEqualTo("in-memory cache (no REDIS_URL)");
    }

    static Stream<Arguments> anyFailure() {
      return Stream.of(
          Arguments.of("an I/O failure", (Supplier<Throwable>) () -> new IOException("metrics endpoint unreachable")),
          Arguments.of("a defect", (Supplier<Throwable>) () -> new IllegalStateException("metrics registry misbuilt")),
          Arguments.of("a configuration error", (Supplier<Throwable>) () ->
              new ConfigurationException("METRICS_URL is not a URL", "", List.of("METRICS_URL"))),
          Arguments.of("a missing class", (Supplier<Throwable>) () -> new NoClassDefFoundError("com/example/Missing")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("anyFailure")
    void optionalStepFailingIsRecordedAndTheServiceStillStartsReady(String what, Supplier<Throwable> failure) {
      Throwable thrown = failure.get();
      StartupReport report = Plans.run(
          Phase.sequential("finalize",
              Step.optional("export-metrics", "metrics").run(failingWith(() -> thrown)),
              Step.critical("self-check", "self_check").run(ok())));

      assertThat(report.outcome()).as("outcome when only an optional step failed with %s", what).isEqualTo(Outcome.READY);
      assertThat(report.failure()).as("failure record when only an optional step failed").isNull();
      StepReport optional = step(report, "export-metrics");
      assertThat(optional.status()).as("status of the optional step that failed").isEqualTo(StepStatus.FAILED);
      assertThat(optional.error()).as("error recorded for the optional step").contains(thrown.getMessage());
      assertThat(step(report, "self-check").status()).as("status of the step after a failed optional one")
          .isEqualTo(StepStatus.OK);
      assertThat(phase(report, "finalize").status()).as("phase status when only an optional step failed")
          .isEqualTo(StepStatus.OK);
    }
  }

  @Nested
  class Failed {

    @Test
    void criticalDependencyFailureSkipsTheRestAndFailsWithExitCode3() {
      AtomicBoolean laterStepRan = new AtomicBoolean();
      StartupReport report = Plans.run(
          Phase.sequential("init", Step.critical("load-settings", "settings").run(ok())),
          Phase.sequential("database",
              Step.critical("connect-database", "database")
                  .run(failingWith(() -> new IOException("connection refused: db.internal:5432"))),
              Step.critical("migrate-schema", "database").run(context -> laterStepRan.set(true))),
          Phase.concurrent("cache", Step.critical("connect-redis", "redis").run(context -> laterStepRan.set(true))));

      assertThat(report.outcome()).as("outcome after a critical step failed").isEqualTo(Outcome.FAILED);
      assertThat(report.outcome().serving()).as("a failed service takes no traffic").isFalse();
      assertThat(report.failure().kind()).as("kind of an I/O failure").isEqualTo(FailureKind.DEPENDENCY);
      assertThat(report.failure().exitCode()).as("exit code of an unavailable dependency").isEqualTo(3);
      assertThat(report.failure().step()).as("step named by the failure record").isEqualTo("connect-database");
      assertThat(step(report, "load-settings").status()).as("status of the step before the failure")
          .isEqualTo(StepStatus.OK);
      StepReport failed = step(report, "connect-database");
      assertThat(failed.status()).as("status of the failed critical step").isEqualTo(StepStatus.FAILED);
      assertThat(failed.error()).as("error of the failed critical step").contains("connection refused: db.internal:5432");
      for (String skipped : List.of("migrate-schema", "connect-redis")) {
        StepReport later = step(report, skipped);
        assertThat(later.status()).as("status of %s, after the failed critical step", skipped).isEqualTo(StepStatus.SKIPPED);
        assertThat(later.detail()).as("why %s was skipped", skipped).contains("connect-database");
        assertThat(later.attempts()).as("attempts of skipped step %s", skipped).isZero();
      }
      assertThat(laterStepRan).as("whether any step after the failed critical one ran").isFalse();
      assertThat(phase(report, "database").status()).as("status of the phase with the failed step")
          .isEqualTo(StepStatus.FAILED);
      assertThat(phase(report, "cache").status()).as("status of a phase that never ran").isEqualTo(StepStatus.SKIPPED);
    }

    static Stream<Arguments> retryPolicies() {
      return Stream.of(
          Arguments.of("no retry", Retry.NONE),
          Arguments.of("five attempts", new Retry(5, Duration.ofMillis(5), Duration.ofMillis(20), 0)),
          Arguments.of("until the timeout", EAGER));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("retryPolicies")
    void configurationErrorFailsWithExitCode2AndIsNeverRetried(String what, Retry retry) {
      AtomicInteger calls = new AtomicInteger();
      long start = System.nanoTime();
      StartupReport report = Plans.startup(Plans.policy(Duration.ofSeconds(2)), Plans.strict(),
          Phase.sequential("init", Step.critical("validate-environment", "settings").retry(retry).run(context -> {
            calls.incrementAndGet();
            throw new ConfigurationException("DATABASE_URL is missing", "", List.of("DATABASE_URL"));
          }))).run();

      assertThat(report.outcome()).as("outcome after a configuration error").isEqualTo(Outcome.FAILED);
      assertThat(report.failure().kind()).as("kind of a configuration error").isEqualTo(FailureKind.CONFIGURATION);
      assertThat(report.failure().exitCode()).as("exit code of a configuration error").isEqualTo(2);
      assertThat(calls).as("times a step with a configuration error ran (retry: %s)", what).hasValue(1);
      assertThat(step(report, "validate-environment").attempts()).as("attempts reported for it").isEqualTo(1);
      assertThat(Plans.millisSince(start)).as("ms a start with a configuration error took (timeout 2 s)")
          .isLessThan(1_000);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("retryPolicies")
    void missingClassInACriticalStepIsADefectWithExitCode4AndIsNeverRetried(String what, Retry retry) {
      AtomicInteger calls = new AtomicInteger();
      StartupReport report = Plans.startup(Plans.policy(Duration.ofSeconds(2)), Plans.strict(),
          Phase.sequential("services", Step.critical("start-llm-manager", "llm").retry(retry).run(context -> {
            calls.incrementAndGet();
            throw new NoClassDefFoundError("com/example/Missing");
          }))).run();

      assertThat(report.outcome()).as("outcome after a class failed to load").isEqualTo(Outcome.FAILED);
      assertThat(report.failure().kind()).as("kind of a missing class").isEqualTo(FailureKind.DEFECT);
      assertThat(report.failure().exitCode()).as("exit code of a missing class").isEqualTo(4);
      assertThat(step(report, "start-llm-manager").error()).as("error recorded for the missing class")
          .contains("NoClassDefFoundError").contains("com/example/Missing");
      assertThat(calls).as("times a step with a missing class ran (retry: %s)", what).hasValue(1);
    }

    @Test
    void unexpectedRuntimeExceptionInACriticalStepIsADefectWithExitCode4() {
      StartupReport report = Plans.run(Phase.sequential("services",
          Step.critical("start-supervisor", "agents").run(failingWith(() -> new IllegalStateException("no agents registered")))));

      assertThat(report.outcome()).as("outcome after an unexpected exception").isEqualTo(Outcome.FAILED);
      assertThat(report.failure().kind()).as("kind of an IllegalStateException").isEqualTo(FailureKind.DEFECT);
      assertThat(report.failure().exitCode()).as("exit code of an internal defect").isEqualTo(4);
    }

    @Test
    void criticalStepThatExhaustsItsAttemptsFailsWithItsLastError() {
      AtomicInteger calls = new AtomicInteger();
      StartupReport report = Plans.run(Phase.sequential("database",
          Step.critical("connect-database", "database")
              .retry(new Retry(3, Duration.ofMillis(5), Duration.ofMillis(20), 0))
              .run(context -> {
                throw new ConnectException("connection refused, try " + calls.incrementAndGet());
              })));

      assertThat(calls).as("times a step allowed three attempts ran").hasValue(3);
      StepReport step = step(report, "connect-database");
      assertThat(step.attempts()).as("attempts reported").isEqualTo(3);
      assertThat(step.error()).as("error reported after the last attempt").contains("connection refused, try 3");
      assertThat(report.failure().exitCode()).as("exit code after the attempts ran out").isEqualTo(3);
    }

    @Test
    void unexpectedRuntimeExceptionIsADefectEvenWhenTheStepRetries() {
      AtomicInteger calls = new AtomicInteger();
      StartupReport report = Plans.startup(Plans.policy(Duration.ofMillis(300)), Plans.strict(),
          Phase.sequential("services", Step.critical("start-supervisor", "agents").retry(EAGER).run(context -> {
            calls.incrementAndGet();
            throw new IllegalStateException("no agents registered");
          }))).run();

      assertThat(report.failure().kind()).as("kind of an IllegalStateException in a retried step")
          .isEqualTo(FailureKind.DEFECT);
      assertThat(report.failure().exitCode()).as("exit code of an internal defect in a retried step").isEqualTo(4);
      assertThat(calls).as("times a step with a defect ran").hasValue(1);
    }

    @Test
    void wrappedConfigurationErrorIsNotRetriedEither() {
      AtomicInteger calls = new AtomicInteger();
      StartupReport report = Plans.startup(Plans.policy(Duration.ofMillis(300)), Plans.strict(),
          Phase.sequential("init", Step.critical("validate-environment", "settings").retry(EAGER).run(context -> {
            calls.incrementAndGet();
            throw new RuntimeException("settings binder failed",
                new ConfigurationException("PORT is not a number", "", List.of("PORT")));
          }))).run();

      assertThat(report.failure().exitCode()).as("exit code of a wrapped configuration error").isEqualTo(2);
      assertThat(calls).as("times a step with a wrapped configuration error ran").hasValue(1);
    }
  }

  @Nested
  class Degraded {

    @Test
    void dependencyFailureOfADegradableComponentLeavesTheServiceDegraded() {
      StartupReport report = Plans.startup(Plans.roomyPolicy(), Plans.degradable("redis"),
          Phase.sequential("cache",
              Step.critical("connect-redis", "redis").run(failingWith(() -> new ConnectException("redis:6379 refused")))),
          Phase.sequential("services", Step.critical("start-llm-manager", "llm").run(ok()))).run();

      assertThat(report.outcome()).as("outcome when only a degradable component failed").isEqualTo(Outcome.DEGRADED);
      assertThat(report.outcome().serving()).as("a degraded service takes traffic").isTrue();
      assertThat(report.failure()).as("failure record of a degraded start").isNull();
      StepReport redis = step(report, "connect-redis");
      assertThat(redis.status()).as("status of the degradable step that failed").isEqualTo(StepStatus.DEGRADED);
      assertThat(redis.error()).as("error of the degraded step").contains("redis:6379 refused");
      assertThat(redis.detail()).as("detail of the degraded step").contains("degraded");
      assertThat(step(report, "start-llm-manager").status()).as("status of the step after a degraded one")
          .isEqualTo(StepStatus.OK);
      assertThat(phase(report, "cache").status()).as("status of the phase with the degraded step")
          .isEqualTo(StepStatus.DEGRADED);
    }

    @Test
    void timeoutOfADegradableComponentLeavesTheServiceDegraded() {
      StartupReport report = Plans.startup(Plans.policy(Duration.ofMillis(200)), Plans.degradable("redis"),
          Phase.sequential("cache", Step.critical("connect-redis", "redis").run(Plans.sleeping(Duration.ofSeconds(10)))))
          .run();

      assertThat(report.outcome()).as("outcome when a degradable component timed out").isEqualTo(Outcome.DEGRADED);
      assertThat(step(report, "connect-redis").status()).as("status of the timed-out degradable step")
          .isEqualTo(StepStatus.DEGRADED);
    }

    static Stream<Arguments> nonDependencyFailures() {
      return Stream.of(
          Arguments.of("a configuration error", 2, (Supplier<Throwable>) () ->
              new ConfigurationException("REDIS_URL has no host", "", List.of("REDIS_URL"))),
          Arguments.of("a missing class", 4, (Supplier<Throwable>) () -> new NoClassDefFoundError("redis/clients/jedis/Jedis")),
          Arguments.of("a defect", 4, (Supplier<Throwable>) () -> new NullPointerException("pool")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nonDependencyFailures")
    void degradableComponentFailingForAnotherReasonThanADependencyStillFailsTheStart(
        String what, int exitCode, Supplier<Throwable> failure) {
      StartupReport report = Plans.startup(Plans.roomyPolicy(), Plans.degradable("redis"),
          Phase.sequential("cache", Step.critical("connect-redis", "redis").run(failingWith(failure)))).run();

      assertThat(report.outcome()).as("outcome when a degradable component failed with %s", what).isEqualTo(Outcome.FAILED);
      assertThat(step(report, "connect-redis").status()).as("status of that step").isEqualTo(StepStatus.FAILED);
      assertThat(report.failure().exitCode()).as("exit code for %s", what).isEqualTo(exitCode);
    }

    @Test
    void aComponentNotListedAsDegradableFailsTheStart() {
      StartupReport report = Plans.startup(Plans.roomyPolicy(), Plans.degradable("redis"),
          Phase.sequential("database",
              Step.critical("connect-database", "database").run(failingWith(() -> new IOException("db down"))))).run();

      assertThat(report.outcome()).as("outcome when a non-degradable component failed").isEqualTo(Outcome.FAILED);
      assertThat(step(report, "connect-database").status()).as("status of that step").isEqualTo(StepStatus.FAILED);
    }
  }

  @Nested
  class PlaceholdersAndValidation {

    @Test
    void placeholderStepReportsPlaceholderWithItsReason() {
      StartupReport report = Plans.run(Phase.sequential("services",
          Step.critical("start-supervisor", "agents").placeholder("the agent supervisor is not built yet"),
          Step.critical("start-llm-manager", "llm").run(ok())));

      StepReport placeholder = step(report, "start-supervisor");
      assertThat(placeholder.status()).as("status of a placeholder step").isEqualTo(StepStatus.PLACEHOLDER);
      assertThat(placeholder.detail()).as("detail of a placeholder step")
          .contains("placeholder").contains("the agent supervisor is not built yet");
      assertThat(placeholder.attempts()).as("attempts of a placeholder step").isZero();
      assertThat(report.outcome()).as("outcome of a start with a placeholder step").isEqualTo(Outcome.READY);
    }

    @Test
    void validationStepsAreSkippedWhenValidationIsBypassed() {
      AtomicBoolean validated = new AtomicBoolean();
      StartupReport report = Plans.startup(Plans.roomyPolicy(), Plans.bypassingValidation(),
          Phase.sequential("init",
              Step.critical("validate-environment", "settings").validation().run(context -> validated.set(true))),
          Phase.sequential("services", Step.critical("start-llm-manager", "llm").run(ok()))).run();

      StepReport validation = step(report, "validate-environment");
      assertThat(validated).as("whether the bypassed validation ran").isFalse();
      assertThat(validation.status()).as("status of a bypassed validation step").isEqualTo(StepStatus.SKIPPED);
      assertThat(validation.detail()).as("why the validation step was skipped").contains("BYPASS_STARTUP_VALIDATION");
      assertThat(step(report, "start-llm-manager").status()).as("status of a normal step when validation is bypassed")
          .isEqualTo(StepStatus.OK);
      assertThat(report.outcome()).as("outcome with validation bypassed").isEqualTo(Outcome.READY);
    }

    @Test
    void validationStepsRunAndCanFailTheStartWhenNotBypassed() {
      AtomicBoolean validated = new AtomicBoolean();
      StartupReport passing = Plans.run(Phase.sequential("init",
          Step.critical("validate-environment", "settings").validation().run(context -> validated.set(true))));
      StartupReport failing = Plans.run(Phase.sequential("init",
          Step.critical("validate-environment", "settings").validation()
              .run(failingWith(() -> new ConfigurationException("JWT_SECRET is too short", "", List.of("JWT_SECRET"))))));

      assertThat(validated).as("whether the validation step ran").isTrue();
      assertThat(step(passing, "validate-environment").status()).as("status of a passing validation step")
          .isEqualTo(StepStatus.OK);
      assertThat(failing.outcome()).as("outcome when a validation step fails").isEqualTo(Outcome.FAILED);
      assertThat(failing.failure().exitCode()).as("exit code when a validation step fails").isEqualTo(2);
    }
  }
}

package ai.netra.startup;

import static ai.netra.startup.Plans.failingWith;
import static ai.netra.startup.Plans.ok;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one structured failure record a failed start leaves for the operator. */
class FailureRecordTest {

  private static StartupFailure failureOf(Step step) {
    StartupReport report = Plans.run(
        Phase.sequential("init", Step.critical("load-settings", "settings").run(ok())),
        Phase.sequential("database", step),
        Phase.sequential("cache", Step.critical("connect-redis", "redis").run(ok())));
    assertThat(report.outcome()).as("outcome of a start whose critical step failed").isEqualTo(Outcome.FAILED);
    assertThat(report.phase()).as("phase the final report names: the one that failed").isEqualTo("database");
    return report.failure();
  }

  @Test
  void failureRecordNamesWhereItFailedTheCauseChainTheSettingsAndTheHint() {
    StartupFailure failure = failureOf(Step.critical("connect-database", "database")
        .settings("DATABASE_URL")
        .run(failingWith(() -> new DependencyException("the database did not answer", "check the VPC connector",
            List.of("DATABASE_PASSWORD"),
            new IOException("handshake failed", new ConnectException("Connection refused: db.internal:5432"))))));

    assertThat(failure.phase()).as("phase in the failure record").isEqualTo("database");
    assertThat(failure.step()).as("step in the failure record").isEqualTo("connect-database");
    assertThat(failure.component()).as("component in the failure record").isEqualTo("database");
    assertThat(failure.kind()).as("kind in the failure record").isEqualTo(FailureKind.DEPENDENCY);
    assertThat(failure.exitCode()).as("exit code in the failure record").isEqualTo(3);
    assertThat(failure.cause()).as("cause chain, outermost first")
        .hasSize(3)
        .satisfies(chain -> assertThat(chain.getFirst()).as("outermost cause").contains("the database did not answer"))
        .satisfies(chain -> assertThat(chain.get(1)).as("middle cause").contains("IOException").contains("handshake failed"))
        .satisfies(chain -> assertThat(chain.getLast()).as("root cause")
            .contains("ConnectException").contains("Connection refused: db.internal:5432"));
    assertThat(failure.settings()).as("settings involved: the step's, then the exception's")
        .containsExactly("DATABASE_URL", "DATABASE_PASSWORD");
    assertThat(failure.hint()).as("hint when the exception carries one and the step none")
        .isEqualTo("check the VPC connector");
    assertThat(failure.elapsedMs()).as("elapsed ms in the failure record").isNotNegative();
    assertThat(failure.budgetMs()).as("budget ms in the failure record").isEqualTo(Plans.ROOMY_BUDGET.toMillis());
  }

  @Test
  void stepHintIsUsedWhenTheExceptionCarriesNone() {
    StartupFailure failure = failureOf(Step.critical("connect-database", "database")
        .hint("start the local database with ./netra db up")
        .run(failingWith(() -> new IOException("connection refused"))));

    assertThat(failure.hint()).as("hint of a step whose exception has none")
        .isEqualTo("start the local database with ./netra db up");
  }

  @Test
  void dependencyFailureWithoutAnyHintGetsOneNamingTheComponent() {
    StartupFailure failure = failureOf(Step.critical("connect-database", "database")
        .run(failingWith(() -> new IOException("connection refused"))));

    assertThat(failure.hint()).as("default hint of a dependency failure")
        .isNotBlank().contains("database").contains("STARTUP_TIMEOUT_DATABASE_S");
  }

  @Test
  void configurationFailureWithoutAnyHintGetsOneAboutSettings() {
    StartupFailure failure = failureOf(Step.critical("connect-database", "database")
        .run(failingWith(() -> new ConfigurationException("DATABASE_URL is missing", "", List.of("DATABASE_URL")))));

    assertThat(failure.exitCode()).as("exit code of a configuration failure").isEqualTo(2);
    assertThat(failure.settings()).as("settings of a configuration failure").containsExactly("DATABASE_URL");
    assertThat(failure.hint()).as("default hint of a configuration failure").isNotBlank().contains("settings");
  }

  @Test
  void defectWithoutAnyHintGetsOneSayingToRollBack() {
    StartupFailure failure = failureOf(Step.critical("connect-database", "database")
        .run(failingWith(() -> new NoClassDefFoundError("org/postgresql/Driver"))));

    assertThat(failure.exitCode()).as("exit code of a missing class").isEqualTo(4);
    assertThat(failure.cause()).as("cause chain of a missing class")
        .containsExactly("java.lang.NoClassDefFoundError: org/postgresql/Driver");
    assertThat(failure.hint()).as("default hint of a defect").isNotBlank().contains("roll back");
  }

  @Test
  void causeChainStopsAtACycle() {
    RuntimeException outer = new RuntimeException("outer");
    IllegalStateException inner = new IllegalStateException("inner", outer);
    outer.initCause(inner);

    assertThat(Startup.causeChain(outer)).as("cause chain of two exceptions causing each other")
        .containsExactly("java.lang.RuntimeException: outer", "java.lang.IllegalStateException: inner");
  }

  @Test
  void causeWithoutAMessageSaysSo() {
    assertThat(Startup.causeChain(new NullPointerException())).as("cause chain of an exception without a message")
        .containsExactly("java.lang.NullPointerException: (no message)");
  }
}

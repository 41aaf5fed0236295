package ai.netra.startup;

import static ai.netra.startup.Plans.failingWith;
import static ai.netra.startup.Plans.ok;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The report as a table for logs, and how a phase's status sums up its steps. */
class StartupReportTest {

  @Test
  void tableListsEveryStepAndTheOutcome() {
    StartupReport report = Plans.run(
        Phase.sequential("init", Step.critical("load-settings", "settings").run(ok())),
        Phase.concurrent("dependencies",
            Step.critical("load-keys", "keys").run(ok()),
            Step.optional("export-metrics", "metrics").run(failingWith(() -> new IOException("collector unreachable")))),
        Phase.sequential("services", Step.critical("start-supervisor", "agents").placeholder("not built yet")));

    String table = report.toTable();

    assertThat(table).as("table of a ready start")
        .contains("READY")
        .contains("load-settings", "load-keys", "export-metrics", "start-supervisor")
        .contains("init", "dependencies", "services")
        .contains("collector unreachable")
        .contains("placeholder: not built yet");
    assertThat(table.lines()).as("lines of the table: a title, a header and one row per step").hasSize(2 + 4);
  }

  @Test
  void tableOfAFailedStartShowsTheFailureAndTheSkippedSteps() {
    StartupReport report = Plans.run(Phase.sequential("database",
        Step.critical("connect-database", "database").run(failingWith(() -> new IOException("connection refused"))),
        Step.critical("migrate-schema", "database").run(ok())));

    assertThat(report.toTable()).as("table of a failed start")
        .contains("FAILED").contains("SKIPPED").contains("connect-database").contains("migrate-schema")
        .contains("connection refused");
  }

  private static StepReport step(StepStatus status, Criticality criticality) {
    return new StepReport("s-" + status.name().toLowerCase(), "c", criticality, status, 0, null, null, null, null);
  }

  private static StepReport critical(StepStatus status) {
    return step(status, Criticality.CRITICAL);
  }

  @Test
  void phaseStatusSumsUpItsSteps() {
    assertThat(PhaseReport.statusOf(List.of(critical(StepStatus.PENDING), critical(StepStatus.PENDING))))
        .as("phase whose steps are all pending").isEqualTo(StepStatus.PENDING);
    assertThat(PhaseReport.statusOf(List.of(critical(StepStatus.OK), critical(StepStatus.PENDING))))
        .as("phase with one step done and one pending").isEqualTo(StepStatus.RUNNING);
    assertThat(PhaseReport.statusOf(List.of(critical(StepStatus.FAILED), critical(StepStatus.RUNNING))))
        .as("phase with a step still running after a failure").isEqualTo(StepStatus.RUNNING);
    assertThat(PhaseReport.statusOf(List.of(critical(StepStatus.OK), critical(StepStatus.FAILED))))
        .as("phase with a failed critical step").isEqualTo(StepStatus.FAILED);
    assertThat(PhaseReport.statusOf(List.of(critical(StepStatus.OK), step(StepStatus.FAILED, Criticality.OPTIONAL))))
        .as("phase with only an optional step failed").isEqualTo(StepStatus.OK);
    assertThat(PhaseReport.statusOf(List.of(critical(StepStatus.OK), critical(StepStatus.DEGRADED))))
        .as("phase with a degraded step").isEqualTo(StepStatus.DEGRADED);
    assertThat(PhaseReport.statusOf(List.of(critical(StepStatus.SKIPPED), critical(StepStatus.SKIPPED))))
        .as("phase whose steps were all skipped").isEqualTo(StepStatus.SKIPPED);
    assertThat(PhaseReport.statusOf(List.of(critical(StepStatus.OK), critical(StepStatus.PLACEHOLDER))))
        .as("phase with a placeholder step").isEqualTo(StepStatus.OK);
  }

  @Test
  void reportListsStepsOfAllPhasesInPlanOrder() {
    StartupReport report = Plans.run(
        Phase.sequential("one", Step.critical("a", "settings").run(ok()), Step.critical("b", "settings").run(ok())),
        Phase.concurrent("two", Step.critical("c", "keys").run(ok()), Step.critical("d", "clients").run(ok())));

    assertThat(report.steps()).as("steps of the report").extracting(StepReport::name).containsExactly("a", "b", "c", "d");
  }
}

package ai.netra.deploy.simulate;

import ai.netra.startup.Criticality;
import ai.netra.startup.Outcome;
import ai.netra.startup.PhaseReport;
import ai.netra.startup.StartupReport;
import ai.netra.startup.StepReport;
import ai.netra.startup.StepStatus;
import java.util.List;

/** Startup reports for the unit tests of the simulation's pure parts. */
final class Reports {

  private Reports() { }

  static StepReport step(String name, String component, StepStatus status, Long start, Long end, String error) {
    return new StepReport(name, component, Criticality.CRITICAL, status, 1, start, end, error, null);
  }

  /** A start stuck in DATABASE: INIT done, the database step running since 700 ms. */
  static StartupReport startingInDatabase() {
    return new StartupReport(Outcome.STARTING, "DATABASE", 2500, 20000, List.of(
        new PhaseReport("INIT", StepStatus.OK, List.of(step("settings", "settings", StepStatus.OK, 500L, 560L, null))),
        new PhaseReport("DATABASE", StepStatus.RUNNING, List.of(
            step("database", "database", StepStatus.RUNNING, 700L, null, null),
            step("migrations", "database", StepStatus.PENDING, null, null, null)))), null);
  }

  /** A finished start of three phases. */
  static StartupReport ready() {
    return new StartupReport(Outcome.READY, "FINALIZE", 1700, 240000, List.of(
        new PhaseReport("INIT", StepStatus.OK, List.of(step("settings", "settings", StepStatus.OK, 500L, 560L, null))),
        new PhaseReport("DATABASE", StepStatus.OK, List.of(
            step("database", "database", StepStatus.OK, 700L, 1200L, null),
            step("migrations", "database", StepStatus.OK, 1200L, 1500L, null))),
        new PhaseReport("FINALIZE", StepStatus.OK, List.of(
            new StepReport("llm-manager", "llm", Criticality.OPTIONAL, StepStatus.PLACEHOLDER, 1, 1500L, 1500L, null,
                "not wired <yet> & later"),
            step("self-check", "self_check", StepStatus.OK, 1500L, 1700L, null)))), null);
  }
}

package ai.netra.deploy.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.startup.Outcome;
import ai.netra.startup.PhaseReport;
import ai.netra.startup.StartupReport;
import ai.netra.startup.StepStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The phase stream's stamps: in the order lines are printed, never going backwards. */
class PhaseStreamTest {

  private static final Pattern STAMP = Pattern.compile("^\\[\\s*(\\d+\\.\\d+) s]");

  @Test
  void aPhaseLearnedAfterALaterLineKeepsTheStampsInOrderAndSaysWhenItEnded() {
    List<String> lines = new ArrayList<>();
    PhaseStream stream = new PhaseStream(lines::add);
    stream.event(7_430, "the service exited with code 3");
    StartupReport failed = new StartupReport(Outcome.FAILED, "DATABASE", 5_050, 20_000, List.of(
        new PhaseReport("INIT", StepStatus.OK, List.of(Reports.step("settings", "settings", StepStatus.OK, 500L, 560L, null))),
        new PhaseReport("DATABASE", StepStatus.FAILED, List.of(
            Reports.step("database", "database", StepStatus.FAILED, 700L, 5_000L, "no success within its 4.0 s timeout")))),
        null);

    stream.update(failed);

    assertInOrder(lines);
    assertThat(lines).anySatisfy(l -> assertThat(l).contains("DATABASE", "FAILED", "(ended at 5.00 s)"));
  }

  @Test
  void aPhaseEndingJustBeforeALineOfTheSimulationTakesThatLinesStampWithoutANote() {
    // The service counts from its own start, the simulation from the launch: a few ms apart.
    List<String> lines = new ArrayList<>();
    PhaseStream stream = new PhaseStream(lines::add);
    stream.event(1_000, "listening on port 8080");
    stream.update(new StartupReport(Outcome.STARTING, "DATABASE", 1_010, 20_000, List.of(
        new PhaseReport("DEPENDENCIES", StepStatus.OK, List.of(
            Reports.step("signing-key", "signing-key", StepStatus.OK, 902L, 970L, null)))), null));

    assertInOrder(lines);
    assertThat(lines.getLast()).startsWith("[   1.00 s] DEPENDENCIES").doesNotContain("ended at");
  }

  private static void assertInOrder(List<String> lines) {
    double last = 0;
    for (String line : lines) {
      Matcher m = STAMP.matcher(line);
      assertThat(m.find()).as("a stamp on: " + line).isTrue();
      double at = Double.parseDouble(m.group(1));
      assertThat(at).as("stamp of: " + line).isGreaterThanOrEqualTo(last);
      last = at;
    }
  }
}

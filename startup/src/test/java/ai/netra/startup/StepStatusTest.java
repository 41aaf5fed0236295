package ai.netra.startup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The life of one step's status: PENDING, then RUNNING or SKIPPED, then one end. */
class StepStatusTest {

  private static final Set<StepStatus> ENDS = EnumSet.of(
      StepStatus.OK, StepStatus.FAILED, StepStatus.SKIPPED, StepStatus.DEGRADED, StepStatus.PLACEHOLDER);

  private static boolean legal(StepStatus from, StepStatus to) {
    return switch (from) {
      case PENDING -> to == StepStatus.RUNNING || to == StepStatus.SKIPPED;
      case RUNNING -> ENDS.contains(to);
      default -> false;
    };
  }

  static Stream<Arguments> legalMoves() {
    return allMoves().filter(a -> legal((StepStatus) a.get()[0], (StepStatus) a.get()[1]));
  }

  static Stream<Arguments> illegalMoves() {
    return allMoves().filter(a -> !legal((StepStatus) a.get()[0], (StepStatus) a.get()[1]));
  }

  private static Stream<Arguments> allMoves() {
    return Stream.of(StepStatus.values()).flatMap(from -> Stream.of(StepStatus.values()).map(to -> Arguments.of(from, to)));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("legalMoves")
  void legalMoveReturnsTheNewStatus(StepStatus from, StepStatus to) {
    assertThat(from.moveTo(to)).as("status after moving from %s to %s", from, to).isEqualTo(to);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("illegalMoves")
  void illegalMoveIsRefusedNamingBothStatuses(StepStatus from, StepStatus to) {
    assertThatThrownBy(() -> from.moveTo(to)).as("moving a step from %s to %s", from, to)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(from.name())
        .hasMessageContaining(to.name());
  }

  @Test
  void exactlySevenLegalMovesExist() {
    assertThat(legalMoves().count()).as("number of legal status moves (2 from PENDING, 5 from RUNNING)").isEqualTo(7);
  }

  @Test
  void endedStepCannotRunAgain() {
    assertThatThrownBy(() -> StepStatus.OK.moveTo(StepStatus.RUNNING)).as("re-running a step that ended OK")
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> StepStatus.PENDING.moveTo(StepStatus.OK)).as("ending a step that never ran")
        .isInstanceOf(IllegalStateException.class);
  }

  @ParameterizedTest
  @EnumSource(StepStatus.class)
  void onlyEndStatusesAreTerminal(StepStatus status) {
    assertThat(status.terminal()).as("whether %s is a status a step ends in", status).isEqualTo(ENDS.contains(status));
  }
}

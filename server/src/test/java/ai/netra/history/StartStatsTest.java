package ai.netra.history;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.startup.Criticality;
import ai.netra.startup.FailureKind;
import ai.netra.startup.Outcome;
import ai.netra.startup.StepStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The statistics netra history prints and the sizing reads: nearest-rank percentiles, failures by kind, revisions in order. */
class StartStatsTest {

  private static StartRecord start(int i, String revision, long database, StepStatus status, FailureKind kind) {
    Outcome outcome = status == StepStatus.OK ? Outcome.READY : Outcome.FAILED;
    List<StepRecord> steps = List.of(
        new StepRecord("INIT", "settings", "settings", Criticality.CRITICAL, StepStatus.OK, 1, 500L, 510L, null),
        new StepRecord("DATABASE", "database", "database", Criticality.CRITICAL, status, 2, 510L, 510L + database, kind));
    return new StartRecord(Instant.parse("2026-12-01T00:00:00Z").plusSeconds(60L * i), revision, "i" + i, "staging", 1.0,
        null, 100L * i, outcome, 510 + database, 240_000, steps);
  }

  @Test
  void percentilesAreNearestRankSoEachIsAnObservedTime() {
    List<StartRecord> starts = new ArrayList<>();
    for (int i = 1; i <= 100; i++) {
      starts.add(start(101 - i, "r1", i, StepStatus.OK, null)); // out of order on purpose
    }
    StartStats stats = StartStats.of(starts);
    StartStats.Distribution database = stats.step("database").took();
    assertThat(List.of((long) database.count(), database.p50(), database.p95(), database.p99(), database.max()))
        .containsExactly(100L, 50L, 95L, 99L, 100L);
    assertThat(stats.ready().p99()).isEqualTo(510 + 99);
    assertThat(stats.boot().max()).as("JVM start to the first step").isEqualTo(500);
    assertThat(stats.peakRssBytes()).isEqualTo(10_000);
  }

  @Test
  void failuresCountByStepAndKindAndRevisionsKeepTheOrderTheyFirstStarted() {
    List<StartRecord> starts = List.of(
        start(3, "r2", 900, StepStatus.FAILED, FailureKind.DEPENDENCY),
        start(1, "r1", 100, StepStatus.OK, null),
        start(4, "r2", 900, StepStatus.FAILED, FailureKind.DEPENDENCY),
        start(2, "r1", 120, StepStatus.FAILED, FailureKind.CONFIGURATION));
    StartStats stats = StartStats.of(starts);
    assertThat(stats.starts()).isEqualTo(4);
    assertThat(stats.failedStarts()).isEqualTo(3);
    assertThat(stats.failures()).containsExactly(new StartStats.FailureCount("database", FailureKind.DEPENDENCY, 2),
        new StartStats.FailureCount("database", FailureKind.CONFIGURATION, 1));
    assertThat(stats.revisions()).extracting(StartStats.RevisionStats::revision).containsExactly("r1", "r2");
    assertThat(stats.revisions().get(1).failedStarts()).isEqualTo(2);
    assertThat(stats.step("database").took().count()).as("only successful runs are times a step needs").isEqualTo(1);
  }
}

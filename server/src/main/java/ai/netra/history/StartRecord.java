package ai.netra.history;

import ai.netra.startup.Outcome;
import ai.netra.startup.PhaseReport;
import ai.netra.startup.StartupReport;
import ai.netra.startup.StepReport;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One start as the history keeps it: when and where it ran (revision, instance, environment, CPUs,
 * memory limit, peak RSS when known), how it ended and after how long, and each step in plan order.
 * The table and the startup report's log line hold the same fields, so either reads back to this.
 *
 * @param elapsedMs from JVM start to the outcome: to READY on a start that got through
 */
public record StartRecord(Instant startedAt, String revision, String instance, String environment, Double cpus,
    Long memoryLimitBytes, Long peakRssBytes, Outcome outcome, long elapsedMs, long budgetMs, List<StepRecord> steps) {

  public StartRecord {
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(outcome, "outcome");
    revision = revision == null || revision.isBlank() ? "unknown" : revision;
    instance = instance == null ? "" : instance;
    environment = environment == null ? "" : environment;
    steps = List.copyOf(steps);
  }

  /** Where a start ran, as the process knows it. */
  public record Origin(Instant startedAt, String revision, String instance, String environment, Double cpus,
      Long memoryLimitBytes, Long peakRssBytes) { }

  /** {@code report}, the final report of a start, run at {@code origin}. */
  public static StartRecord of(StartupReport report, Origin origin) {
    List<StepRecord> steps = new ArrayList<>();
    for (PhaseReport phase : report.phases()) {
      for (StepReport s : phase.steps()) {
        steps.add(new StepRecord(phase.name(), s.name(), s.component(), s.criticality(), s.status(), s.attempts(),
            s.startMs(), s.endMs(), s.errorKind()));
      }
    }
    return new StartRecord(origin.startedAt(), origin.revision(), origin.instance(), origin.environment(), origin.cpus(),
        origin.memoryLimitBytes(), origin.peakRssBytes(), report.outcome(), report.elapsedMs(), report.budgetMs(), steps);
  }

  /** True when the start got through (READY or DEGRADED). */
  public boolean serving() {
    return outcome.serving();
  }

  /** The phases in plan order, each once. */
  public List<String> phases() {
    return steps.stream().map(StepRecord::phase).distinct().toList();
  }

  /** From the first step's start to the last step's end in {@code phase}, or null when none of its steps ran. */
  public Long phaseMs(String phase) {
    Long first = null;
    Long last = null;
    for (StepRecord s : steps) {
      if (s.phase().equals(phase) && s.startMs() != null && s.endMs() != null) {
        first = first == null ? s.startMs() : Math.min(first, s.startMs());
        last = last == null ? s.endMs() : Math.max(last, s.endMs());
      }
    }
    return first == null ? null : last - first;
  }
}

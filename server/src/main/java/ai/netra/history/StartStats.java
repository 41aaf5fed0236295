package ai.netra.history;

import ai.netra.startup.FailureKind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a set of kept starts says: per step and for the whole start, count, p50, p95, p99 and max of the
 * milliseconds taken; the failures by step and error kind; and the same per revision, in the order the
 * revisions first started. Percentiles are nearest-rank (the smallest value with at least p% of the
 * values at or below it), so they are always a time that was observed.
 *
 * @param ready from JVM start to READY (or DEGRADED), over the starts that got there
 * @param boot from JVM start to the first step, the JVM's own boot, over every start
 * @param peakRssBytes the largest peak RSS any start reported, or null when none did
 */
public record StartStats(int starts, int failedStarts, Distribution ready, Distribution boot, List<StepStats> steps,
    List<FailureCount> failures, Long peakRssBytes, List<RevisionStats> revisions) {

  public StartStats {
    steps = List.copyOf(steps);
    failures = List.copyOf(failures);
    revisions = List.copyOf(revisions);
  }

  /** Milliseconds observed: how many, and their p50, p95, p99 and max (all 0 when there are none). */
  public record Distribution(int count, long p50, long p95, long p99, long max) {
    static final Distribution NONE = new Distribution(0, 0, 0, 0, 0);

    static Distribution of(List<Long> values) {
      if (values.isEmpty()) {
        return NONE;
      }
      List<Long> sorted = values.stream().sorted().toList();
      return new Distribution(sorted.size(), rank(sorted, 50), rank(sorted, 95), rank(sorted, 99), sorted.getLast());
    }

    private static long rank(List<Long> sorted, int percent) {
      int index = (int) Math.ceil(percent / 100.0 * sorted.size()) - 1;
      return sorted.get(Math.max(0, index));
    }
  }

  /** One step's times over the starts where it succeeded, and how often it failed. */
  public record StepStats(String phase, String step, String component, Distribution took, int failures) { }

  /** How often {@code step} failed with {@code kind} (null: a kind the record did not name). */
  public record FailureCount(String step, FailureKind kind, int count) { }

  /** The same for the starts of one revision. */
  public record RevisionStats(String revision, Instant first, Instant last, int starts, int failedStarts,
      Distribution ready, List<StepStats> steps) {
    public RevisionStats {
      steps = List.copyOf(steps);
    }

    /** The step called {@code name}, if this revision ran it. */
    public StepStats step(String name) {
      return steps.stream().filter(s -> s.step().equals(name)).findFirst().orElse(null);
    }
  }

  /** The statistics of {@code records}, in any order. */
  public static StartStats of(List<StartRecord> records) {
    List<StartRecord> ordered = records.stream().sorted(Comparator.comparing(StartRecord::startedAt)).toList();
    Map<String, List<StartRecord>> byRevision = new LinkedHashMap<>();
    ordered.forEach(r -> byRevision.computeIfAbsent(r.revision(), k -> new ArrayList<>()).add(r));
    List<RevisionStats> revisions = new ArrayList<>();
    byRevision.forEach((revision, starts) -> revisions.add(new RevisionStats(revision, starts.getFirst().startedAt(),
        starts.getLast().startedAt(), starts.size(), (int) starts.stream().filter(s -> !s.serving()).count(),
        ready(starts), steps(starts))));
    Map<String, FailureCount> failures = new LinkedHashMap<>();
    for (StartRecord r : ordered) {
      for (StepRecord s : r.steps()) {
        if (s.failed()) {
          failures.merge(s.name() + "/" + s.errorKind(), new FailureCount(s.name(), s.errorKind(), 1),
              (a, b) -> new FailureCount(a.step(), a.kind(), a.count() + 1));
        }
      }
    }
    List<Long> boots = new ArrayList<>();
    for (StartRecord r : ordered) {
      r.steps().stream().map(StepRecord::startMs).filter(Objects::nonNull).min(Long::compare).ifPresent(boots::add);
    }
    Long peak = ordered.stream().map(StartRecord::peakRssBytes).filter(Objects::nonNull).max(Long::compare).orElse(null);
    return new StartStats(ordered.size(), (int) ordered.stream().filter(s -> !s.serving()).count(), ready(ordered),
        Distribution.of(boots), steps(ordered), failures.values().stream()
            .sorted(Comparator.comparing(FailureCount::count).reversed()).toList(), peak, revisions);
  }

  /** The step called {@code name}, if any start ran it. */
  public StepStats step(String name) {
    return steps.stream().filter(s -> s.step().equals(name)).findFirst().orElse(null);
  }

  private static Distribution ready(List<StartRecord> starts) {
    return Distribution.of(starts.stream().filter(StartRecord::serving).map(StartRecord::elapsedMs).toList());
  }

  /** Each step, in the order the latest start ran them (steps only older starts had come after). */
  private static List<StepStats> steps(List<StartRecord> starts) {
    Map<String, StepRecord> shape = new LinkedHashMap<>();
    for (StartRecord r : starts.reversed()) {
      r.steps().forEach(s -> shape.putIfAbsent(s.name(), s));
    }
    List<StepStats> stats = new ArrayList<>();
    for (StepRecord step : shape.values()) {
      List<Long> took = new ArrayList<>();
      int failed = 0;
      for (StartRecord r : starts) {
        for (StepRecord s : r.steps()) {
          if (s.name().equals(step.name())) {
            if (s.status() == ai.netra.startup.StepStatus.OK && s.durationMs() != null) {
              took.add(s.durationMs());
            }
            failed += s.failed() ? 1 : 0;
          }
        }
      }
      stats.add(new StepStats(step.phase(), step.name(), step.component(), Distribution.of(took), failed));
    }
    return stats;
  }
}

package ai.netra.http;

import ai.netra.history.RecentStarts;
import ai.netra.history.StartRecord;
import ai.netra.history.StepRecord;
import ai.netra.startup.FailureKind;
import ai.netra.startup.Outcome;
import ai.netra.startup.StepStatus;
import java.time.Instant;
import java.util.List;

/**
 * The body of {@code /health/startup/history}: the last starts as the startup page charts them, from memory.
 * Only times, outcomes and error kinds: no instance, host, resource or error text, which would tell a
 * stranger about the infrastructure behind the service.
 *
 * @param loaded false until the history table was read (this start only, or none)
 */
record StartHistoryJson(boolean loaded, int limit, List<Start> starts) {

  /** One start: when, which revision, how it ended after how long, each phase's and step's time. */
  record Start(Instant startedAt, String revision, Outcome outcome, long elapsedMs, List<Phase> phases, List<Step> steps) { }

  /** From the first step's start to the last one's end; null when none of its steps ran. */
  record Phase(String name, Long ms) { }

  record Step(String phase, String name, StepStatus status, int attempts, Long ms, FailureKind errorKind) { }

  static StartHistoryJson of(RecentStarts recent) {
    return new StartHistoryJson(recent.loaded(), RecentStarts.LIMIT, recent.starts().stream().map(StartHistoryJson::start).toList());
  }

  private static Start start(StartRecord r) {
    return new Start(r.startedAt(), r.revision(), r.outcome(), r.elapsedMs(),
        r.phases().stream().map(p -> new Phase(p, r.phaseMs(p))).toList(),
        r.steps().stream().map(StartHistoryJson::step).toList());
  }

  private static Step step(StepRecord s) {
    return new Step(s.phase(), s.name(), s.status(), s.attempts(), s.durationMs(), s.errorKind());
  }
}

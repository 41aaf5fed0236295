package ai.netra.deploy.simulate;

import ai.netra.deploy.DurationText;
import ai.netra.startup.Outcome;
import ai.netra.startup.PhaseReport;
import ai.netra.startup.StartupReport;
import ai.netra.startup.StepReport;
import ai.netra.startup.StepStatus;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Turns successive {@code /health/startup} snapshots into one line per phase as it completes (in
 * plan order, with its steps' times, so a phase that started and ended between two polls is still
 * told exactly), a line when the outcome is decided, and a "still running" line when nothing
 * happened for a while.
 */
final class PhaseStream {

  /** Longer than this without a line, and the current step is named with how long it runs. */
  static final long QUIET_MS = 5000;
  private static final int ERROR_CHARS = 200;

  private final Consumer<String> out;
  private final Set<String> told = new HashSet<>();
  private Outcome toldOutcome = Outcome.STARTING;
  private long lastLineNanos = System.nanoTime();
  private long lastStampMs;

  PhaseStream(Consumer<String> out) {
    this.out = out;
  }

  /** Tells what {@code report} shows that was not told yet. */
  void update(StartupReport report) {
    for (PhaseReport phase : report.phases()) {
      if (told.contains(phase.name()) || !phase.status().terminal()) {
        continue;
      }
      told.add(phase.name());
      line(phaseEnd(phase), phaseLine(phase));
    }
    if (report.outcome() != toldOutcome && report.outcome() != Outcome.STARTING) {
      toldOutcome = report.outcome();
      String degraded = report.steps().stream().filter(s -> s.status() == StepStatus.DEGRADED).map(StepReport::name)
          .collect(Collectors.joining(", "));
      line(report.elapsedMs(), report.outcome() + ": startup "
          + (report.outcome() == Outcome.FAILED ? "failed" : "finished") + " after "
          + DurationText.millis(report.elapsedMs()) + " of its " + DurationText.millis(report.budgetMs()) + " budget"
          + (degraded.isEmpty() ? "" : " (degraded: " + degraded + ")"));
    }
  }

  /** A line saying what runs now, when nothing was told for {@link #QUIET_MS}. */
  void quiet(StartupReport report, long sinceLaunchMs) {
    if ((System.nanoTime() - lastLineNanos) / 1_000_000 < QUIET_MS) {
      return;
    }
    if (report == null) {
      line(sinceLaunchMs, "... no answer on /health/startup yet");
      return;
    }
    String running = report.steps().stream().filter(s -> s.status() == StepStatus.RUNNING)
        .map(s -> s.name() + " for " + DurationText.millis(Math.max(0, sinceLaunchMs - (s.startMs() == null ? 0 : s.startMs())))
            + (s.attempts() > 1 ? " (attempt " + s.attempts() + ")" : ""))
        .collect(Collectors.joining(", "));
    line(sinceLaunchMs, "... phase " + report.phase() + (running.isEmpty() ? "" : ", running " + running));
  }

  /** A line of the simulation's own (listening, probe, exit), stamped with ms since launch. */
  void event(long sinceLaunchMs, String text) {
    line(sinceLaunchMs, text);
  }

  /**
   * Prints {@code text} stamped at {@code atMs}, or, when that is earlier than a line already
   * printed, at the last stamp: the stamps never go backwards. The service's times count from its
   * own start and the simulation's from the launch, so a phase can end a few milliseconds before a
   * line already printed; when it is earlier by more (a phase learned from the record after the
   * process exited), the line says when it happened.
   */
  private void line(long atMs, String text) {
    lastLineNanos = System.nanoTime();
    String late = atMs + 50 < lastStampMs ? " (ended at " + String.format(Locale.ROOT, "%.2f s", atMs / 1000.0) + ")" : "";
    lastStampMs = Math.max(lastStampMs, atMs);
    out.accept(stamp(lastStampMs) + text + late);
  }

  static String stamp(long ms) {
    return String.format(Locale.ROOT, "[%7.2f s] ", ms / 1000.0);
  }

  static long phaseEnd(PhaseReport phase) {
    return phase.steps().stream().filter(s -> s.endMs() != null).mapToLong(StepReport::endMs).max().orElse(0);
  }

  static String phaseLine(PhaseReport phase) {
    long start = phase.steps().stream().filter(s -> s.startMs() != null).mapToLong(StepReport::startMs).min().orElse(0);
    long took = Math.max(0, phaseEnd(phase) - start);
    String steps = phase.steps().stream().filter(s -> s.status() != StepStatus.PENDING).map(PhaseStream::stepText)
        .collect(Collectors.joining(", "));
    return String.format(Locale.ROOT, "%-13s %-9s %8s  %s", phase.name(), phase.status(), DurationText.millis(took), steps);
  }

  private static String stepText(StepReport s) {
    String took = s.startMs() != null && s.endMs() != null ? " " + DurationText.millis(s.endMs() - s.startMs()) : "";
    return switch (s.status()) {
      case OK -> s.name() + took;
      case PLACEHOLDER -> s.name() + " (placeholder)";
      case FAILED, DEGRADED -> s.name() + " " + s.status() + took + (s.attempts() > 1 ? " after " + s.attempts()
          + " attempts" : "") + (s.error() == null ? "" : ": " + shorten(s.error()));
      default -> s.name() + " " + s.status() + took;
    };
  }

  private static String shorten(String text) {
    return text.length() <= ERROR_CHARS ? text : text.substring(0, ERROR_CHARS) + "...";
  }
}

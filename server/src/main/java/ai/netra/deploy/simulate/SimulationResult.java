package ai.netra.deploy.simulate;

import ai.netra.deploy.DurationText;
import ai.netra.deploy.MemorySize;
import ai.netra.deploy.RecordedStartup;
import ai.netra.startup.StartupFailure;
import ai.netra.startup.StartupReport;
import ai.netra.startup.StepStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What one simulated start showed, all times in milliseconds since the service was launched (a
 * null time means it never happened), and the verdict drawn from it: would Cloud Run have started
 * the instance, and was it ready to take traffic.
 *
 * @param listenMs when the port first accepted a connection
 * @param probePassed whether the startup probe passed; {@code probeMs} is when it decided either way
 * @param readyMs when {@code /health/ready} first answered 200 after the start finished
 * @param report the last startup report the service served, with its failure record merged in when it
 *     exited; null when it never answered
 * @param exitCode the exit code when the service exited (or was killed) before the simulation stopped it
 * @param killedMs when the memory watchdog killed it; {@code killedRssBytes} the resident size then
 * @param stopExitCode the exit code after the simulation stopped it with SIGTERM, null if it had exited
 * @param stopMs how long that shutdown took; null when SIGTERM was not enough and it was killed
 * @param memoryUnwatched why memory could not be watched, or null
 * @param failureRecord the lines of the service's STARTUP FAILED record, as it printed them
 * @param failure that record read back, or null
 */
public record SimulationResult(
    int cpus,
    MemorySize memory,
    ProbeSpec probe,
    List<String> notes,
    Long listenMs,
    boolean probePassed,
    Long probeMs,
    int probeAttempts,
    String probeFailure,
    Long readyMs,
    StartupReport report,
    Integer exitCode,
    Long exitMs,
    Long killedMs,
    Long killedRssBytes,
    long peakRssBytes,
    String memoryUnwatched,
    Integer stopExitCode,
    Long stopMs,
    List<String> failureRecord,
    StartupFailure failure) {

  public SimulationResult {
    notes = List.copyOf(notes);
    failureRecord = List.copyOf(failureRecord);
  }

  /** Cloud Run would have started the instance and it was ready to take traffic. */
  public boolean passed() {
    return probePassed && readyMs != null && killedMs == null && exitCode == null;
  }

  public MemorySize peakRss() {
    return new MemorySize(Math.max(1, peakRssBytes));
  }

  /**
   * The start as a report file keeps it ({@code netra simulate --report}), for {@code netra check}
   * and {@code netra plan} to read: the service's last report, and the CPUs, memory limit and peak
   * RSS of this instance (the peak left out when memory could not be watched).
   *
   * @throws IllegalStateException when the service never answered with a report
   */
  public RecordedStartup recorded(String source) {
    if (report == null) {
      throw new IllegalStateException("the service never answered /health/startup: there is no report to keep");
    }
    MemorySize peak = memoryUnwatched == null && peakRssBytes > 0 ? peakRss() : null;
    return new RecordedStartup(source, report, new RecordedStartup.Resources((double) cpus, memory, peak));
  }

  /** The one-line verdict. */
  public String headline() {
    if (passed()) {
      long window = probe.window().toMillis();
      return String.format(Locale.ROOT, "PASS: Cloud Run would have started it: the %s probe passed at %s (margin %s of"
              + " its %s window) and it was ready at %s", probe.kind() == ProbeSpec.Kind.TCP ? "TCP" : "startup",
          DurationText.millis(probeMs), DurationText.millis(window - probeMs), DurationText.millis(window),
          DurationText.millis(readyMs));
    }
    return "FAIL: Cloud Run would not have started it: " + reasons().getFirst();
  }

  /** Why it failed, most decisive first; empty when it passed. */
  public List<String> reasons() {
    List<String> reasons = new ArrayList<>();
    if (passed()) {
      return reasons;
    }
    if (killedMs != null) {
      reasons.add(String.format(Locale.ROOT, "OOM-killed at %s: its memory (RSS) reached %s, the %s limit (Cloud Run"
          + " stops an instance over its memory limit)", DurationText.millis(killedMs), new MemorySize(killedRssBytes),
          memory));
    } else if (exitCode != null) {
      StringBuilder text = new StringBuilder("the service exited with code " + exitCode + " at "
          + DurationText.millis(exitMs) + ", before it was ready");
      if (failure != null) {
        text.append(": ").append(failure.kind()).append(" at step ").append(failure.step()).append(" (")
            .append(failure.component()).append(", phase ").append(failure.phase()).append(")");
        if (!failure.cause().isEmpty()) {
          text.append(": ").append(failure.cause().getFirst());
        }
      } else if (failureRecord.isEmpty()) {
        text.append(" (it printed no STARTUP FAILED record)");
      }
      reasons.add(text.toString());
    }
    boolean probeFailed = !probePassed && probeMs != null && killedMs == null && exitCode == null;
    String lastSeen = report == null ? "it never answered /health/startup" : "last seen in phase " + report.phase()
        + running(report);
    if (probeFailed) {
      reasons.add(String.format(Locale.ROOT, "the startup probe (%s every %s, failureThreshold %d) failed after %d attempts"
              + " at %s%s; %s", probe.kind() == ProbeSpec.Kind.TCP ? "TCP connect" : "GET /health/startup",
          DurationText.format(probe.period()), probe.failureThreshold(), probeAttempts, DurationText.millis(probeMs),
          probeFailure == null ? "" : " (last: " + probeFailure + ")", lastSeen));
    } else if (readyMs == null && killedMs == null && exitCode == null) {
      reasons.add("not ready within the " + DurationText.format(probe.window()) + " window: " + lastSeen
          + (listenMs == null ? "; it never listened on its port" : ""));
    }
    if (reasons.isEmpty()) {
      reasons.add("the startup probe did not pass");
    }
    return reasons;
  }

  private static String running(StartupReport report) {
    String steps = report.steps().stream().filter(s -> s.status() == StepStatus.RUNNING).map(s -> s.name())
        .collect(Collectors.joining(", "));
    return steps.isEmpty() ? "" : ", running " + steps;
  }
}

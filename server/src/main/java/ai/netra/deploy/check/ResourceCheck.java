package ai.netra.deploy.check;

import ai.netra.deploy.MemorySize;
import ai.netra.deploy.RecordedStartup;
import ai.netra.deploy.StartupProbe;
import ai.netra.startup.TimeoutModel;
import ai.netra.startup.TimeoutPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The instance's CPU and memory against what a start was seen to need: memory against the peak RSS
 * plus headroom, CPUs against the time the recorded start took on the CPUs it had.
 */
final class ResourceCheck {

  private ResourceCheck() { }

  /**
   * @param target what the deploy requests, or null when not given (the recorded start's limits are judged then)
   * @param peakRss the peak RSS from the command line, or null to take the report's
   * @param budget the total startup budget the settings give
   */
  static List<Finding> run(ResourceProfile target, MemorySize peakRss, RecordedStartup report, Duration budget, double margin) {
    List<Finding> findings = new ArrayList<>();
    RecordedStartup.Resources seen = report == null ? RecordedStartup.Resources.NONE : report.resources();
    MemorySize peak = peakRss != null ? peakRss : seen.peakRss();
    String subject = "the deploy's";
    if (target == null && seen.cpus() != null && seen.memoryLimit() != null) {
      target = new ResourceProfile(seen.cpus(), seen.memoryLimit());
      subject = "the recorded start's";
    }
    if (target == null) {
      findings.add(Finding.pass(Area.RESOURCES, "no --cpu and --memory given and none recorded: nothing to judge"
          + (peak == null ? "" : "; netra plan requests " + peak.instanceForPeak() + " for the " + peak.wholeMebibytes()
              + " MiB peak RSS")));
      return findings;
    }
    findings.addAll(memory(target, peak, subject));
    findings.addAll(cpu(target, report, seen, budget, margin, subject));
    return findings;
  }

  private static List<Finding> memory(ResourceProfile target, MemorySize peak, String subject) {
    List<Finding> findings = new ArrayList<>();
    String limit = subject + " memory limit " + target.memory();
    if (target.memory().compareTo(MemorySize.CLOUD_RUN_MINIMUM) < 0) {
      findings.add(Finding.fail(Area.RESOURCES, limit + " is below the " + MemorySize.CLOUD_RUN_MINIMUM
          + " Cloud Run's second-generation environment needs", "deploy with --memory " + MemorySize.CLOUD_RUN_MINIMUM));
    }
    int minCpus = target.memory().cloudRunMinimumCpus();
    if (target.cpus() < minCpus) {
      findings.add(Finding.fail(Area.RESOURCES, "Cloud Run needs at least " + minCpus + " CPUs for "
          + target.memory() + " of memory", "deploy with --cpu " + minCpus));
    }
    if (peak == null) {
      findings.add(Finding.warn(Area.RESOURCES, limit + ": the peak RSS of a start is unknown, so the headroom is not checked",
          "record a start with netra simulate (its report carries the peak RSS), or give --peak-rss"));
      return findings;
    }
    MemorySize needed = peak.times(1 + MemorySize.HEADROOM);
    String fix = "deploy with --memory " + peak.instanceForPeak();
    long headroom = Math.round(MemorySize.HEADROOM * 100);
    if (peak.compareTo(target.memory()) >= 0) {
      findings.add(Finding.fail(Area.RESOURCES, "peak RSS " + peak.wholeMebibytes() + " MiB reaches " + limit
          + ": the platform kills the instance (out of memory)", fix));
    } else if (needed.compareTo(target.memory()) > 0) {
      findings.add(Finding.fail(Area.RESOURCES, String.format(Locale.ROOT, "peak RSS %d MiB + %d%% headroom = %d MiB is over %s:"
          + " under traffic the instance runs out of memory", peak.wholeMebibytes(), headroom, needed.wholeMebibytes(), limit), fix));
    } else {
      findings.add(Finding.pass(Area.RESOURCES, String.format(Locale.ROOT, "peak RSS %d MiB + %d%% headroom = %d MiB fits %s",
          peak.wholeMebibytes(), headroom, needed.wholeMebibytes(), limit)));
    }
    return findings;
  }

  private static List<Finding> cpu(ResourceProfile target, RecordedStartup report, RecordedStartup.Resources seen, Duration budget,
      double margin, String subject) {
    List<Finding> findings = new ArrayList<>();
    if (target.cpus() < 1) {
      findings.add(Finding.warn(Area.RESOURCES, subject + " " + target.cpuText() + " CPU is less than one: Cloud Run then"
          + " serves one request at a time per instance (every open WebSocket is a request), and the JVM's JIT and GC"
          + " share a fraction of a core", "deploy with --cpu 1"));
    }
    if (report == null || !report.serving()) {
      return findings;
    }
    if (seen.cpus() == null) {
      findings.add(Finding.warn(Area.RESOURCES, "the report does not say how many CPUs the recorded start had, so the start"
          + " time on " + target.cpuText() + " CPU is not estimated", "record the start with netra simulate --cpus "
          + target.cpuText() + ", or with the service's own /health/startup (its diagnostics step names the CPUs)"));
      return findings;
    }
    boolean budgetBound = budget.compareTo(StartupProbe.MAX_WINDOW) < 0;
    Duration limit = budgetBound ? budget : StartupProbe.MAX_WINDOW;
    String recorded = "recorded on " + ResourceProfile.cpuText(seen.cpus()) + " CPU: " + report.report().outcome() + " after "
        + TimeoutPolicy.seconds(report.elapsed());
    if (target.cpus() >= seen.cpus()) {
      findings.add(Finding.pass(Area.RESOURCES, recorded + "; " + subject + " " + target.cpuText() + " CPU is at least that"));
      return findings;
    }
    // A start is mostly CPU-bound (class loading, JIT, migrations' parsing): fewer CPUs stretch it at most in proportion.
    Duration estimate = Duration.ofMillis(Math.round(report.report().elapsedMs() * seen.cpus() / target.cpus()));
    Duration withMargin = Duration.ofMillis(Math.round(estimate.toMillis() * (1 + margin)));
    String message = recorded + "; on " + subject + " " + target.cpuText() + " CPU it may need up to "
        + TimeoutPolicy.seconds(estimate);
    if (withMargin.compareTo(limit) > 0) {
      findings.add(Finding.fail(Area.RESOURCES, message + ", which with a " + Math.round(margin * 100) + "% margin does not fit "
          + (budgetBound ? "the " + TimeoutPolicy.seconds(budget) + " startup budget" : "the 240 s Cloud Run waits"),
          "deploy with --cpu " + ResourceProfile.cpuText(Math.ceil(seen.cpus())) + " (netra plan keeps startup CPU boost on)"
              + (budgetBound && withMargin.compareTo(StartupProbe.MAX_WINDOW) <= 0
                  ? ", or set " + TimeoutModel.BUDGET_SETTING + "=" + TimeoutModel.budgetSeconds(withMargin) : "")));
    } else {
      findings.add(Finding.pass(Area.RESOURCES, message + ", within the " + TimeoutPolicy.seconds(limit) + " it has"));
    }
    return findings;
  }
}

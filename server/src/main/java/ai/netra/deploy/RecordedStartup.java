package ai.netra.deploy;

import ai.netra.startup.StartupReport;
import java.time.Duration;

/**
 * A start read back from a report file ({@link StartupReportJson}): the {@code /health/startup}
 * report, the file it came from, and what the instance ran on and used, as far as the file says.
 */
public record RecordedStartup(String source, StartupReport report, Resources resources) {

  /**
   * What the instance ran on and used, each null when unknown: in a report file {@code cpus},
   * {@code memory_limit_mib} (or {@code _bytes}) and {@code peak_rss_mib} (or {@code _bytes}), under
   * {@code resources} or at the top level, else the CPUs and memory limit the diagnostics step names.
   */
  public record Resources(Double cpus, MemorySize memoryLimit, MemorySize peakRss) {
    public static final Resources NONE = new Resources(null, null, null);
  }

  /** True when the start got through (READY or DEGRADED). */
  public boolean serving() {
    return report.outcome().serving();
  }

  /** From JVM start to the outcome (to READY on a good start). */
  public Duration elapsed() {
    return Duration.ofMillis(report.elapsedMs());
  }
}

package ai.netra.boot;

import ai.netra.config.Platform;
import ai.netra.config.SettingNames;
import ai.netra.config.Settings;
import ai.netra.db.Database;
import ai.netra.db.StartupHistoryRepository;
import ai.netra.history.HistoryFilter;
import ai.netra.history.RecentStarts;
import ai.netra.history.StartRecord;
import ai.netra.json.Json;
import ai.netra.startup.StartupReport;
import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.logstash.logback.marker.Markers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every start: its report as one log line in the {@code /health/startup} shape marked
 * {@code "netra_startup_report": true} (Cloud Logging keeps it, whatever became of the database), and,
 * when the start has a database, as a row of the history table, written in the background. Keeping
 * never delays or fails a start: the table write is bounded by the pool's statement timeout, and a
 * failure is only logged.
 */
final class StartupHistory {

  private static final Logger log = LoggerFactory.getLogger("netra.startup.history");
  /** The field that marks the log line as a start's report, for {@code netra history} to find it. */
  static final String MARK = "netra_startup_report";
  private static final Pattern PEAK_RSS = Pattern.compile("VmHWM:\\s+(\\d+) kB");
  /** One id per process: Cloud Run's instance id is only in its metadata server, which a start must not wait on. */
  private static final String PROCESS_ID = UUID.randomUUID().toString().substring(0, 12);

  private final Settings settings;
  private final String version;
  private final RecentStarts recent;

  StartupHistory(Settings settings, String version, RecentStarts recent) {
    this.settings = settings;
    this.version = version;
    this.recent = recent;
  }

  /**
   * Logs {@code report}, the final report of this start; then, with a database, writes it to the table and reloads
   * the recent starts from there, on a virtual thread.
   */
  void keep(StartupReport report, Optional<Database> database) {
    StartRecord start;
    try {
      start = StartRecord.of(report, origin());
      logLine(report, start);
    } catch (RuntimeException | LinkageError e) {
      log.warn("the startup report could not be kept: {}", e.toString());
      return;
    }
    recent.add(start);
    database.ifPresent(db -> Thread.ofVirtual().name("startup-history").start(() -> {
      StartupHistoryRepository history = new StartupHistoryRepository(db.dataSource());
      try {
        history.keep(start);
        recent.load(history.read(HistoryFilter.ALL, RecentStarts.LIMIT));
      } catch (Exception e) {
        log.warn("startup history: this start was not written to the database ({}); its log line keeps it", e.toString());
      }
    }));
  }

  /** The one line: the report's own fields, with where it ran, marked as a startup report. */
  private void logLine(StartupReport report, StartRecord start) {
    boolean json = settings.logFormat() == Settings.LogFormat.JSON;
    if (!json && !log.isDebugEnabled()) {
      return; // converting the report costs about 20 ms of a start's CPU, while the first probes are answered
    }
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put(MARK, true);
    fields.put("started_at", start.startedAt().toString());
    fields.put("revision", start.revision());
    fields.put("instance", start.instance());
    fields.put("environment", start.environment());
    fields.putAll(Json.mapper().convertValue(report, new TypeReference<Map<String, Object>>() { }));
    Map<String, Object> resources = new LinkedHashMap<>();
    resources.put("cpus", start.cpus());
    resources.put("memory_limit_bytes", start.memoryLimitBytes());
    resources.put("peak_rss_bytes", start.peakRssBytes());
    fields.put("resources", resources);
    if (json) {
      log.info(Markers.appendEntries(fields), "startup report: {} after {} ms", report.outcome(), report.elapsedMs());
    } else {
      // A text console has the startup table already, and `netra history` reads JSON logs: the line is for debugging.
      log.debug("startup report: {}", Json.write(fields));
    }
  }

  private StartRecord.Origin origin() {
    Platform platform = settings.platform();
    String revision = settings.env().getOrDefault(SettingNames.K_REVISION, "");
    revision = revision.isBlank() ? version : revision;
    String instance = platform.kind() == Platform.Kind.KUBERNETES && !platform.service().isBlank()
        ? platform.service() : PROCESS_ID;
    Long memoryLimit = null;
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      long total = os.getTotalMemorySize(); // the container's limit under cgroups
      memoryLimit = total > 0 ? total : null;
    }
    Instant started = Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime());
    return new StartRecord.Origin(started, revision, instance, settings.environment().label(),
        (double) Runtime.getRuntime().availableProcessors(), memoryLimit, peakRss());
  }

  /** The process's peak resident set so far (Linux's VmHWM), or null where the system does not say. */
  static Long peakRss() {
    try {
      Matcher m = PEAK_RSS.matcher(Files.readString(Path.of("/proc/self/status")));
      return m.find() ? Long.parseLong(m.group(1)) * 1024 : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}

package ai.netra.boot;

import ai.netra.config.Settings;
import ai.netra.logging.LogText;
import java.lang.management.ManagementFactory;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What an operator needs to know about this process before anything else: platform, resources, JVM, settings. */
final class Diagnostics {

  private static final Logger log = LoggerFactory.getLogger(Diagnostics.class);

  private Diagnostics() { }

  /** Logs the diagnostics and returns a one-line summary for the startup report. */
  static String log(Settings settings) {
    Runtime runtime = Runtime.getRuntime();
    long memoryLimit = -1;
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      memoryLimit = os.getTotalMemorySize(); // the container limit when running under cgroups
    }
    String jvm = Runtime.version() + " (" + System.getProperty("java.vm.vendor") + ")";
    String flags = String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments());
    StringBuilder text = new StringBuilder();
    text.append("diagnostics\n");
    text.append("  environment: ").append(settings.environment().label()).append('\n');
    text.append("  platform:    ").append(LogText.escape(settings.platform().describe())).append('\n');
    text.append("  cpus:        ").append(runtime.availableProcessors()).append('\n');
    text.append("  memory:      limit ").append(mib(memoryLimit)).append(", max heap ").append(mib(runtime.maxMemory())).append('\n');
    text.append("  jvm:         ").append(jvm).append('\n');
    text.append("  jvm flags:   ").append(flags.isEmpty() ? "(none)" : LogText.escape(flags)).append('\n');
    text.append("  settings:\n");
    for (Map.Entry<String, String> e : settings.displayAll().entrySet()) {
      text.append(String.format("    %-28s %s\n", LogText.escape(e.getKey()), LogText.escape(e.getValue())));
    }
    // One record over indented lines, each value escaped: a setting's value cannot pass for a line of its own.
    log.info(settings.logFormat() == Settings.LogFormat.TEXT ? LogText.BLOCK : null, text.toString().stripTrailing());
    settings.nearMisses().forEach(m -> log.warn("settings: {}", LogText.escape(m)));
    return settings.platform().kind() + ", " + runtime.availableProcessors() + " cpu, memory limit " + mib(memoryLimit)
        + ", heap " + mib(runtime.maxMemory()) + ", java " + Runtime.version().feature();
  }

  private static String mib(long bytes) {
    return bytes <= 0 ? "unknown" : (bytes / (1024 * 1024)) + " MiB";
  }
}

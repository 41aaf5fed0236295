package ai.netra.boot;

import ai.netra.config.Settings;
import ai.netra.logging.LogText;
import ai.netra.startup.StartupFailure;
import java.util.LinkedHashMap;
import java.util.Map;
import net.logstash.logback.marker.Markers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one log record written before a failed start exits: step, component, cause chain, the
 * settings involved (secrets as SET/MISSING), elapsed time against the budget, and a hint. In
 * JSON logs it is one object with {@code "event": "startup_failed"}; in text logs the same fields,
 * one per line, under {@code STARTUP FAILED}.
 */
final class FailureRecord {

  private static final Logger log = LoggerFactory.getLogger("netra.startup");

  private FailureRecord() { }

  static Map<String, Object> fields(StartupFailure failure, Settings settings) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("event", "startup_failed");
    fields.put("exit_code", failure.exitCode());
    fields.put("kind", failure.kind().name());
    fields.put("phase", failure.phase());
    fields.put("step", failure.step());
    fields.put("component", failure.component());
    fields.put("cause", failure.cause());
    fields.put("env", settings.display(failure.settings()));
    fields.put("elapsed_ms", failure.elapsedMs());
    fields.put("budget_ms", failure.budgetMs());
    fields.put("hint", failure.hint());
    return fields;
  }

  static void write(StartupFailure failure, Settings settings) {
    Map<String, Object> fields = fields(failure, settings);
    if (settings.logFormat() == Settings.LogFormat.JSON) {
      log.error(Markers.appendEntries(fields), "STARTUP FAILED at step {} ({}): {}", failure.step(), failure.component(),
          failure.cause().isEmpty() ? "" : failure.cause().getFirst());
      return;
    }
    // One record over indented lines; every value is escaped, so none can pass for a line of its own.
    StringBuilder text = new StringBuilder("STARTUP FAILED\n");
    fields.forEach((name, value) -> {
      if (value instanceof Map<?, ?> map) {
        text.append("  ").append(name).append(':').append(map.isEmpty() ? " (none)" : "").append('\n');
        map.forEach((k, v) -> text.append("    ").append(LogText.escape(String.valueOf(k))).append(" = ")
            .append(LogText.escape(String.valueOf(v))).append('\n'));
      } else if (value instanceof Iterable<?> lines) {
        text.append("  ").append(name).append(":\n");
        lines.forEach(line -> text.append("    ").append(LogText.escape(String.valueOf(line))).append('\n'));
      } else {
        text.append("  ").append(name).append(": ").append(LogText.escape(String.valueOf(value))).append('\n');
      }
    });
    log.error(LogText.BLOCK, text.toString().stripTrailing());
  }
}

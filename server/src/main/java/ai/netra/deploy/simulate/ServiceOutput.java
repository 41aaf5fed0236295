package ai.netra.deploy.simulate;

import ai.netra.json.Json;
import ai.netra.startup.FailureKind;
import ai.netra.startup.StartupFailure;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the service printed, read as it runs: the last lines kept in memory (a failure record is at
 * the end), every line copied to an optional log file, and the {@code STARTUP FAILED} record found
 * and read back, in the text format (one field a line) or the JSON one ({@code "event":
 * "startup_failed"}).
 */
final class ServiceOutput {

  /** Enough for any start's log; an endless one keeps its last lines, where a failure record is. */
  static final int KEPT_LINES = 5000;
  private static final Pattern FIELD = Pattern.compile("^  ([a-z_]+):(?: (.*))?$");

  private final Deque<String> lines = new ArrayDeque<>();
  private final Thread reader;
  private final Writer copy;
  private IOException copyFailure; // guarded by lines

  /** Starts reading {@code stream} on a thread of its own; {@code copy} (may be null) gets every line. */
  ServiceOutput(InputStream stream, Writer copy) {
    this.copy = copy;
    this.reader = Thread.ofPlatform().daemon().name("netra-simulate-output").start(() -> read(stream));
  }

  private void read(InputStream stream) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null; ) {
        add(line);
      }
    } catch (IOException e) {
      add("(the service's output could not be read further: " + e + ")");
    }
  }

  private void add(String line) {
    synchronized (lines) {
      lines.addLast(line);
      if (lines.size() > KEPT_LINES) {
        lines.removeFirst();
      }
      if (copy != null && copyFailure == null) {
        try {
          copy.write(line);
          copy.write('\n');
          copy.flush();
        } catch (IOException e) {
          copyFailure = e;
        }
      }
    }
  }

  /** Waits until the stream ended (the process exited and its output was read), at most {@code within}. */
  void awaitEnd(Duration within) {
    try {
      reader.join(within);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  List<String> lines() {
    synchronized (lines) {
      return List.copyOf(lines);
    }
  }

  /** The problem writing the log copy, if there was one. */
  Optional<IOException> copyFailure() {
    synchronized (lines) {
      return Optional.ofNullable(copyFailure);
    }
  }

  /** The lines of the last failure record the service printed: the text block or the one JSON line. */
  List<String> failureRecord() {
    return failureRecord(lines());
  }

  static List<String> failureRecord(List<String> lines) {
    for (int i = lines.size() - 1; i >= 0; i--) {
      String line = lines.get(i);
      if (line.startsWith("{") && line.contains("\"startup_failed\"")) {
        return List.of(line);
      }
      if (line.contains("STARTUP FAILED")) {
        List<String> record = new ArrayList<>();
        record.add(line);
        for (int j = i + 1; j < lines.size() && lines.get(j).startsWith("  "); j++) {
          record.add(lines.get(j));
        }
        return record;
      }
    }
    return List.of();
  }

  /** {@link #failureRecord()} read back into its fields, or empty when there is none or it cannot be read. */
  Optional<StartupFailure> failure() {
    return parseFailure(failureRecord());
  }

  static Optional<StartupFailure> parseFailure(List<String> record) {
    if (record.isEmpty()) {
      return Optional.empty();
    }
    if (record.size() == 1 && record.getFirst().startsWith("{")) {
      try {
        JsonNode node = Json.mapper().readTree(record.getFirst());
        List<String> cause = new ArrayList<>();
        node.path("cause").forEach(c -> cause.add(c.asText()));
        List<String> settings = new ArrayList<>();
        node.path("env").fieldNames().forEachRemaining(settings::add);
        return Optional.of(failure(node.path("phase").asText(), node.path("step").asText(), node.path("component").asText(),
            node.path("kind").asText(), node.path("exit_code").asInt(), cause, settings, node.path("hint").asText(),
            node.path("elapsed_ms").asLong(), node.path("budget_ms").asLong()));
      } catch (JsonProcessingException e) {
        return Optional.empty(); // a cut or foreign line: it is still shown as the service printed it
      }
    }
    Map<String, String> fields = new HashMap<>();
    List<String> cause = new ArrayList<>();
    List<String> settings = new ArrayList<>();
    String section = "";
    for (String line : record.subList(1, record.size())) {
      Matcher m = FIELD.matcher(line);
      if (m.matches()) {
        section = m.group(1);
        if (m.group(2) != null) {
          fields.put(section, m.group(2));
        }
      } else if (line.startsWith("    ") && section.equals("cause")) {
        cause.add(line.strip());
      } else if (line.startsWith("    ") && section.equals("env")) {
        settings.add(line.strip().split(" = ", 2)[0]);
      }
    }
    try {
      return Optional.of(failure(fields.getOrDefault("phase", ""), fields.getOrDefault("step", ""),
          fields.getOrDefault("component", ""), fields.getOrDefault("kind", ""),
          Integer.parseInt(fields.getOrDefault("exit_code", "1")), cause, settings, fields.getOrDefault("hint", ""),
          Long.parseLong(fields.getOrDefault("elapsed_ms", "0")), Long.parseLong(fields.getOrDefault("budget_ms", "0"))));
    } catch (NumberFormatException e) {
      return Optional.empty(); // a record from another build that this one cannot read: its lines are still shown
    }
  }

  private static StartupFailure failure(String phase, String step, String component, String kind, int exitCode,
      List<String> cause, List<String> settings, String hint, long elapsedMs, long budgetMs) {
    FailureKind parsedKind;
    try {
      parsedKind = FailureKind.valueOf(kind);
    } catch (IllegalArgumentException e) {
      parsedKind = exitCode == 2 ? FailureKind.CONFIGURATION : exitCode == 4 ? FailureKind.DEFECT : FailureKind.DEPENDENCY;
    }
    return new StartupFailure(phase, step, component, parsedKind, exitCode, cause, settings, hint, elapsedMs, budgetMs);
  }
}

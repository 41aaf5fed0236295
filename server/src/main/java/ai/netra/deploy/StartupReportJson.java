package ai.netra.deploy;

import ai.netra.json.Json;
import ai.netra.startup.PhaseReport;
import ai.netra.startup.StartupReport;
import ai.netra.startup.StepReport;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code /health/startup} wire shape read from and written to text and files, the same JSON the
 * service serves; a report file may also say what the instance ran on and used
 * ({@link RecordedStartup.Resources}).
 */
public final class StartupReportJson {

  /** A newer service may add fields; a report is still readable by an older tool. */
  private static final ObjectReader READER = Json.mapper().readerFor(StartupReport.class)
      .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  /** A {@code diagnostics} step detail reads like "LOCAL, 2 cpu, memory limit 512 MiB, heap 128 MiB, java 25". */
  private static final Pattern DIAGNOSTICS = Pattern.compile("(\\d+) cpu, memory limit (\\d+) MiB");
  private static final String WHERE_FROM = " (save the body of GET /health/startup, or the report netra simulate writes)";

  private StartupReportJson() { }

  /**
   * The report in {@code json}.
   *
   * @throws IllegalArgumentException when it is not a startup report, naming what is wrong
   */
  public static StartupReport parse(String json) {
    return recorded(json, "the JSON").report();
  }

  /**
   * The report in {@code file}.
   *
   * @throws IllegalArgumentException naming the file when it is not a startup report
   * @throws IOException when it cannot be read
   */
  public static StartupReport read(Path file) throws IOException {
    return recorded(file).report();
  }

  /**
   * The report in {@code file}, with the resources it records.
   *
   * @throws IllegalArgumentException naming the file and what is wrong when it is not a startup report
   * @throws IOException when it cannot be read
   */
  public static RecordedStartup recorded(Path file) throws IOException {
    return recorded(Files.readString(file, StandardCharsets.UTF_8), file.toString());
  }

  /**
   * The report in {@code json}, with the resources it records.
   *
   * @throws IllegalArgumentException naming {@code source} and what is wrong when it is not a startup report
   */
  public static RecordedStartup recorded(String json, String source) {
    String not = source + " is not a startup report: ";
    JsonNode root;
    try {
      root = Json.mapper().readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(not + "it is not JSON (" + e.getOriginalMessage() + ")" + WHERE_FROM, e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(not + "expected a JSON object" + WHERE_FROM);
    }
    for (String field : List.of("outcome", "elapsed_ms", "budget_ms", "phases")) {
      if (!root.hasNonNull(field)) {
        throw new IllegalArgumentException(not + "it has no '" + field + "'" + WHERE_FROM);
      }
    }
    StartupReport report;
    try {
      report = READER.readValue(root);
    } catch (IOException e) {
      String reason = e instanceof JsonProcessingException p ? p.getOriginalMessage() : e.getMessage();
      throw new IllegalArgumentException(not + reason, e);
    }
    String diagnostics = null;
    for (PhaseReport phase : report.phases()) {
      for (StepReport step : phase.steps()) {
        if (step.name() == null || step.component() == null || step.status() == null) {
          throw new IllegalArgumentException(not + "a step of phase " + phase.name() + " has no name, component or status");
        }
        if (step.name().equals("diagnostics") && step.detail() != null) {
          diagnostics = step.detail();
        }
      }
    }
    return new RecordedStartup(source, report, resources(root, diagnostics));
  }

  /** Writes {@code recorded}'s report to {@code file}, pretty-printed, with its resources under {@code resources}. */
  public static void write(RecordedStartup recorded, Path file) throws IOException {
    ObjectNode root = Json.mapper().valueToTree(recorded.report());
    RecordedStartup.Resources r = recorded.resources();
    ObjectNode resources = Json.mapper().createObjectNode();
    if (r.cpus() != null) {
      resources.put("cpus", r.cpus());
    }
    if (r.memoryLimit() != null) {
      resources.put("memory_limit_bytes", r.memoryLimit().bytes());
    }
    if (r.peakRss() != null) {
      resources.put("peak_rss_bytes", r.peakRss().bytes());
    }
    if (!resources.isEmpty()) {
      root.set("resources", resources);
    }
    Files.writeString(file, Json.writePretty(root) + "\n", StandardCharsets.UTF_8);
  }

  private static RecordedStartup.Resources resources(JsonNode root, String diagnostics) {
    JsonNode nested = root.path("resources");
    JsonNode cpuNode = root.hasNonNull("cpus") ? root.get("cpus") : nested.get("cpus");
    Double cpus = cpuNode != null && cpuNode.isNumber() && cpuNode.asDouble() > 0 ? cpuNode.asDouble() : null;
    MemorySize memory = size(root, nested, "memory_limit");
    MemorySize peak = size(root, nested, "peak_rss");
    if (diagnostics != null) {
      Matcher m = DIAGNOSTICS.matcher(diagnostics);
      if (m.find()) {
        long limitMiB = Long.parseLong(m.group(2));
        cpus = cpus != null || m.group(1).equals("0") ? cpus : Double.valueOf(m.group(1));
        memory = memory != null || limitMiB == 0 ? memory : MemorySize.mi(limitMiB);
      }
    }
    return new RecordedStartup.Resources(cpus, memory, peak);
  }

  private static MemorySize size(JsonNode root, JsonNode nested, String prefix) {
    for (JsonNode where : List.of(root, nested)) {
      JsonNode mib = where.get(prefix + "_mib");
      if (mib != null && mib.isNumber() && mib.asLong() > 0) {
        return MemorySize.mi(mib.asLong());
      }
      JsonNode bytes = where.get(prefix + "_bytes");
      if (bytes != null && bytes.isNumber() && bytes.asLong() > 0) {
        return new MemorySize(bytes.asLong());
      }
    }
    return null;
  }
}

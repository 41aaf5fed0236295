package ai.netra.deploy.check;

import ai.netra.json.Json;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A start as {@code /health/startup} reported it (the wire shape in the design), read back from a
 * file: the outcome, time to the outcome against the budget, and every step with its attempts and
 * times. What the instance ran on and used, when the report carries it ({@link Observed}), is read
 * too.
 *
 * @param elapsedMs milliseconds from JVM start to the outcome (to READY on a good start)
 */
public record RecordedStartup(
    String source, String outcome, String phase, long elapsedMs, long budgetMs, List<Step> steps, Observed observed) {

  /** A {@code diagnostics} step detail ends like "LOCAL, 2 cpu, memory limit 512 MiB, heap 128 MiB, java 25". */
  private static final Pattern DIAGNOSTICS = Pattern.compile("(\\d+) cpu, memory limit (\\d+) MiB");

  public RecordedStartup {
    steps = List.copyOf(steps);
  }

  /** One step of the recorded start; times are milliseconds since JVM start, null when it never ran. */
  public record Step(String phase, String name, String component, boolean critical, String status, int attempts,
      Long startMs, Long endMs, String error) {

    /** How long it ran, all attempts together, when it ran to an end. */
    public Optional<Duration> duration() {
      return startMs == null || endMs == null ? Optional.empty() : Optional.of(Duration.ofMillis(endMs - startMs));
    }
  }

  /**
   * What the recorded instance ran on and used, each null when the report does not say: read from
   * {@code cpus}, {@code memory_limit_mib} (or {@code _bytes}) and {@code peak_rss_mib} (or
   * {@code _bytes}) at the top level or under {@code resources}, or else from the diagnostics step.
   */
  public record Observed(Double cpus, Long memoryLimitMiB, Long peakRssMiB) {
    static final Observed NONE = new Observed(null, null, null);
  }

  /** True when the start got through (READY or DEGRADED). */
  public boolean serving() {
    return "READY".equals(outcome) || "DEGRADED".equals(outcome);
  }

  public Duration elapsed() {
    return Duration.ofMillis(elapsedMs);
  }

  /**
   * Reads a report file.
   *
   * @throws IOException when it cannot be read
   * @throws IllegalArgumentException naming the file and what is missing when it is not a startup report
   */
  public static RecordedStartup read(Path file) throws IOException {
    return parse(Files.readString(file), file.toString());
  }

  /** @throws IllegalArgumentException naming {@code source} and what is missing when {@code json} is not a startup report */
  public static RecordedStartup parse(String json, String source) {
    JsonNode root;
    try {
      root = Json.mapper().readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(source + " is not JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(source + " is not a startup report: expected a JSON object as /health/startup answers");
    }
    for (String field : List.of("outcome", "elapsed_ms", "budget_ms", "phases")) {
      if (!root.hasNonNull(field)) {
        throw new IllegalArgumentException(source + " is not a startup report: it has no '" + field
            + "' (save the body of GET /health/startup, or the report netra simulate writes)");
      }
    }
    List<Step> steps = new ArrayList<>();
    for (JsonNode phase : root.path("phases")) {
      for (JsonNode step : phase.path("steps")) {
        if (!step.hasNonNull("name") || !step.hasNonNull("component")) {
          throw new IllegalArgumentException(source + ": a step of phase " + phase.path("name").asText("?")
              + " has no name or component");
        }
        steps.add(new Step(phase.path("name").asText(), step.path("name").asText(), step.path("component").asText(),
            !"OPTIONAL".equals(step.path("criticality").asText("CRITICAL")), step.path("status").asText("PENDING"),
            step.path("attempts").asInt(0), millis(step, "start_ms"), millis(step, "end_ms"),
            step.hasNonNull("error") ? step.path("error").asText() : null));
      }
    }
    String detail = null;
    for (JsonNode phase : root.path("phases")) {
      for (JsonNode step : phase.path("steps")) {
        if ("diagnostics".equals(step.path("name").asText()) && step.hasNonNull("detail")) {
          detail = step.path("detail").asText();
        }
      }
    }
    return new RecordedStartup(source, root.path("outcome").asText(), root.path("phase").asText(""),
        root.path("elapsed_ms").asLong(), root.path("budget_ms").asLong(), steps, observed(root, detail));
  }

  private static Observed observed(JsonNode root, String diagnostics) {
    JsonNode nested = root.path("resources");
    Double cpus = decimal(root, nested, "cpus");
    Long memory = mib(root, nested, "memory_limit");
    Long peak = mib(root, nested, "peak_rss");
    if (diagnostics != null) {
      Matcher m = DIAGNOSTICS.matcher(diagnostics);
      if (m.find()) {
        cpus = cpus != null ? cpus : Double.valueOf(m.group(1));
        memory = memory != null ? memory : Long.valueOf(m.group(2));
      }
    }
    return new Observed(cpus, memory, peak);
  }

  private static Double decimal(JsonNode root, JsonNode nested, String field) {
    JsonNode n = root.hasNonNull(field) ? root.get(field) : nested.get(field);
    return n != null && n.isNumber() && n.asDouble() > 0 ? n.asDouble() : null;
  }

  private static Long mib(JsonNode root, JsonNode nested, String prefix) {
    for (JsonNode where : List.of(root, nested)) {
      JsonNode m = where.get(prefix + "_mib");
      if (m != null && m.isNumber() && m.asLong() > 0) {
        return m.asLong();
      }
      JsonNode b = where.get(prefix + "_bytes");
      if (b != null && b.isNumber() && b.asLong() > 0) {
        return (b.asLong() + (1 << 20) - 1) >> 20;
      }
    }
    return null;
  }

  private static Long millis(JsonNode step, String field) {
    JsonNode n = step.get(field);
    return n == null || !n.isNumber() ? null : n.asLong();
  }
}

package ai.netra.deploy.history;

import ai.netra.deploy.RecordedStartup;
import ai.netra.deploy.StartupReportJson;
import ai.netra.history.HistoryFilter;
import ai.netra.history.StartRecord;
import ai.netra.json.Json;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * The starts in a Cloud Logging export: what {@code gcloud logging read --format=json} prints (a JSON array of
 * log entries, or one entry per line), each start being the entry whose {@code jsonPayload} is the service's
 * startup report line ({@code "netra_startup_report": true}). The service's own JSON log lines, one per line, read
 * the same: an entry without {@code jsonPayload} is taken as the payload itself. Other entries are passed over.
 */
public final class CloudLoggingExport {

  /** The field that marks the service's startup report line. */
  public static final String MARK = "netra_startup_report";

  private CloudLoggingExport() { }

  /** What a file held: the starts {@code filter} admits, and how many entries were looked at. */
  public record Read(List<StartRecord> starts, int entries) { }

  /**
   * The starts in {@code file} that {@code filter} admits.
   *
   * @throws IllegalArgumentException naming the file and the entry when it is not JSON, or a marked entry is not a
   *     startup report (nothing is read then: a history with holes would size timeouts wrongly)
   * @throws IOException when it cannot be read
   */
  public static Read read(Path file, HistoryFilter filter) throws IOException {
    List<StartRecord> starts = new ArrayList<>();
    int entries = 0;
    try (InputStream in = Files.newInputStream(file); JsonParser parser = Json.mapper().createParser(in)) {
      JsonToken first = parser.nextToken();
      boolean array = first == JsonToken.START_ARRAY;
      JsonToken token = array ? parser.nextToken() : first;
      while (token != null && token != JsonToken.END_ARRAY) {
        if (token != JsonToken.START_OBJECT) {
          throw new IllegalArgumentException(file + ": entry " + (entries + 1) + " is not a JSON object (a log entry);"
              + " expected the output of gcloud logging read --format=json, or the service's JSON log lines");
        }
        JsonNode entry = Json.mapper().readTree(parser);
        entries++;
        StartRecord start = start(entry, file + ", entry " + entries);
        if (start != null && filter.test(start)) {
          starts.add(start);
        }
        token = parser.nextToken();
      }
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(file + " is not a Cloud Logging export: after " + entries + " entries, "
          + e.getOriginalMessage() + " (line " + e.getLocation().getLineNr() + "); expected the output of gcloud logging"
          + " read --format=json, or the service's JSON log lines", e);
    }
    return new Read(List.copyOf(starts), entries);
  }

  /** The start an entry holds, or null when it is not a startup report. */
  static StartRecord start(JsonNode entry, String where) {
    JsonNode payload = entry.has("jsonPayload") ? entry.get("jsonPayload") : entry;
    if (!payload.path(MARK).asBoolean(false)) {
      return null;
    }
    RecordedStartup recorded = StartupReportJson.recorded(payload.toString(), where);
    String started = text(payload, "started_at", entry.path("timestamp").asText(null));
    Instant startedAt;
    try {
      startedAt = Instant.parse(started);
    } catch (DateTimeParseException | NullPointerException e) {
      throw new IllegalArgumentException(where + ": the startup report has no valid started_at (was " + started + ")", e);
    }
    JsonNode labels = entry.path("resource").path("labels");
    String revision = text(payload, "revision", labels.path("revision_name").asText(null));
    String instance = text(payload, "instance", entry.path("labels").path("instanceId").asText(null));
    RecordedStartup.Resources r = recorded.resources();
    return StartRecord.of(recorded.report(), new StartRecord.Origin(startedAt, revision, instance,
        text(payload, "environment", null), r.cpus(), r.memoryLimit() == null ? null : r.memoryLimit().bytes(),
        r.peakRss() == null ? null : r.peakRss().bytes()));
  }

  private static String text(JsonNode node, String field, String otherwise) {
    JsonNode value = node.get(field);
    return value != null && value.isTextual() && !value.asText().isBlank() ? value.asText() : otherwise;
  }
}

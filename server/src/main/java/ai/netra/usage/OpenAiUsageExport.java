package ai.netra.usage;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.Reader;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads OpenAI's organization usage export: what {@code GET /v1/organization/usage/completions} answers, a page
 * {@code {"object": "page", "data": [bucket...], "has_more", "next_page"}} whose buckets
 * {@code {"object": "bucket", "start_time", "end_time", "results": [result...]}} hold one result per group
 * (model, project, user, API key, batch, as {@code group_by} asked; a field not grouped on is null). Several pages
 * may follow each other (one per line, or just concatenated, as a client paging with {@code next_page} writes them)
 * or come as one JSON array of pages.
 *
 * <p>Each result becomes an aggregate row: provider {@code openai}, the result's model, at its bucket's
 * {@code start_time}, with {@code input_tokens} as prompt tokens (OpenAI counts the cached and cache-write tokens
 * inside them: {@code input_cached_tokens}, {@code input_cache_write_tokens}), {@code output_tokens} as completion
 * tokens, and {@code num_model_requests} requests, without latency or prompt hash. The feature is the project
 * ({@code project_id}), else the API key ({@code api_key_id}), else {@value #UNGROUPED_FEATURE}. A result without a
 * model cannot be priced and is refused; one without requests and tokens is skipped. Audio tokens and the batch flag
 * are not priced apart: the catalog prices a model's tokens, not their modality or a batch discount.
 *
 * <p>The text is streamed: one bucket's results at a time are held, never the whole export. A problem names the
 * line of the result (or bucket, or page) and its place: {@code data[2].results[0].model}, preceded by the page when
 * it is not the first ({@code page 3 data[2]...}).
 */
final class OpenAiUsageExport {

  static final String PROVIDER = "openai";
  /** The feature of a result grouped on neither project nor API key. */
  static final String UNGROUPED_FEATURE = "openai-organization";
  private static final String RESULT_OBJECT = "organization.usage.completions.result";

  /** Where the rows and the problems of an export go, in the order of the text. */
  interface Sink {
    /** One result was read (counted against the row limit, even when it stores nothing). */
    void result();

    void row(UsageRecord row);

    void problem(RowProblem problem);
  }

  private final Instant earliest;
  private final Instant latest;

  /** Bucket times must lie from {@code earliest} to {@code latest}. */
  OpenAiUsageExport(Instant earliest, Instant latest) {
    this.earliest = earliest;
    this.latest = latest;
  }

  /**
   * Reads the whole export from {@code parser} (positioned before its first token) into {@code sink}. Returns the
   * number of results read; a text that is not JSON is reported as one problem at its line, and reading stops there.
   */
  void read(JsonParser parser, Sink sink) throws IOException {
    int pages = 0;
    try {
      for (JsonToken t; (t = parser.nextToken()) != null; ) {
        if (t == JsonToken.START_ARRAY) {
          while ((t = parser.nextToken()) != JsonToken.END_ARRAY) {
            page(parser, t, pages++, sink);
          }
        } else {
          page(parser, t, pages++, sink);
        }
      }
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      sink.problem(new RowProblem(at == null ? parser.currentLocation().getLineNr() : at.getLineNr(), null,
          "not valid JSON: " + cut(e.getOriginalMessage(), 160)));
      return;
    }
    if (pages == 0) {
      sink.problem(new RowProblem(1, null, "the export is empty: it needs the page OpenAI's usage API answers,"
          + " {\"object\": \"page\", \"data\": [...]}"));
    }
  }

  /** One page: its buckets are read in turn; its other fields (has_more, next_page) are not needed. */
  private void page(JsonParser parser, JsonToken first, int index, Sink sink) throws IOException {
    String where = index == 0 ? "" : "page " + (index + 1) + " ";
    long line = parser.currentTokenLocation().getLineNr();
    if (first != JsonToken.START_OBJECT) {
      parser.skipChildren();
      sink.problem(new RowProblem(line, where.isEmpty() ? null : where.strip(), "each page must be a JSON object,"
          + " {\"object\": \"page\", \"data\": [...]}, as OpenAI's usage API answers; not "
          + first.asString()));
      return;
    }
    boolean data = false;
    for (JsonToken t; (t = parser.nextToken()) == JsonToken.FIELD_NAME; ) {
      String name = parser.currentName();
      JsonToken value = parser.nextToken();
      if (name.equals("object")) {
        if (value != JsonToken.VALUE_STRING || !parser.getText().equals("page")) {
          sink.problem(new RowProblem(parser.currentTokenLocation().getLineNr(), where + "object", "is "
              + cut(parser.getText(), 60) + ", not \"page\": this is not a page of OpenAI's"
              + " /v1/organization/usage/completions"));
        }
      } else if (name.equals("data") && value == JsonToken.START_ARRAY) {
        data = true;
        int bucket = 0;
        while ((t = parser.nextToken()) != JsonToken.END_ARRAY) {
          bucket(parser, t, where + "data[" + bucket++ + "]", sink);
        }
      } else if (name.equals("data")) {
        data = true;
        sink.problem(new RowProblem(parser.currentTokenLocation().getLineNr(), where + "data", "must be an array of buckets"));
        parser.skipChildren();
      } else {
        parser.skipChildren();
      }
    }
    if (!data) {
      sink.problem(new RowProblem(line, where + "data", "is missing: a page of OpenAI's usage export holds its buckets"
          + " in data"));
    }
  }

  /** One result, with the line it starts on. */
  private record Positioned(long line, JsonNode node) { }

  /** One bucket: its start time, then each result (held until the bucket ends, since the time may come last). */
  private void bucket(JsonParser parser, JsonToken first, String where, Sink sink) throws IOException {
    long line = parser.currentTokenLocation().getLineNr();
    if (first != JsonToken.START_OBJECT) {
      parser.skipChildren();
      sink.problem(new RowProblem(line, where, "must be a bucket object, not " + first.asString()));
      return;
    }
    JsonNode startTime = null;
    long startLine = line;
    List<Positioned> results = null;
    boolean bad = false;
    for (JsonToken t; (t = parser.nextToken()) == JsonToken.FIELD_NAME; ) {
      String name = parser.currentName();
      JsonToken value = parser.nextToken();
      long at = parser.currentTokenLocation().getLineNr();
      switch (name) {
        case "object" -> {
          if (value != JsonToken.VALUE_STRING || !parser.getText().equals("bucket")) {
            bad = true;
            sink.problem(new RowProblem(at, where + ".object", "is " + cut(parser.getText(), 60) + ", not \"bucket\""));
          }
        }
        case "start_time" -> {
          startTime = parser.readValueAsTree();
          startLine = at;
        }
        case "results" -> {
          if (value != JsonToken.START_ARRAY) {
            bad = true;
            sink.problem(new RowProblem(at, where + ".results", "must be an array of results"));
            parser.skipChildren();
          } else {
            results = new ArrayList<>();
            while (parser.nextToken() != JsonToken.END_ARRAY) {
              long resultLine = parser.currentTokenLocation().getLineNr();
              results.add(new Positioned(resultLine, parser.readValueAsTree()));
            }
          }
        }
        default -> parser.skipChildren();
      }
    }
    Instant start = time(startTime, startLine, where + ".start_time", sink);
    if (results == null) {
      sink.problem(new RowProblem(line, where + ".results", "is missing"));
      return;
    }
    for (int i = 0; i < results.size(); i++) {
      sink.result();
      // Without a good start time the bucket's problem is already reported, so nothing will be stored; its results are
      // still checked, so that every problem of the export is listed at once.
      result(results.get(i), start == null || bad ? earliest : start, where + ".results[" + i + "]", sink);
    }
  }

  private Instant time(JsonNode node, long line, String where, Sink sink) {
    if (node == null || node.isNull()) {
      sink.problem(new RowProblem(line, where, "is missing: a bucket needs its start time (Unix seconds)"));
      return null;
    }
    if (!node.isIntegralNumber() || !node.canConvertToLong()) {
      sink.problem(new RowProblem(line, where, "'" + cut(node.toString(), 30) + "' is not a time in Unix seconds"));
      return null;
    }
    Instant at = Instant.ofEpochSecond(node.longValue());
    if (node.longValue() < earliest.getEpochSecond() || at.isAfter(latest)) {
      sink.problem(new RowProblem(line, where, node.longValue() + " (" + at + ") is not a plausible time of usage: it must"
          + " lie between " + earliest + " and now"));
      return null;
    }
    return at;
  }

  /** One result's row (or rows, when a sum passes a PostgreSQL integer), or its problems. */
  private void result(Positioned positioned, Instant start, String where, Sink sink) {
    JsonNode r = positioned.node();
    Checks c = new Checks(positioned.line(), where, sink);
    if (!r.isObject()) {
      c.problem(null, "must be a result object, not " + r.getNodeType().name().toLowerCase(Locale.ROOT));
      return;
    }
    JsonNode object = r.get("object");
    if (object != null && !object.isNull() && !RESULT_OBJECT.equals(object.asText())) {
      c.problem("object", "is " + cut(object.asText(), 60) + ", not " + RESULT_OBJECT + ": only the completions usage"
          + " (/v1/organization/usage/completions) holds tokens of chat and completion models");
      return;
    }
    Long input = c.count(r, "input_tokens", true);
    Long output = c.count(r, "output_tokens", true);
    Long requests = c.count(r, "num_model_requests", true);
    Long cached = c.count(r, "input_cached_tokens", false);
    Long cacheWrite = c.count(r, "input_cache_write_tokens", false);
    c.count(r, "input_audio_tokens", false);
    c.count(r, "output_audio_tokens", false);
    if (c.bad) {
      return;
    }
    long cachedTokens = cached == null ? 0 : cached;
    long cacheWriteTokens = cacheWrite == null ? 0 : cacheWrite;
    if (requests == 0) {
      if (input + output > 0) {
        c.problem("num_model_requests", "is 0 while the result has " + (input + output) + " tokens");
      }
      return; // an empty group: nothing to store
    }
    String model = c.text(r, "model");
    if (model == null) {
      c.problem("model", "is null: usage without a model cannot be priced; export it grouped by model"
          + " (group_by=model)");
      return;
    }
    model = model.toLowerCase(Locale.ROOT);
    if (model.length() > PriceCatalog.MAX_MODEL_CHARS || !UsageImport.NAME.matcher(model).matches()) {
      c.problem("model", "'" + cut(model, 60) + "' must be at most " + PriceCatalog.MAX_MODEL_CHARS
          + " letters, digits and . _ : / -");
      return;
    }
    if (cachedTokens + cacheWriteTokens > input) {
      c.problem("input_cached_tokens", "input_cached_tokens + input_cache_write_tokens exceed input_tokens, which count"
          + " every input token, the cached ones included");
      return;
    }
    String project = c.text(r, "project_id");
    String apiKey = c.text(r, "api_key_id");
    String feature = project != null ? project : apiKey != null ? apiKey : UNGROUPED_FEATURE;
    if (feature.length() > UsageImport.MAX_FEATURE_CHARS || feature.chars().anyMatch(Character::isISOControl)) {
      c.problem(project != null ? "project_id" : "api_key_id", "must be at most " + UsageImport.MAX_FEATURE_CHARS
          + " characters without control characters");
      return;
    }
    // A row holds PostgreSQL integers: a larger sum is split into equal parts of the same requests, which keeps every
    // sum and every per-request average (so the long-context tier too) exactly.
    long largest = Math.max(Math.max(input, output), requests);
    int parts = (int) Math.min(Integer.MAX_VALUE, (largest + Integer.MAX_VALUE - 1) / Integer.MAX_VALUE);
    if (requests < parts) {
      c.problem("input_tokens", "more than " + Integer.MAX_VALUE + " tokens per request is not plausible");
      return;
    }
    for (int i = 0; i < parts; i++) {
      sink.row(new UsageRecord(start, PROVIDER, model, feature, share(input, parts, i), share(output, parts, i), null, null,
          "ok", share(cachedTokens, parts, i), share(cacheWriteTokens, parts, i), 0, share(requests, parts, i)));
    }
  }

  /** Part {@code i} of {@code n} of {@code total}: the first {@code total % n} parts get one more. */
  private static int share(long total, int n, int i) {
    return (int) (total / n + (i < total % n ? 1 : 0));
  }

  /** Reads a result's fields; a failed check adds a problem naming the field. */
  private static final class Checks {
    private final long line;
    private final String where;
    private final Sink sink;
    boolean bad;

    Checks(long line, String where, Sink sink) {
      this.line = line;
      this.where = where;
      this.sink = sink;
    }

    void problem(String field, String message) {
      bad = true;
      sink.problem(new RowProblem(line, field == null ? where : where + "." + field, message));
    }

    /** A whole number from 0, or null when absent or null and not needed. */
    Long count(JsonNode r, String field, boolean needed) {
      JsonNode n = r.get(field);
      if (n == null || n.isNull()) {
        if (needed) {
          problem(field, n == null ? "is missing" : "is null");
        }
        return null;
      }
      if (!n.isIntegralNumber() || !n.canConvertToLong()) {
        problem(field, "'" + cut(n.toString(), 30) + "' is not a whole number");
        return null;
      }
      if (n.longValue() < 0) {
        problem(field, n.longValue() + " is negative; it must be 0 or more");
        return null;
      }
      return n.longValue();
    }

    /** A string, or null when absent, null or blank. */
    String text(JsonNode r, String field) {
      JsonNode n = r.get(field);
      if (n == null || n.isNull()) {
        return null;
      }
      if (!n.isTextual()) {
        problem(field, "must be a string or null, not " + n.getNodeType().name().toLowerCase(Locale.ROOT));
        return null;
      }
      return n.textValue().isBlank() ? null : n.textValue().strip();
    }
  }

  private static String cut(String s, int max) {
    return s == null || s.length() <= max ? s : s.substring(0, max) + "...";
  }
}

package ai.netra.usage;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.json.Json;
import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** OpenAI's organization usage export read into aggregate rows, without a database. */
class OpenAiUsageExportTest {

  private static final Instant NOW = Instant.parse("2025-09-15T12:00:00Z");
  private static final long SEPT_1 = Instant.parse("2025-09-01T00:00:00Z").getEpochSecond();

  /** What an export was read into. */
  private record Read(List<UsageRecord> rows, List<RowProblem> problems, int results) { }

  private static Read read(String export) throws IOException {
    List<UsageRecord> rows = new ArrayList<>();
    List<RowProblem> problems = new ArrayList<>();
    int[] results = {0};
    try (JsonParser parser = Json.mapper().createParser(export)) {
      new OpenAiUsageExport(UsageImport.EARLIEST, NOW).read(parser, new OpenAiUsageExport.Sink() {
        @Override
        public void result() {
          results[0]++;
        }

        @Override
        public void row(UsageRecord row) {
          rows.add(row);
        }

        @Override
        public void problem(RowProblem problem) {
          problems.add(problem);
        }
      });
    }
    return new Read(rows, problems, results[0]);
  }

  /** A result as the API writes it; null fields are written as null. */
  private static String result(String model, String project, long input, long cached, long output, long requests) {
    return """
        {"object": "organization.usage.completions.result", "input_tokens": %d, "output_tokens": %d,
         "input_cached_tokens": %d, "input_audio_tokens": 0, "output_audio_tokens": 0, "num_model_requests": %d,
         "project_id": %s, "user_id": null, "api_key_id": null, "model": %s, "batch": null}"""
        .formatted(input, output, cached, requests, quoted(project), quoted(model));
  }

  private static String quoted(String s) {
    return s == null ? "null" : "\"" + s + "\"";
  }

  private static String bucket(long start, String... results) {
    return "{\"object\": \"bucket\", \"start_time\": " + start + ", \"end_time\": " + (start + 86_400) + ",\n \"results\": ["
        + String.join(",\n", results) + "]}";
  }

  private static String page(String... buckets) {
    return "{\"object\": \"page\", \"data\": [\n" + String.join(",\n", buckets) + "],\n \"has_more\": false, \"next_page\": null}";
  }

  @Test
  void resultsGroupedByModelBecomeAggregateRowsAtTheirBucketsStart() throws Exception {
    Read read = read(page(bucket(SEPT_1, result("gpt-4o-2024-08-06", null, 1_200_000, 400_000, 150_000, 600),
        result("GPT-4o-mini", null, 3_000, 0, 500, 2))));

    assertThat(read.problems()).isEmpty();
    assertThat(read.rows()).containsExactly(
        new UsageRecord(Instant.parse("2025-09-01T00:00:00Z"), "openai", "gpt-4o-2024-08-06",
            OpenAiUsageExport.UNGROUPED_FEATURE, 1_200_000, 150_000, null, null, "ok", 400_000, 0, 0, 600),
        new UsageRecord(Instant.parse("2025-09-01T00:00:00Z"), "openai", "gpt-4o-mini",
            OpenAiUsageExport.UNGROUPED_FEATURE, 3_000, 500, null, null, "ok", 0, 0, 0, 2));
  }

  @Test
  void theProjectIsTheFeatureAndElseTheApiKey() throws Exception {
    String byKey = result("gpt-4o", null, 100, 0, 10, 3).replace("\"api_key_id\": null", "\"api_key_id\": \"key_abc\"");
    Read read = read(page(bucket(SEPT_1, result("gpt-4o", "proj_support", 100, 0, 10, 3),
        result("gpt-4o", "proj_search", 200, 0, 20, 4), byKey)));

    assertThat(read.problems()).isEmpty();
    assertThat(read.rows()).extracting(UsageRecord::feature).containsExactly("proj_support", "proj_search", "key_abc");
    assertThat(read.rows()).extracting(UsageRecord::requests).containsExactly(3, 4, 3);
  }

  @Test
  void aResultWithoutAModelIsRefusedNamingItsBucketResultAndLine() throws Exception {
    String export = page(bucket(SEPT_1, result("gpt-4o", null, 100, 0, 10, 3)),
        bucket(SEPT_1 + 86_400, result("gpt-4o", null, 100, 0, 10, 3), result(null, null, 500, 0, 50, 7)));

    Read read = read(export);

    assertThat(read.problems()).hasSize(1);
    RowProblem problem = read.problems().get(0);
    assertThat(problem.field()).isEqualTo("data[1].results[1].model");
    assertThat(problem.message()).contains("cannot be priced", "group_by=model");
    List<String> lines = export.lines().toList();
    assertThat(lines.get((int) problem.line() - 1)).as("the line the problem names").contains("\"input_tokens\": 500");
  }

  @Test
  void pagesOneAfterAnotherOrInAnArrayAreAllRead() throws Exception {
    String first = page(bucket(SEPT_1, result("gpt-4o", null, 100, 0, 10, 3))).replace("\n", " ");
    String second = page(bucket(SEPT_1 + 86_400, result("gpt-4o", null, 200, 0, 20, 4))).replace("\n", " ");

    Read perLine = read(first + "\n" + second + "\n");
    Read array = read("[" + first + ",\n" + second + "]");

    assertThat(perLine.problems()).isEmpty();
    assertThat(perLine.rows()).extracting(UsageRecord::promptTokens).containsExactly(100, 200);
    assertThat(array.rows()).isEqualTo(perLine.rows());
    Read bad = read(first + "\n" + second.replace("\"input_tokens\": 200", "\"input_tokens\": -2"));
    assertThat(bad.problems()).extracting(RowProblem::line, RowProblem::field)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(2L, "page 2 data[0].results[0].input_tokens"));
  }

  @Test
  void emptyGroupsAreSkippedButCounted() throws Exception {
    Read read = read(page(bucket(SEPT_1, result(null, null, 0, 0, 0, 0), result("gpt-4o", "proj_x", 0, 0, 0, 0),
        result("gpt-4o", "proj_y", 10, 0, 1, 1))));

    assertThat(read.problems()).isEmpty();
    assertThat(read.results()).isEqualTo(3);
    assertThat(read.rows()).extracting(UsageRecord::feature).containsExactly("proj_y");
  }

  @Test
  void cachedAndCacheWriteTokensAreKeptInsideThePromptTokens() throws Exception {
    String withWrites = result("gpt-4.1", null, 10_000, 6_000, 800, 5).replace("\"input_audio_tokens\"",
        "\"input_cache_write_tokens\": 1000, \"input_audio_tokens\"");
    Read read = read(page(bucket(SEPT_1, withWrites)));

    assertThat(read.problems()).isEmpty();
    UsageRecord row = read.rows().get(0);
    assertThat(row.promptTokens()).isEqualTo(10_000);
    assertThat(row.cachedTokens()).isEqualTo(6_000);
    assertThat(row.cacheWriteTokens()).isEqualTo(1_000);
    assertThat(row.latencyMs()).isNull();
    assertThat(row.promptHash()).isNull();

    Read tooMany = read(page(bucket(SEPT_1, result("gpt-4.1", null, 10_000, 12_000, 800, 5))));
    assertThat(tooMany.problems()).extracting(RowProblem::field).containsExactly("data[0].results[0].input_cached_tokens");
  }

  @Test
  void sumsBeyondAPostgresIntegerAreSplitKeepingEverySum() throws Exception {
    long input = 5_000_000_000L;
    Read read = read(page(bucket(SEPT_1, result("gpt-4o-mini", null, input, 1_000_000_001L, 700_000_000L, 250_001))));

    assertThat(read.problems()).isEmpty();
    assertThat(read.rows()).hasSize(3);
    assertThat(read.rows().stream().mapToLong(UsageRecord::promptTokens).sum()).isEqualTo(input);
    assertThat(read.rows().stream().mapToLong(UsageRecord::cachedTokens).sum()).isEqualTo(1_000_000_001L);
    assertThat(read.rows().stream().mapToLong(UsageRecord::completionTokens).sum()).isEqualTo(700_000_000L);
    assertThat(read.rows().stream().mapToLong(UsageRecord::requests).sum()).isEqualTo(250_001);
  }

  @Test
  void badFieldsAndBadJsonAreNamed() throws Exception {
    Read types = read(page(bucket(SEPT_1, result("gpt-4o", null, 100, 0, 10, 3).replace("\"output_tokens\": 10",
        "\"output_tokens\": \"ten\""))));
    assertThat(types.problems()).extracting(RowProblem::field).containsExactly("data[0].results[0].output_tokens");

    Read time = read(page(bucket(NOW.getEpochSecond() + 86_400 * 3, result("gpt-4o", null, 100, 0, 10, 3))));
    assertThat(time.problems()).extracting(RowProblem::field).containsExactly("data[0].start_time");

    Read notAPage = read("{\"object\": \"list\", \"data\": []}");
    assertThat(notAPage.problems()).extracting(RowProblem::field).containsExactly("object");

    Read broken = read(page(bucket(SEPT_1, result("gpt-4o", null, 100, 0, 10, 3))).replace("\"has_more\"", "has_more"));
    assertThat(broken.problems()).hasSize(1);
    assertThat(broken.problems().get(0).message()).startsWith("not valid JSON");
    assertThat(broken.problems().get(0).line()).as("the line of has_more").isEqualTo(6);
  }

  @Test
  void theSampleExportHoldsFiveRowsOfTwoDays() throws Exception {
    Read read = read(sample());

    assertThat(read.problems()).isEmpty();
    assertThat(read.results()).isEqualTo(6);
    assertThat(read.rows()).extracting(UsageRecord::model).containsExactly("gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18",
        "gpt-4.1-mini-2025-04-14", "gpt-4o-2024-08-06", "o3-mini-2025-01-31");
    assertThat(read.rows().stream().mapToInt(UsageRecord::requests).sum()).isEqualTo(4_600);
  }

  @Test
  void jsonLinesAndTheExportAreToldApartByTheirText() throws Exception {
    assertThat(UsageFormat.ofJson(sample())).isEqualTo(UsageFormat.OPENAI_USAGE);
    assertThat(UsageFormat.ofJson("\uFEFF  [{\"object\": \"page\"")).isEqualTo(UsageFormat.OPENAI_USAGE);
    assertThat(UsageFormat.ofJson("{\"has_more\": false, \"data\": [")).isEqualTo(UsageFormat.OPENAI_USAGE);
    assertThat(UsageFormat.ofJson("{\"occurred_at\": \"2025-09-01T10:00:00Z\", \"provider\": \"openai\"}\n"))
        .isEqualTo(UsageFormat.JSONL);
    assertThat(UsageFormat.ofJson("{\"object\": \"bucket\"}")).isEqualTo(UsageFormat.JSONL);
    assertThat(UsageFormat.ofJson("")).isEqualTo(UsageFormat.JSONL);
    assertThat(UsageFormat.fromName("json")).contains(UsageFormat.OPENAI_USAGE);
    assertThat(UsageFormat.fromContentType("application/json; charset=utf-8")).contains(UsageFormat.OPENAI_USAGE);
  }

  static String sample() throws IOException {
    try (InputStream in = OpenAiUsageExportTest.class.getResourceAsStream("/usage/openai-completions-usage.json")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}

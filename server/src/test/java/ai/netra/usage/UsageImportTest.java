package ai.netra.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.zaxxer.hikari.HikariDataSource;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UsageImportTest {

  private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-09-15T12:00:00Z"), ZoneOffset.UTC);
  private static final String HEADER = "occurred_at,provider,model,feature,prompt_tokens,completion_tokens,latency_ms,"
      + "prompt_hash,status\n";

  private HikariDataSource dataSource;
  private UsageStore store;
  private UsageImport importer;

  @BeforeAll
  void open() {
    dataSource = MigratedDatabase.open("usage_import");
    store = new UsageStore(dataSource);
    importer = new UsageImport(store, PriceCatalog.bundled(), CLOCK);
  }

  @AfterAll
  void close() {
    if (dataSource != null) {
      dataSource.close();
    }
  }

  private static String user() {
    return "user-" + UUID.randomUUID();
  }

  private static InputStream text(String s) {
    return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
  }

  private long allRows() throws Exception {
    try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement("select count(*) from llm_usage");
        ResultSet rs = s.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Imports {@code upload}, expecting a refusal; checks that not one row was written. */
  private ImportRejectedException rejected(String upload, UsageFormat format) throws Exception {
    long before = allRows();
    ImportRejectedException e = catchThrowableOfType(ImportRejectedException.class,
        () -> importer.importFrom(user(), text(upload), format));
    assertThat(e).as("the upload is refused").isNotNull();
    assertThat(allRows()).as("rows in llm_usage after a refused import").isEqualTo(before);
    return e;
  }

  private static List<String> described(ImportRejectedException e) {
    List<String> lines = new ArrayList<>();
    for (RowProblem p : e.problems()) {
      lines.add(p.line() + " " + p.field());
    }
    return lines;
  }

  // --- accepted uploads ---

  @Test
  void csvRowsAreStoredWithDefaultsAndBothTimeFormats() throws Exception {
    String alice = user();
    String csv = HEADER
        + "2025-09-01T10:15:30Z,openai,gpt-4o,support-chat,1200,250,1800,abc123,ok\n"
        + "2025-09-01 11:00:00,Anthropic,Claude-Sonnet-4,\"search, rerank\",800,40,,,\n"
        + "\n"
        + "2025-09-02T08:00:00+02:00,google,gemini-2.0-flash,summarize,3000,0,30000,,TIMEOUT\n";

    UsageImport.Imported imported = importer.importFrom(alice, text(csv), UsageFormat.CSV);

    assertThat(imported.imported()).isEqualTo(3);
    assertThat(imported.first()).isEqualTo(Instant.parse("2025-09-01T10:15:30Z"));
    assertThat(imported.last()).as("+02:00 is converted to UTC").isEqualTo(Instant.parse("2025-09-02T06:00:00Z"));
    assertThat(store.count(alice)).isEqualTo(3);
    assertThat(stored(alice)).containsExactly(
        "2025-09-01T10:15:30Z|openai|gpt-4o|support-chat|1200|250|1800|abc123|ok",
        "2025-09-01T11:00:00Z|anthropic|claude-sonnet-4|search, rerank|800|40|null|null|ok",
        "2025-09-02T06:00:00Z|google|gemini-2.0-flash|summarize|3000|0|30000|null|timeout");
  }

  @Test
  void optionalColumnsMayBeLeftOutAndColumnsComeInAnyOrder() throws Exception {
    String bob = user();
    String csv = "feature,model,provider,completion_tokens,prompt_tokens,occurred_at\r\n"
        + "onboarding-email,gpt-4.1,openai,400,600,2025-09-10 09:00:00\r\n";

    assertThat(importer.importFrom(bob, text(csv), UsageFormat.CSV).imported()).isEqualTo(1);
    assertThat(stored(bob)).containsExactly("2025-09-10T09:00:00Z|openai|gpt-4.1|onboarding-email|600|400|null|null|ok");
  }

  @Test
  void jsonLinesAreStoredLikeCsv() throws Exception {
    String carol = user();
    String jsonl = """
        {"occurred_at": "2025-09-03T10:00:00Z", "provider": "openai", "model": "o3-mini", "feature": "code-review", \
        "prompt_tokens": 5000, "completion_tokens": 900, "latency_ms": 7000, "prompt_hash": "h1", "status": "error"}

        {"occurred_at": "2025-09-03 11:00:00", "provider": "openai", "model": "gpt-4.1-nano", "feature": "search", \
        "prompt_tokens": "700", "completion_tokens": 30, "latency_ms": null}
        """;

    UsageImport.Imported imported = importer.importFrom(carol, text(jsonl), UsageFormat.JSONL);

    assertThat(imported.imported()).isEqualTo(2);
    assertThat(stored(carol)).containsExactly(
        "2025-09-03T10:00:00Z|openai|o3-mini|code-review|5000|900|7000|h1|error",
        "2025-09-03T11:00:00Z|openai|gpt-4.1-nano|search|700|30|null|null|ok");
  }

  @Test
  void openAisUsageExportIsStoredAsAggregateRowsWhicheverJsonTypeItIsSentAs() throws Exception {
    String dana = user();
    String export = OpenAiUsageExportTest.sample();

    UsageImport.Imported imported = importer.importFrom(dana, text(export), UsageFormat.JSONL);

    assertThat(imported.imported()).as("six results, one of them empty").isEqualTo(5);
    assertThat(imported.first()).isEqualTo(Instant.parse("2025-09-01T00:00:00Z"));
    assertThat(imported.last()).isEqualTo(Instant.parse("2025-09-02T00:00:00Z"));
    try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(
        "select sum(requests), sum(aggregated_requests), sum(hashed_requests), sum(latency_count), sum(prompt_tokens),"
            + " sum(cached_tokens) from llm_usage_daily where user_id = ?")) {
      s.setString(1, dana);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        assertThat(List.of(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6)))
            .containsExactly(4_600L, 4_600L, 0L, 0L, 6_200_000L, 700_000L);
      }
    }
    assertThat(importer.importFrom(user(), text(export), UsageFormat.OPENAI_USAGE).imported()).isEqualTo(5);
  }

  @Test
  void anExportWithOneBadResultStoresNothing() throws Exception {
    String export = OpenAiUsageExportTest.sample().replace("\"model\": \"o3-mini-2025-01-31\"", "\"model\": null");

    ImportRejectedException e = rejected(export, UsageFormat.OPENAI_USAGE);

    assertThat(described(e)).containsExactly("93 page 2 data[0].results[1].model");
  }

  @Test
  void anUploadOfExactlyTheByteLimitIsAccepted() throws Exception {
    String row = "2025-09-01T10:00:00Z,openai,gpt-4o-mini,summarize,100,10,,,\n";
    String csv = HEADER + row + row;
    UsageImport exact = new UsageImport(store, PriceCatalog.bundled(), CLOCK,
        new UsageImport.Limits(csv.getBytes(StandardCharsets.UTF_8).length, 2));

    assertThat(exact.importFrom(user(), text(csv), UsageFormat.CSV).imported()).isEqualTo(2);
  }

  // --- refused uploads: nothing is written ---

  @Test
  void everyBadRowIsListedWithItsLineAndFieldAndNothingIsWritten() throws Exception {
    String csv = HEADER
        + "2025-09-01T10:00:00Z,openai,gpt-4o,support-chat,100,10,,,ok\n"          // 2: fine
        + "2025-09-01T10:00:00Z,openai,gpt-4o,support-chat,-5,10,,,ok\n"           // 3: negative tokens
        + "2025-09-01T10:00:00Z,openai,gpt 9000,support-chat,100,10,,,ok\n"        // 4: not a model name
        + "2025-09-01T10:00:00Z,acme!,gpt-4o,support-chat,100,10,,,ok\n"           // 5: not a provider name
        + "yesterday,openai,gpt-4o,support-chat,100,10,,,ok\n"                      // 6: bad timestamp
        + "2025-09-01T10:00:00Z,openai,gpt-4o,support-chat,100,10,,,maybe\n"       // 7: bad status
        + "2025-09-01T10:00:00Z,openai,gpt-4o,support-chat,3000000000,10,,,ok\n"   // 8: beyond int
        + "2025-09-01T10:00:00Z,openai,gpt-4o,support-chat,1.5,10,,,ok\n"          // 9: not whole
        + "2025-09-01T10:00:00Z,openai,gpt-4o,,100,10,,,ok\n"                      // 10: feature empty
        + "2025-09-01T10:00:00Z,openai,gpt-4o,support-chat,100\n"                  // 11: too few fields
        + "2030-01-01T00:00:00Z,openai,gpt-4o,support-chat,100,10,,,ok\n"          // 12: in the future
        + "2025-09-01T10:00:00Z,openai,gpt-4o,support-chat,100,10,-1,,ok\n"        // 13: negative latency
        + "2025-09-01T10:00:00Z,openai,gpt-4o," + "f".repeat(101) + ",1,1,,,ok\n"  // 14: feature too long
        + "\"2025-09-01T10:00:00Z\"x,openai,gpt-4o,support-chat,1,1,,,ok\n";        // 15: text after a quote

    ImportRejectedException e = rejected(csv, UsageFormat.CSV);

    assertThat(described(e)).containsExactly("3 prompt_tokens", "4 model", "5 provider", "6 occurred_at", "7 status",
        "8 prompt_tokens", "9 prompt_tokens", "10 feature", "11 null", "12 occurred_at", "13 latency_ms", "14 feature",
        "15 null");
    assertThat(e.totalProblems()).isEqualTo(13);
    assertThat(e.problems().get(0).message()).contains("-5 is negative");
    assertThat(e.problems().get(1).message()).contains("'gpt 9000' must be at most 100 letters, digits and . _ : / -");
    assertThat(e.problems().get(2).message()).contains("(providers priced now: anthropic, google, openai)");
    assertThat(e.problems().get(3).message()).contains("'yesterday' is not a time", "ISO-8601");
    assertThat(e.problems().get(4).message()).contains("use ok, error or timeout");
    assertThat(e.problems().get(8).message()).contains("the row has 5 fields, the header 9");
  }

  @Test
  void aHeaderWithWrongColumnsIsRefusedNamingEachOne() throws Exception {
    ImportRejectedException e = rejected("occurred_at,provider,model,feature,prompt_tokens,tokens_out,cost,user_id\n"
        + "2025-09-01T10:00:00Z,openai,gpt-4o,chat,1,1,0.1,bob\n", UsageFormat.CSV);

    assertThat(described(e)).containsExactly("1 tokens_out", "1 cost", "1 user_id", "1 completion_tokens");
    assertThat(e.problems().get(2).message()).contains("comes from the token");
    assertThat(e.problems().get(3).message()).contains("required column is missing");
  }

  @Test
  void anEmptyUploadOrOneWithoutRowsIsRefused() throws Exception {
    assertThat(rejected("", UsageFormat.CSV).problems().get(0).message()).contains("empty", "header row");
    assertThat(rejected(HEADER + "\n", UsageFormat.CSV).problems().get(0).message()).contains("no rows after the header");
    assertThat(rejected("\n\n", UsageFormat.JSONL).problems().get(0).message()).contains("no rows");
  }

  @Test
  void badJsonLinesAreListedWithTheirLines() throws Exception {
    String ok = "{\"occurred_at\": \"2025-09-01T10:00:00Z\", \"provider\": \"openai\", \"model\": \"gpt-4o\","
        + " \"feature\": \"chat\", \"prompt_tokens\": 10, \"completion_tokens\": 5}";
    String jsonl = ok + "\n"
        + "{not json\n"
        + "[1, 2]\n"
        + ok.replace("\"prompt_tokens\": 10", "\"prompt_tokens\": -10") + "\n"
        + ok.replace("\"feature\": \"chat\"", "\"feature\": \"chat\", \"cost\": 1.5") + "\n"
        + ok.replace("\"completion_tokens\": 5", "\"completion_tokens\": true") + "\n"
        + ok.replace("}", ", \"feature\": \"twice\"}") + "\n"
        + ok.replace(", \"feature\": \"chat\"", "") + "\n";

    ImportRejectedException e = rejected(jsonl, UsageFormat.JSONL);

    assertThat(described(e)).containsExactly("2 null", "3 null", "4 prompt_tokens", "5 cost", "6 completion_tokens",
        "7 null", "8 feature");
    assertThat(e.problems().get(0).message()).startsWith("not valid JSON");
    assertThat(e.problems().get(6).message()).isEqualTo("is missing");
  }

  @Test
  void moreThanAHundredProblemsAreCountedButOnlyTheFirstHundredListed() throws Exception {
    StringBuilder csv = new StringBuilder(HEADER);
    for (int i = 0; i < 150; i++) {
      csv.append("2025-09-01T10:00:00Z,openai,gpt-4o,chat,-1,-1,,,ok\n");
    }
    ImportRejectedException e = rejected(csv.toString(), UsageFormat.CSV);

    assertThat(e.totalProblems()).as("two problems on each of 150 rows").isEqualTo(300);
    assertThat(e.problems()).hasSize(UsageImport.LISTED_PROBLEMS);
    assertThat(e.problems().get(99).line()).as("the 100th problem is on the 50th row").isEqualTo(51);
  }

  @Test
  void textThatIsNotUtf8IsRefused() throws Exception {
    byte[] latin1 = (HEADER + "2025-09-01T10:00:00Z,openai,gpt-4o,caf\u00e9,1,1,,,ok\n").getBytes(StandardCharsets.ISO_8859_1);
    long before = allRows();
    ImportRejectedException e = catchThrowableOfType(ImportRejectedException.class,
        () -> importer.importFrom(user(), new ByteArrayInputStream(latin1), UsageFormat.CSV));
    assertThat(e.problems().get(0).message()).contains("not UTF-8");
    assertThat(allRows()).isEqualTo(before);
  }

  @Test
  void tooManyRowsAreRefusedAsSoonAsTheLimitIsPassed() throws Exception {
    UsageImport small = new UsageImport(store, PriceCatalog.bundled(), CLOCK, new UsageImport.Limits(UsageImport.MAX_BYTES, 1_000));
    long before = allRows();
    CountingRows upload = new CountingRows(HEADER, 1_000_000, 0);

    ImportTooLargeException e = catchThrowableOfType(ImportTooLargeException.class,
        () -> small.importFrom(user(), upload, UsageFormat.CSV));

    assertThat(e.code()).isEqualTo("too_many_rows");
    assertThat(e.getMessage()).contains("more than 1,000 rows");
    assertThat(upload.served()).as("bytes read of a 1 MB upload stopped after 1,000 rows").isLessThan(250_000);
    assertThat(allRows()).isEqualTo(before);
  }

  @Test
  void aFiftyMegabyteUploadIsRefusedAfterTheLimitWithoutReadingTheRest() throws Exception {
    long before = allRows();
    // Wide rows (a long feature and hash), so the byte limit comes before the row limit.
    String feature = "f".repeat(90);
    CountingRows upload = new CountingRows(HEADER, 50L * 1024 * 1024, 0, feature);

    ImportTooLargeException e = catchThrowableOfType(ImportTooLargeException.class,
        () -> importer.importFrom(user(), upload, UsageFormat.CSV));

    assertThat(e).as("a 50 MiB upload").isNotNull();
    assertThat(e.code()).isEqualTo("too_large");
    assertThat(e.getMessage()).contains("20 MiB");
    assertThat(upload.served()).as("bytes read of the 50 MiB upload")
        .isGreaterThan(UsageImport.MAX_BYTES).isLessThan(UsageImport.MAX_BYTES + 64 * 1024);
    assertThat(allRows()).isEqualTo(before);
  }

  @Test
  void aBlankUserIsRefusedBeforeAnythingIsRead() {
    assertThatThrownBy(() -> importer.importFrom(" ", text(HEADER), UsageFormat.CSV))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void fiftyThousandRowsAreStoredInOneTransaction() throws Exception {
    String dave = user();
    CountingRows upload = new CountingRows(HEADER, Long.MAX_VALUE, 50_000);
    long begin = System.nanoTime();

    UsageImport.Imported imported = importer.importFrom(dave, upload, UsageFormat.CSV);

    long tookMs = (System.nanoTime() - begin) / 1_000_000;
    System.out.printf(Locale.ROOT, "usage import: 50,000 CSV rows (%,d bytes) parsed, checked and stored in %d ms%n",
        upload.served(), tookMs);
    assertThat(imported.imported()).isEqualTo(50_000);
    assertThat(store.count(dave)).isEqualTo(50_000);
  }

  private List<String> stored(String userId) throws Exception {
    List<String> rows = new ArrayList<>();
    try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement("""
        select occurred_at, provider, model, feature, prompt_tokens, completion_tokens, latency_ms, prompt_hash, status
          from llm_usage where user_id = ? order by occurred_at""")) {
      s.setString(1, userId);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          rows.add(rs.getObject(1, java.time.OffsetDateTime.class).toInstant() + "|" + rs.getString(2) + "|"
              + rs.getString(3) + "|" + rs.getString(4) + "|" + rs.getInt(5) + "|" + rs.getInt(6) + "|"
              + rs.getObject(7) + "|" + rs.getString(8) + "|" + rs.getString(9));
        }
      }
    }
    return rows;
  }

  /**
   * A CSV upload of valid rows made up while it is read, never held whole: stops after {@code maxBytes}
   * or {@code rows} rows (0: no row limit), and says how many bytes were read from it.
   */
  private static final class CountingRows extends InputStream {
    private final long maxBytes;
    private final long rows;
    private final String feature;
    private byte[] current;
    private int position;
    private long made;
    private long served;

    CountingRows(String header, long maxBytes, long rows) {
      this(header, maxBytes, rows, "support-chat");
    }

    CountingRows(String header, long maxBytes, long rows, String feature) {
      this.maxBytes = maxBytes;
      this.rows = rows;
      this.feature = feature;
      this.current = header.getBytes(StandardCharsets.UTF_8);
    }

    long served() {
      return served;
    }

    private boolean next() {
      if (rows > 0 && made >= rows) {
        return false;
      }
      Instant at = Instant.parse("2025-08-01T00:00:00Z").plusSeconds(made * 30);
      current = (at + ",openai,gpt-4o-mini," + feature + "," + (1000 + made % 500) + "," + (100 + made % 50) + ","
          + (800 + made % 300) + "," + String.format(Locale.ROOT, "%064x", made) + ",ok\n").getBytes(StandardCharsets.UTF_8);
      position = 0;
      made++;
      return true;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (served >= maxBytes) {
        return -1;
      }
      if (position == current.length && !next()) {
        return -1;
      }
      int n = (int) Math.min(Math.min(len, current.length - position), maxBytes - served);
      System.arraycopy(current, position, b, off, n);
      position += n;
      served += n;
      return n;
    }
  }
}

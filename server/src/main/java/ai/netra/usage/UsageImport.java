package ai.netra.usage;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.regex.Pattern;

/**
 * Imports a user's LLM calls from an upload: CSV with a header row, or JSON lines, with the fields
 * of {@code llm_usage} ({@value #COLUMN_LIST}); or OpenAI's organization usage export, whose results become
 * aggregate rows (see {@link OpenAiUsageExport}).
 *
 * <p>All or nothing: every row is checked and every problem is collected with its line and field
 * (the first {@value #LISTED_PROBLEMS} are kept, all are counted); if any row is bad nothing is
 * written, otherwise every row is stored in one transaction with one COPY.
 *
 * <p>Hard limits, enforced while reading so an oversized upload is refused after at most
 * {@link Limits#maxBytes()} bytes, never read or held whole: by default 20 MiB and 200,000 rows.
 * Until the single COPY, the valid rows are held as COPY data: about the size of the upload plus
 * the user id on every row, at most ~40 MB; with at most {@value #IMPORTS_AT_ONCE} imports at once
 * per process by default, imports stay well inside a 512 MiB instance. Each user has slots of their
 * own ({@link Slots#perUser()}, one by default), so one user cannot hold every slot of an instance. 20 MB is about 200,000 CSV rows, two
 * months of a team making a call every 30 seconds; larger histories are imported in several files.
 */
public final class UsageImport {

  /** The most bytes one upload may have. */
  public static final long MAX_BYTES = 20L * 1024 * 1024;
  /** The most rows one upload may have. */
  public static final int MAX_ROWS = 200_000;
  /** How many problems a refusal lists; all are counted. */
  public static final int LISTED_PROBLEMS = 100;
  /** Imports running at once in this process by default; more are refused with {@link ImportBusyException}. */
  public static final int IMPORTS_AT_ONCE = 2;
  /** Imports one user may have running at once in this process by default. */
  public static final int IMPORTS_PER_USER = 1;
  static final String COLUMN_LIST =
      "occurred_at, provider, model, feature, prompt_tokens, completion_tokens, latency_ms?, prompt_hash?, status?,"
      + " cached_tokens?, cache_write_tokens?, reasoning_tokens?";
  static final List<String> REQUIRED = List.of("occurred_at", "provider", "model", "feature", "prompt_tokens",
      "completion_tokens");
  static final List<String> OPTIONAL = List.of("latency_ms", "prompt_hash", "status", "cached_tokens", "cache_write_tokens",
      "reasoning_tokens");
  /** How much of a JSON upload is read ahead to tell JSON lines from OpenAI's usage export. */
  static final int SNIFF_CHARS = 8_192;
  /** A row (or line) longer than this is refused: real rows are ~100-300 characters. */
  static final int MAX_RECORD_CHARS = 4_096;
  static final int MAX_FEATURE_CHARS = 100;
  static final int MAX_PROMPT_HASH_CHARS = 128;
  /** A call cannot be older than the LLM APIs it was made to. */
  static final Instant EARLIEST = Instant.parse("2020-01-01T00:00:00Z");
  /** Clocks of the systems that logged the calls may run ahead of ours, by this much. */
  static final Duration FUTURE_TOLERANCE = Duration.ofHours(1);

  private static final DateTimeFormatter SPACED_UTC = new DateTimeFormatterBuilder()
      .append(DateTimeFormatter.ISO_LOCAL_DATE).appendLiteral(' ').append(DateTimeFormatter.ISO_LOCAL_TIME)
      .toFormatter(Locale.ROOT).withResolverStyle(ResolverStyle.STRICT);
  private static final Pattern DIGITS = Pattern.compile("[0-9]+");
  private static final Pattern VISIBLE_ASCII = Pattern.compile("[!-~]+");
  static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._:/-]*");
  /** Built on first use: a mapper costs ~80 ms of a one-CPU start, and the importer is built while starting. */
  private static final class Lines {
    static final ObjectMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  }

  /** The hard limits of one upload. */
  public record Limits(long maxBytes, int maxRows) {
    /** {@link UsageImport#MAX_BYTES} and {@link UsageImport#MAX_ROWS}. */
    public static final Limits DEFAULT = new Limits(MAX_BYTES, MAX_ROWS);

    public Limits {
      if (maxBytes < 1 || maxRows < 1) {
        throw new IllegalArgumentException("import limits must be positive, not " + maxBytes + " bytes, " + maxRows + " rows");
      }
    }
  }

  /** How many imports run at once: {@code perUser} of one user's, {@code atOnce} of everyone's. */
  public record Slots(int perUser, int atOnce) {
    /** {@link UsageImport#IMPORTS_PER_USER} and {@link UsageImport#IMPORTS_AT_ONCE}. */
    public static final Slots DEFAULT = new Slots(IMPORTS_PER_USER, IMPORTS_AT_ONCE);

    public Slots {
      if (perUser < 1 || atOnce < 1) {
        throw new IllegalArgumentException("import slots must be positive, not " + perUser + " per user, " + atOnce + " at once");
      }
    }
  }

  /** What an import stored: how many rows, and the times of the earliest and latest. */
  public record Imported(int imported, Instant first, Instant last) { }

  private final UsageStore store;
  private final PriceCatalog catalog;
  private final Clock clock;
  private final Limits limits;
  private final Slots slots;
  private final Semaphore running;
  /** Imports running per user; a user with none has no entry. */
  private final Map<String, Integer> runningByUser = new ConcurrentHashMap<>();

  public UsageImport(UsageStore store, PriceCatalog catalog, Clock clock) {
    this(store, catalog, clock, Limits.DEFAULT);
  }

  public UsageImport(UsageStore store, PriceCatalog catalog, Clock clock, Limits limits) {
    this(store, catalog, clock, limits, Slots.DEFAULT);
  }

  public UsageImport(UsageStore store, PriceCatalog catalog, Clock clock, Limits limits, Slots slots) {
    this.store = Objects.requireNonNull(store, "store");
    this.catalog = Objects.requireNonNull(catalog, "catalog");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.limits = Objects.requireNonNull(limits, "limits");
    this.slots = Objects.requireNonNull(slots, "slots");
    this.running = new Semaphore(slots.atOnce());
  }

  public Limits limits() {
    return limits;
  }

  /**
   * Reads {@code upload} (UTF-8) to its end, checks every row and, when all are good, stores them
   * for the user in one transaction. The stream is not closed.
   *
   * @throws ImportRejectedException when any row (or the header) is bad; nothing is stored
   * @throws ImportTooLargeException as soon as the upload passes a hard limit; nothing is stored
   * @throws ImportBusyException when the user already runs {@link Slots#perUser()} imports here, or the instance
   *     {@link Slots#atOnce()}
   * @throws UsageStorageException when the database fails; nothing is stored
   * @throws IOException when the upload cannot be read (the client went away, a file is unreadable)
   * @throws IllegalArgumentException for a blank user id
   */
  public Imported importFrom(String userId, InputStream upload, UsageFormat format) throws IOException {
    if (userId == null || userId.isBlank() || userId.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("a user id is required (not blank, no NUL character)");
    }
    Objects.requireNonNull(upload, "upload");
    Objects.requireNonNull(format, "format");
    takeSlot(userId);
    try {
      UsageBatch batch = new UsageBatch(userId);
      Problems problems = new Problems();
      read(new Limited(upload, limits.maxBytes()), format, batch, problems);
      if (problems.total > 0) {
        throw new ImportRejectedException(problems.listed, problems.total);
      }
      int stored = store.insert(batch);
      return new Imported(stored, batch.first(), batch.last());
    } finally {
      runningByUser.computeIfPresent(userId, (user, n) -> n <= 1 ? null : n - 1);
      running.release();
    }
  }

  /**
   * Stores calls already read and checked elsewhere (the OTLP receiver's), for the user in one transaction, under the
   * same limit of imports at once.
   *
   * @throws ImportBusyException when the user already runs {@link Slots#perUser()} imports here, or the instance
   *     {@link Slots#atOnce()}
   * @throws UsageStorageException when the database fails; nothing is stored
   */
  public Imported importRecords(String userId, List<UsageRecord> records) {
    if (userId == null || userId.isBlank() || userId.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("a user id is required (not blank, no NUL character)");
    }
    takeSlot(userId);
    try {
      UsageBatch batch = new UsageBatch(userId);
      records.forEach(batch::add);
      return new Imported(batch.rows() == 0 ? 0 : store.insert(batch), batch.first(), batch.last());
    } finally {
      runningByUser.computeIfPresent(userId, (user, n) -> n <= 1 ? null : n - 1);
      running.release();
    }
  }

  private void takeSlot(String userId) {
    boolean[] taken = new boolean[1];
    runningByUser.compute(userId, (user, n) -> {
      int now = n == null ? 0 : n;
      taken[0] = now < slots.perUser();
      return taken[0] ? now + 1 : n;
    });
    if (!taken[0]) {
      throw new ImportBusyException("you already have " + slots.perUser() + (slots.perUser() == 1 ? " upload" : " uploads")
          + " running; send the next one when it has finished");
    }
    if (!running.tryAcquire()) {
      runningByUser.computeIfPresent(userId, (user, n) -> n <= 1 ? null : n - 1);
      throw new ImportBusyException("already " + slots.atOnce() + " imports running on this instance; retry in a few seconds");
    }
  }

  private void read(InputStream upload, UsageFormat declared, UsageBatch batch, Problems problems) throws IOException {
    BufferedReader text = new BufferedReader(new InputStreamReader(upload, StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)), SNIFF_CHARS);
    RecordReader reader = new RecordReader(text, MAX_RECORD_CHARS);
    try {
      UsageFormat format = declared == UsageFormat.CSV ? declared : UsageFormat.ofJson(start(text));
      switch (format) {
        case CSV -> readCsv(reader, batch, problems);
        case JSONL -> readJsonLines(reader, batch, problems);
        case OPENAI_USAGE -> readOpenAiExport(text, batch, problems);
      }
    } catch (CharacterCodingException e) {
      problems.add(new RowProblem(reader.line(), null, "the text is not UTF-8 (at or just after this line); save the file"
          + " as UTF-8 and upload it again"));
      batch.discard();
    }
  }

  /** The first {@value #SNIFF_CHARS} characters of {@code text} (or all of a shorter one), left unread. */
  private static String start(BufferedReader text) throws IOException {
    char[] start = new char[SNIFF_CHARS];
    text.mark(SNIFF_CHARS);
    int n = 0;
    for (int r; n < start.length && (r = text.read(start, n, start.length - n)) >= 0; ) {
      n += r;
    }
    text.reset();
    return new String(start, 0, n);
  }

  /** OpenAI's organization usage export; each result counts as a row against the limit. */
  private void readOpenAiExport(BufferedReader text, UsageBatch batch, Problems problems) throws IOException {
    text.mark(1);
    if (text.read() != '\uFEFF') {
      text.reset();
    }
    int[] results = {0};
    OpenAiUsageExport.Sink sink = new OpenAiUsageExport.Sink() {
      @Override
      public void result() {
        results[0] = countRow(results[0]);
      }

      @Override
      public void row(UsageRecord row) {
        if (problems.total == 0) {
          batch.add(row);
        }
      }

      @Override
      public void problem(RowProblem problem) {
        reject(batch, problems, problem);
      }
    };
    try (JsonParser parser = Lines.JSON.createParser(text)) {
      parser.disable(JsonParser.Feature.AUTO_CLOSE_SOURCE); // the caller closes the upload
      new OpenAiUsageExport(EARLIEST, clock.instant().plus(FUTURE_TOLERANCE)).read(parser, sink);
    }
    if (problems.total == 0 && batch.rows() == 0) {
      problems.add(new RowProblem(1, null, "the export holds no usage: " + (results[0] == 0 ? "no results"
          : "each of its " + results[0] + " results has 0 requests")));
    }
  }

  private void readCsv(RecordReader reader, UsageBatch batch, Problems problems) throws IOException {
    RecordReader.Record header = reader.nextCsv();
    while (header != null && header.blank()) {
      header = reader.nextCsv();
    }
    if (header == null) {
      problems.add(new RowProblem(1, null, "the file is empty: it needs a header row (" + COLUMN_LIST
          + "; ? marks optional columns) and one row per call"));
      return;
    }
    if (header.problem() != null) {
      problems.add(new RowProblem(header.line(), null, "the header row is unreadable: " + header.problem()));
      return;
    }
    List<String> columns = header.fields().stream().map(f -> f.strip().toLowerCase(Locale.ROOT)).toList();
    if (!checkColumns(header.line(), columns, problems)) {
      return;
    }
    int rows = 0;
    for (RecordReader.Record r; (r = reader.nextCsv()) != null; ) {
      if (r.blank()) {
        continue;
      }
      rows = countRow(rows);
      if (r.problem() != null) {
        reject(batch, problems, new RowProblem(r.line(), null, r.problem()));
        continue;
      }
      if (r.fields().size() != columns.size()) {
        reject(batch, problems, new RowProblem(r.line(), null, "the row has " + r.fields().size() + " fields, the header "
            + columns.size() + " (a comma inside a value must be in double quotes)"));
        continue;
      }
      Map<String, String> values = new HashMap<>();
      for (int i = 0; i < columns.size(); i++) {
        values.put(columns.get(i), r.fields().get(i));
      }
      accept(r.line(), values, batch, problems);
    }
    if (rows == 0) {
      problems.add(new RowProblem(header.line() + 1, null, "there are no rows after the header"));
    }
  }

  /** The header names each required column once and nothing else; false (with the problems added) when it does not. */
  private static boolean checkColumns(long line, List<String> columns, Problems problems) {
    long before = problems.total;
    List<String> seen = new ArrayList<>();
    for (String column : columns) {
      if (seen.contains(column)) {
        problems.add(new RowProblem(line, column, "the column is named twice"));
      } else if (column.equals("user_id")) {
        problems.add(new RowProblem(line, column, "the user comes from the token (or --user), not from the file;"
            + " remove this column"));
      } else if (!REQUIRED.contains(column) && !OPTIONAL.contains(column)) {
        problems.add(new RowProblem(line, cut(column, 40), "unknown column; the columns are " + COLUMN_LIST));
      }
      seen.add(column);
    }
    for (String required : REQUIRED) {
      if (!columns.contains(required)) {
        problems.add(new RowProblem(line, required, "the required column is missing; the columns are " + COLUMN_LIST));
      }
    }
    return problems.total == before;
  }

  private void readJsonLines(RecordReader reader, UsageBatch batch, Problems problems) throws IOException {
    int rows = 0;
    for (RecordReader.Record r; (r = reader.nextLine()) != null; ) {
      if (r.blank()) {
        continue;
      }
      rows = countRow(rows);
      if (r.problem() != null) {
        reject(batch, problems, new RowProblem(r.line(), null, r.problem()));
        continue;
      }
      JsonNode node;
      try {
        node = Lines.JSON.readTree(r.fields().get(0));
      } catch (JsonProcessingException e) {
        reject(batch, problems, new RowProblem(r.line(), null, "not valid JSON: " + cut(e.getOriginalMessage(), 160)));
        continue;
      }
      if (node == null || !node.isObject()) {
        reject(batch, problems, new RowProblem(r.line(), null, "each line must be one JSON object with the fields "
            + COLUMN_LIST));
        continue;
      }
      Map<String, String> values = new HashMap<>();
      boolean good = true;
      for (Map.Entry<String, JsonNode> field : node.properties()) {
        String name = field.getKey();
        JsonNode value = field.getValue();
        if (name.equals("user_id")) {
          good = reject(batch, problems, new RowProblem(r.line(), name, "the user comes from the token (or --user),"
              + " not from the file; remove this field"));
        } else if (!REQUIRED.contains(name) && !OPTIONAL.contains(name)) {
          good = reject(batch, problems, new RowProblem(r.line(), cut(name, 40), "unknown field; the fields are " + COLUMN_LIST));
        } else if (value.isNull()) {
          values.put(name, null);
        } else if (value.isTextual()) {
          values.put(name, value.textValue());
        } else if (value.isNumber()) {
          values.put(name, value.isIntegralNumber() ? value.bigIntegerValue().toString() : value.asText());
        } else {
          good = reject(batch, problems, new RowProblem(r.line(), name, "must be a string or a number, not "
              + value.getNodeType().name().toLowerCase(Locale.ROOT)));
        }
      }
      if (good) {
        accept(r.line(), values, batch, problems);
      }
    }
    if (rows == 0) {
      problems.add(new RowProblem(1, null, "there are no rows: one JSON object per line, with the fields " + COLUMN_LIST));
    }
  }

  private int countRow(int rows) {
    if (rows >= limits.maxRows()) {
      throw new ImportTooLargeException("too_many_rows", "the upload has more than " + String.format(Locale.ROOT, "%,d",
          limits.maxRows()) + " rows, the most one import takes; split it into several files");
    }
    return rows + 1;
  }

  /** Checks one row's values (null or blank: absent) and adds it to the batch, or its problems to the list. */
  private void accept(long line, Map<String, String> raw, UsageBatch batch, Problems problems) {
    // Fields are checked in the order of the columns, so a row's problems are listed in that order too.
    Row row = new Row(line, raw, problems);
    Instant occurredAt = row.time("occurred_at");
    String provider = row.required("provider");
    String model = row.required("model");
    // A model the catalog does not price is stored all the same: the answers name it as unpriced, never count it as
    // free, and a catalog that prices it later (netra reprice) prices its history.
    if (provider != null) {
      provider = provider.toLowerCase(Locale.ROOT);
      if (provider.length() > PriceCatalog.MAX_PROVIDER_CHARS || !NAME.matcher(provider).matches()) {
        row.problem("provider", "'" + cut(provider, 40) + "' must be at most " + PriceCatalog.MAX_PROVIDER_CHARS
            + " letters, digits and . _ : / - (providers priced now: " + String.join(", ", catalog.providers()) + ")");
      }
    }
    if (model != null) {
      model = model.toLowerCase(Locale.ROOT);
      if (model.length() > PriceCatalog.MAX_MODEL_CHARS || !NAME.matcher(model).matches()) {
        row.problem("model", "'" + cut(model, 60) + "' must be at most " + PriceCatalog.MAX_MODEL_CHARS
            + " letters, digits and . _ : / -");
      }
    }
    String feature = row.required("feature");
    if (feature != null) {
      if (feature.length() > MAX_FEATURE_CHARS) {
        row.problem("feature", "is longer than " + MAX_FEATURE_CHARS + " characters");
      } else if (feature.chars().anyMatch(Character::isISOControl)) {
        row.problem("feature", "holds a control character (tab, line break, NUL ...)");
      }
    }
    Integer promptTokens = row.count("prompt_tokens", true);
    Integer completionTokens = row.count("completion_tokens", true);
    Integer latencyMs = row.count("latency_ms", false);
    Integer cachedTokens = row.count("cached_tokens", false);
    Integer cacheWriteTokens = row.count("cache_write_tokens", false);
    Integer reasoningTokens = row.count("reasoning_tokens", false);
    if (promptTokens != null && cachedTokens != null
        && (long) cachedTokens + (cacheWriteTokens == null ? 0 : cacheWriteTokens) > promptTokens) {
      row.problem("cached_tokens", "cached_tokens + cache_write_tokens exceed prompt_tokens; prompt_tokens count every input"
          + " token, the cached ones included");
    } else if (promptTokens != null && cacheWriteTokens != null && cacheWriteTokens > promptTokens) {
      row.problem("cache_write_tokens", "exceeds prompt_tokens; prompt_tokens count every input token, cache writes included");
    }
    if (completionTokens != null && reasoningTokens != null && reasoningTokens > completionTokens) {
      row.problem("reasoning_tokens", "exceeds completion_tokens; completion_tokens count every output token, reasoning"
          + " included");
    }
    String promptHash = row.optional("prompt_hash");
    if (promptHash != null && (promptHash.length() > MAX_PROMPT_HASH_CHARS || !VISIBLE_ASCII.matcher(promptHash).matches())) {
      row.problem("prompt_hash", "must be at most " + MAX_PROMPT_HASH_CHARS + " visible ASCII characters (a hex digest, say)");
    }
    String status = row.optional("status");
    if (status == null) {
      status = "ok";
    } else {
      status = status.toLowerCase(Locale.ROOT);
      if (!UsageRecord.STATUSES.contains(status)) {
        row.problem("status", "'" + cut(status, 20) + "' is not a status; use ok, error or timeout (empty means ok)");
      }
    }
    if (row.bad) {
      batch.discard();
      return;
    }
    if (problems.total == 0) {
      batch.add(new UsageRecord(occurredAt, provider, model, feature, promptTokens, completionTokens, latencyMs, promptHash,
          status, zeroIfNull(cachedTokens), zeroIfNull(cacheWriteTokens), zeroIfNull(reasoningTokens), 1));
    }
  }

  /** Records a problem that makes the whole upload fail; returns false, for "this row is not good". */
  private static boolean reject(UsageBatch batch, Problems problems, RowProblem problem) {
    problems.add(problem);
    batch.discard();
    return false;
  }

  /** One row's raw values and the checks that read them; each failed check adds a problem naming the field. */
  private final class Row {
    private final long line;
    private final Map<String, String> raw;
    private final Problems problems;
    boolean bad;

    Row(long line, Map<String, String> raw, Problems problems) {
      this.line = line;
      this.raw = raw;
      this.problems = problems;
    }

    void problem(String field, String message) {
      bad = true;
      problems.add(new RowProblem(line, field, message));
    }

    String optional(String field) {
      String value = raw.get(field);
      return value == null || value.isBlank() ? null : value.strip();
    }

    String required(String field) {
      String value = optional(field);
      if (value == null) {
        problem(field, raw.containsKey(field) ? "is empty" : "is missing");
      }
      return value;
    }

    Instant time(String field) {
      String text = required(field);
      if (text == null) {
        return null;
      }
      Instant at;
      try {
        at = text.indexOf('T') > 0 || text.indexOf('t') > 0
            ? DateTimeFormatter.ISO_INSTANT.parse(text.toUpperCase(Locale.ROOT), Instant::from)
            : LocalDateTime.parse(text, SPACED_UTC).toInstant(ZoneOffset.UTC);
      } catch (DateTimeParseException e) {
        problem(field, "'" + cut(text, 40) + "' is not a time; use ISO-8601 (2025-06-01T14:30:00Z) or 2025-06-01 14:30:00 (UTC)");
        return null;
      }
      Instant latest = clock.instant().plus(FUTURE_TOLERANCE);
      if (at.isBefore(EARLIEST) || at.isAfter(latest)) {
        problem(field, cut(text, 40) + " is not a plausible time of a call: it must lie between " + EARLIEST + " and now");
        return null;
      }
      return at;
    }

    /** A whole number from 0 to 2,147,483,647 (PostgreSQL integer). */
    Integer count(String field, boolean needed) {
      String text = needed ? required(field) : optional(field);
      if (text == null) {
        return null;
      }
      if (text.startsWith("-") && DIGITS.matcher(text.substring(1)).matches()) {
        problem(field, text + " is negative; it must be 0 or more");
        return null;
      }
      if (!DIGITS.matcher(text).matches()) {
        problem(field, "'" + cut(text, 30) + "' is not a whole number");
        return null;
      }
      if (text.length() > 10 || Long.parseLong(text) > Integer.MAX_VALUE) {
        problem(field, cut(text, 30) + " is too large; at most " + Integer.MAX_VALUE);
        return null;
      }
      return Integer.parseInt(text);
    }
  }

  /** The first problems and how many there were. */
  private static final class Problems {
    final List<RowProblem> listed = new ArrayList<>();
    long total;

    void add(RowProblem problem) {
      total++;
      if (listed.size() < LISTED_PROBLEMS) {
        listed.add(problem);
      }
    }
  }

  private static int zeroIfNull(Integer n) {
    return n == null ? 0 : n;
  }

  private static String cut(String s, int max) {
    return s == null || s.length() <= max ? s : s.substring(0, max) + "...";
  }

  /** Passes bytes through until more than {@code max} were read, then refuses: the rest of the upload is never read. */
  private static final class Limited extends FilterInputStream {
    private final long max;
    private long count;

    Limited(InputStream in, long max) {
      super(in);
      this.max = max;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      // Ask for at most one byte past the limit: enough to tell "exactly at the limit" from "over it".
      int n = in.read(b, off, (int) Math.min(len, max - count + 1));
      if (n > 0) {
        count += n;
        if (count > max) {
          throw new ImportTooLargeException("too_large", "the upload is larger than " + describe(max)
              + ", the most one import takes; split it into several files");
        }
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      return read(new byte[(int) Math.min(n, 8192)], 0, (int) Math.min(n, 8192));
    }

    @Override
    public boolean markSupported() {
      return false;
    }
  }

  static String describe(long bytes) {
    return bytes % (1024 * 1024) == 0 ? bytes / (1024 * 1024) + " MiB" : String.format(Locale.ROOT, "%,d bytes", bytes);
  }
}

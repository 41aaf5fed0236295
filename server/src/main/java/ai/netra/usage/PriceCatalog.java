package ai.netra.usage;

import static ai.netra.config.SettingNames.PRICE_CATALOG_FILE;

import ai.netra.db.Transactions;
import ai.netra.startup.ConfigurationException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.math.BigDecimal;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * The models whose usage can be recorded and what they cost when: the catalog shipped in the jar
 * ({@value #RESOURCE}), with an operator's file ({@code PRICE_CATALOG_FILE}) on top, mirrored into
 * the {@code model_prices} table for the analysis queries. Immutable once loaded.
 *
 * <p>Provider and model names are lower case; lookups ignore case, so {@code GPT-4o} is {@code gpt-4o}.
 */
public final class PriceCatalog {

  /** The catalog shipped in the jar. */
  public static final String RESOURCE = "/prices/model-prices.csv";
  /** The columns both the shipped file and an override must start with (after {@code #} comment lines). */
  public static final String HEADER = "provider,model,input_usd_per_mtok,output_usd_per_mtok,effective_from";
  /** The component prices a CSV catalog may add after {@link #HEADER}, in any order, each optional (empty: none). */
  public static final List<String> COMPONENT_COLUMNS = List.of("cached_input_usd_per_mtok", "cache_write_usd_per_mtok",
      "reasoning_usd_per_mtok", "long_context_input_usd_per_mtok", "long_context_output_usd_per_mtok",
      "long_context_cached_input_usd_per_mtok", "long_context_cache_write_usd_per_mtok");
  /** The date LiteLLM's prices (which carry none) apply from: before any call the import accepts. */
  public static final LocalDate LITELLM_EFFECTIVE_FROM = LocalDate.parse("2020-01-01");
  /** The setting that names an override file. */
  public static final String SETTING = PRICE_CATALOG_FILE;
  static final int MAX_PROVIDER_CHARS = 50;
  static final int MAX_MODEL_CHARS = 100;
  /** {@code model_prices} stores numeric(12, 6): six places after the point, below a million. */
  private static final BigDecimal MAX_PRICE = new BigDecimal("999999.999999");
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._:/-]*");
  private static final int MAX_LINE_CHARS = 1_000;
  /** At most this many line problems are listed in one message; the count says how many there were. */
  private static final int LISTED_PROBLEMS = 10;

  /** Prices by "provider/model", each list ordered by effective date. */
  private final Map<String, List<ModelPrice>> byModel;
  /** Model names by provider, sorted. */
  private final Map<String, List<String>> byProvider;
  private final List<ModelPrice> prices;

  private PriceCatalog(List<ModelPrice> rows) {
    Map<String, List<ModelPrice>> models = new TreeMap<>();
    for (ModelPrice p : rows) {
      models.computeIfAbsent(key(p.provider(), p.model()), k -> new ArrayList<>()).add(p);
    }
    models.replaceAll((k, list) -> list.stream().sorted(Comparator.comparing(ModelPrice::effectiveFrom)).toList());
    this.byModel = Map.copyOf(models);
    Map<String, List<String>> providers = new TreeMap<>();
    for (String key : models.keySet()) { // sorted, so each provider's list is too
      int slash = key.indexOf('/');
      providers.computeIfAbsent(key.substring(0, slash), k -> new ArrayList<>()).add(key.substring(slash + 1));
    }
    providers.replaceAll((k, list) -> List.copyOf(list));
    this.byProvider = Map.copyOf(providers);
    this.prices = models.values().stream().flatMap(List::stream).toList();
  }

  /**
   * The catalog shipped in the jar.
   *
   * @throws IllegalStateException when it is missing or does not parse: a defect of this build
   */
  public static PriceCatalog bundled() {
    return new PriceCatalog(bundledRows());
  }

  /**
   * The shipped catalog with the rows of {@code overrideOrNull} on top: a row with the same provider,
   * model and effective date replaces the shipped one, any other row is added.
   *
   * @throws ConfigurationException naming {@value #SETTING} when the file cannot be read or has bad
   *     lines (each with its line number)
   */
  public static PriceCatalog load(Path overrideOrNull) {
    List<ModelPrice> rows = bundledRows();
    if (overrideOrNull == null) {
      return new PriceCatalog(rows);
    }
    List<ModelPrice> override;
    boolean liteLlm = LiteLlmPrices.looksLikeJson(overrideOrNull);
    try (InputStream in = Files.newInputStream(overrideOrNull)) {
      override = liteLlm ? LiteLlmPrices.parse(in, SETTING + "=" + overrideOrNull) : parse(in, SETTING + "=" + overrideOrNull);
    } catch (IOException e) {
      throw new ConfigurationException(SETTING + "=" + overrideOrNull + " cannot be read: " + e,
          "point " + SETTING + " at a readable CSV file with the header " + HEADER + " or a LiteLLM .json file, or unset it",
          List.of(SETTING), e);
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException(e.getMessage(), (liteLlm
          ? "fix the file where named (a copy of LiteLLM's model_prices_and_context_window.json: one JSON object of models,"
              + " prices in US dollars per token as LiteLLM writes them)"
          : "fix the lines named (header " + HEADER + "; prices in US dollars per million tokens; dates as 2025-01-31)")
              + ", or unset " + SETTING + " to use the shipped prices",
          List.of(SETTING), e);
    }
    return new PriceCatalog(liteLlm ? replaceModels(rows, override) : merge(rows, override));
  }

  /**
   * {@code base} without any row of a model that {@code override} prices, plus every row of {@code override}: a
   * LiteLLM file prices a model as of now, without dates, so it replaces that model's whole price history.
   */
  static List<ModelPrice> replaceModels(List<ModelPrice> base, List<ModelPrice> override) {
    java.util.Set<String> replaced = new java.util.HashSet<>();
    override.forEach(p -> replaced.add(key(p.provider(), p.model())));
    List<ModelPrice> rows = new ArrayList<>();
    base.stream().filter(p -> !replaced.contains(key(p.provider(), p.model()))).forEach(rows::add);
    rows.addAll(override);
    return List.copyOf(rows);
  }

  /** {@code base} with every row of {@code override} put in: same provider, model and date replaces, others are added. */
  static List<ModelPrice> merge(List<ModelPrice> base, List<ModelPrice> override) {
    Map<String, ModelPrice> merged = new LinkedHashMap<>();
    for (ModelPrice p : base) {
      merged.put(key(p.provider(), p.model()) + "@" + p.effectiveFrom(), p);
    }
    for (ModelPrice p : override) {
      merged.put(key(p.provider(), p.model()) + "@" + p.effectiveFrom(), p);
    }
    return List.copyOf(merged.values());
  }

  private static List<ModelPrice> bundledRows() {
    try (InputStream in = PriceCatalog.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the price catalog " + RESOURCE + " is missing from this build");
      }
      return parse(in, "the shipped price catalog " + RESOURCE);
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalStateException("the shipped price catalog is broken (a defect of this build): " + e.getMessage(), e);
    }
  }

  /**
   * Parses a catalog in the {@link #HEADER} format. Lines starting with {@code #} and empty lines are
   * skipped. Every bad line is found, not just the first.
   *
   * @param source how to name the file in messages
   * @throws IllegalArgumentException listing the bad lines as "line N: what is wrong"
   * @throws IOException when the text cannot be read or is not UTF-8
   */
  static List<ModelPrice> parse(InputStream in, String source) throws IOException {
    Reader text = new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT));
    List<String> problems = new ArrayList<>();
    List<ModelPrice> rows = new ArrayList<>();
    Map<String, Long> seen = new LinkedHashMap<>();
    boolean header = false;
    List<String> columns = List.of();
    try (RecordReader reader = new RecordReader(text, MAX_LINE_CHARS)) {
      for (RecordReader.Record r; (r = reader.nextCsv()) != null; ) {
        if (r.blank() || r.problem() == null && r.fields().get(0).stripLeading().startsWith("#")) {
          continue;
        }
        if (r.problem() != null) {
          problems.add("line " + r.line() + ": " + r.problem());
          continue;
        }
        if (!header) {
          header = true;
          columns = r.fields().stream().map(f -> f.strip().toLowerCase(Locale.ROOT)).toList();
          List<String> extra = columns.subList(Math.min(5, columns.size()), columns.size());
          if (!String.join(",", columns.subList(0, Math.min(5, columns.size()))).equals(HEADER)
              || !COMPONENT_COLUMNS.containsAll(extra) || extra.stream().distinct().count() != extra.size()) {
            throw new IllegalArgumentException(source + ": line " + r.line() + ": the header must be " + HEADER
                + ", optionally followed by any of " + String.join(",", COMPONENT_COLUMNS) + ", not "
                + cut(String.join(",", r.fields()), 200));
          }
          continue;
        }
        try {
          ModelPrice price = row(columns, r.fields());
          String key = key(price.provider(), price.model()) + "@" + price.effectiveFrom();
          Long earlier = seen.putIfAbsent(key, r.line());
          if (earlier != null) {
            problems.add("line " + r.line() + ": " + price.provider() + "," + price.model() + " from " + price.effectiveFrom()
                + " is already priced on line " + earlier + "; keep one of them");
            continue;
          }
          rows.add(price);
        } catch (IllegalArgumentException e) {
          problems.add("line " + r.line() + ": " + e.getMessage());
        }
      }
    }
    if (!header) {
      throw new IllegalArgumentException(source + " is empty: it needs the header " + HEADER + " and one line per price");
    }
    if (!problems.isEmpty()) {
      List<String> listed = problems.subList(0, Math.min(problems.size(), LISTED_PROBLEMS));
      throw new IllegalArgumentException(source + " has " + problems.size() + " bad line" + (problems.size() == 1 ? "" : "s")
          + ": " + String.join("; ", listed) + (problems.size() > listed.size() ? "; ..." : ""));
    }
    return rows;
  }

  private static ModelPrice row(List<String> columns, List<String> fields) {
    if (fields.size() != columns.size()) {
      throw new IllegalArgumentException("expected " + columns.size() + " fields (" + String.join(",", columns) + "), found "
          + fields.size());
    }
    String provider = name(fields.get(0), "provider", MAX_PROVIDER_CHARS);
    String model = name(fields.get(1), "model", MAX_MODEL_CHARS);
    BigDecimal input = price(fields.get(2), "input_usd_per_mtok");
    BigDecimal output = price(fields.get(3), "output_usd_per_mtok");
    LocalDate from;
    try {
      from = LocalDate.parse(fields.get(4).strip());
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("effective_from '" + cut(fields.get(4), 40) + "' is not a date like 2025-01-31");
    }
    Map<String, BigDecimal> components = new java.util.HashMap<>();
    for (int i = 5; i < columns.size(); i++) {
      if (!fields.get(i).isBlank()) {
        components.put(columns.get(i), price(fields.get(i), columns.get(i)));
      }
    }
    return withComponents(provider, model, input, output, from, components);
  }

  /** A price with the component prices named by {@link #COMPONENT_COLUMNS} (absent: none). */
  static ModelPrice withComponents(String provider, String model, BigDecimal input, BigDecimal output, LocalDate from,
      Map<String, BigDecimal> components) {
    return new ModelPrice(provider, model, input, output, from, components.get("cached_input_usd_per_mtok"),
        components.get("cache_write_usd_per_mtok"), components.get("reasoning_usd_per_mtok"),
        components.get("long_context_input_usd_per_mtok"), components.get("long_context_output_usd_per_mtok"),
        components.get("long_context_cached_input_usd_per_mtok"), components.get("long_context_cache_write_usd_per_mtok"));
  }

  static String name(String raw, String field, int max) {
    String value = raw.strip();
    if (value.isEmpty()) {
      throw new IllegalArgumentException(field + " is empty");
    }
    if (value.length() > max) {
      throw new IllegalArgumentException(field + " is longer than " + max + " characters");
    }
    if (!NAME.matcher(value).matches()) {
      throw new IllegalArgumentException(field + " '" + cut(value, 40) + "' must be lower case letters, digits and . _ : / -");
    }
    return value;
  }

  static BigDecimal price(String raw, String field) {
    String value = raw.strip();
    BigDecimal price;
    try {
      price = new BigDecimal(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(field + " '" + cut(value, 40) + "' is not a number (US dollars per million tokens, e.g. 2.50)");
    }
    if (price.signum() < 0 || price.compareTo(MAX_PRICE) > 0) {
      throw new IllegalArgumentException(field + " " + value + " must be from 0 to " + MAX_PRICE.toPlainString());
    }
    if (price.stripTrailingZeros().scale() > 6) {
      throw new IllegalArgumentException(field + " " + value + " has more than 6 decimal places");
    }
    return price;
  }

  static String key(String provider, String model) {
    return provider.toLowerCase(Locale.ROOT) + "/" + model.toLowerCase(Locale.ROOT);
  }

  static String cut(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "...";
  }

  /** Every price, ordered by provider, model and effective date. */
  public List<ModelPrice> prices() {
    return prices;
  }

  /** True when the catalog has any price for this provider's model (case ignored). */
  public boolean knows(String provider, String model) {
    return provider != null && model != null && byModel.containsKey(key(provider, model));
  }

  /** The models the catalog knows, as "provider/model", sorted. */
  public List<String> models() {
    return byModel.keySet().stream().sorted().toList();
  }

  /** The providers the catalog knows, sorted. */
  public List<String> providers() {
    return byProvider.keySet().stream().sorted().toList();
  }

  /** The models of one provider (case ignored), sorted; empty for an unknown provider. */
  public List<String> models(String provider) {
    return provider == null ? List.of() : byProvider.getOrDefault(provider.toLowerCase(Locale.ROOT), List.of());
  }

  /**
   * The price of a model on a date: the row with the latest effective date on or before it. Empty
   * for an unknown model, or a date before the model's first price.
   */
  public Optional<ModelPrice> priceAt(String provider, String model, LocalDate date) {
    List<ModelPrice> rows = provider == null || model == null ? null : byModel.get(key(provider, model));
    if (rows == null) {
      return Optional.empty();
    }
    ModelPrice found = null;
    for (ModelPrice p : rows) {
      if (p.effectiveFrom().isAfter(date)) {
        break;
      }
      found = p;
    }
    return Optional.ofNullable(found);
  }

  /**
   * Writes every price into {@code model_prices} in one transaction: rows are inserted, or updated
   * when their prices differ. Rows in the table that the catalog lacks are kept (an operator may
   * have added them, and older instances may still rely on them); {@link #replaceIn} removes them.
   *
   * @return how many rows were inserted or changed (0 when the table already matched)
   * @throws SQLException when the database refuses; nothing is written then
   */
  public int sync(DataSource dataSource) throws SQLException {
    return Transactions.inTransaction(dataSource, this::upsert);
  }

  /** What {@link #replaceIn} changed in {@code model_prices}. */
  public record Replaced(int written, int removed) { }

  /**
   * Makes {@code model_prices} exactly this catalog, on {@code c}'s transaction (the caller commits): every price
   * inserted or updated, every row the catalog lacks deleted. The usage tools price each request at the
   * table's prices when they read it, so once this commits every figure of history is at the new prices.
   *
   * @throws SQLException when the database refuses
   */
  public Replaced replaceIn(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.setQueryTimeout(10);
      s.execute("create temporary table catalog_keys (provider text, model text, effective_from date) on commit drop");
    }
    try (PreparedStatement s = c.prepareStatement("insert into catalog_keys values (?, ?, ?)")) {
      for (ModelPrice p : prices) {
        s.setString(1, p.provider());
        s.setString(2, p.model());
        s.setDate(3, Date.valueOf(p.effectiveFrom()));
        s.addBatch();
      }
      s.executeBatch();
    }
    int removed;
    try (PreparedStatement s = c.prepareStatement("""
        delete from model_prices m
         where not exists (select 1 from catalog_keys k
                            where (k.provider, k.model, k.effective_from) = (m.provider, m.model, m.effective_from))""")) {
      s.setQueryTimeout(10);
      removed = s.executeUpdate();
    }
    return new Replaced(upsert(c), removed);
  }

  private static final String PRICE_COLUMNS = "input_usd_per_mtok, output_usd_per_mtok, cached_input_usd_per_mtok,"
      + " cache_write_usd_per_mtok, reasoning_usd_per_mtok, long_context_input_usd_per_mtok, long_context_output_usd_per_mtok,"
      + " long_context_cached_input_usd_per_mtok, long_context_cache_write_usd_per_mtok";

  private int upsert(Connection c) throws SQLException {
    String excluded = String.join(", ", java.util.Arrays.stream(PRICE_COLUMNS.split(",\\s*")).map(col -> "excluded." + col).toList());
    String current = String.join(", ", java.util.Arrays.stream(PRICE_COLUMNS.split(",\\s*")).map(col -> "model_prices." + col).toList());
    try (PreparedStatement s = c.prepareStatement(
        "insert into model_prices (provider, model, effective_from, " + PRICE_COLUMNS + ")\n"
            + "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)\n"
            + "on conflict (provider, model, effective_from) do update set (" + PRICE_COLUMNS + ") = (" + excluded + ")\n"
            + " where (" + current + ") is distinct from (" + excluded + ")")) {
      s.setQueryTimeout(10);
      // One order for every instance: concurrent starts lock the same rows in the same order, so never deadlock.
      for (ModelPrice p : prices) {
        s.setString(1, p.provider());
        s.setString(2, p.model());
        s.setDate(3, Date.valueOf(p.effectiveFrom()));
        s.setBigDecimal(4, p.inputUsdPerMtok());
        s.setBigDecimal(5, p.outputUsdPerMtok());
        s.setBigDecimal(6, p.cachedInputUsdPerMtok());
        s.setBigDecimal(7, p.cacheWriteUsdPerMtok());
        s.setBigDecimal(8, p.reasoningUsdPerMtok());
        s.setBigDecimal(9, p.longContextInputUsdPerMtok());
        s.setBigDecimal(10, p.longContextOutputUsdPerMtok());
        s.setBigDecimal(11, p.longContextCachedInputUsdPerMtok());
        s.setBigDecimal(12, p.longContextCacheWriteUsdPerMtok());
        s.addBatch();
      }
      int changed = 0;
      for (int n : s.executeBatch()) {
        changed += Math.max(n, 0);
      }
      return changed;
    }
  }

  @Override
  public String toString() {
    return "PriceCatalog[" + byModel.size() + " models, " + prices.size() + " prices]";
  }
}

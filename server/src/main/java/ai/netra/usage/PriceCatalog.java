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
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.SQLException;
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
  /** The one header both the shipped file and an override must start with (after {@code #} comment lines). */
  public static final String HEADER = "provider,model,input_usd_per_mtok,output_usd_per_mtok,effective_from";
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
    try (InputStream in = Files.newInputStream(overrideOrNull)) {
      override = parse(in, SETTING + "=" + overrideOrNull);
    } catch (IOException e) {
      throw new ConfigurationException(SETTING + "=" + overrideOrNull + " cannot be read: " + e,
          "point " + SETTING + " at a readable CSV file with the header " + HEADER + ", or unset it", List.of(SETTING), e);
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException(e.getMessage(),
          "fix the lines named (header " + HEADER + "; prices in US dollars per million tokens; dates as 2025-01-31),"
              + " or unset " + SETTING + " to use the shipped prices",
          List.of(SETTING), e);
    }
    return new PriceCatalog(merge(rows, override));
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
          String found = String.join(",", r.fields().stream().map(f -> f.strip().toLowerCase(Locale.ROOT)).toList());
          if (!found.equals(HEADER)) {
            throw new IllegalArgumentException(source + ": line " + r.line() + ": the header must be " + HEADER
                + ", not " + cut(String.join(",", r.fields()), 200));
          }
          continue;
        }
        try {
          ModelPrice price = row(r.fields());
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

  private static ModelPrice row(List<String> fields) {
    if (fields.size() != 5) {
      throw new IllegalArgumentException("expected 5 fields (" + HEADER + "), found " + fields.size());
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
    return new ModelPrice(provider, model, input, output, from);
  }

  private static String name(String raw, String field, int max) {
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

  private static BigDecimal price(String raw, String field) {
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

  private static String key(String provider, String model) {
    return provider.toLowerCase(Locale.ROOT) + "/" + model.toLowerCase(Locale.ROOT);
  }

  private static String cut(String s, int max) {
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
   * have added them, and older instances may still rely on them).
   *
   * @return how many rows were inserted or changed (0 when the table already matched)
   * @throws SQLException when the database refuses; nothing is written then
   */
  public int sync(DataSource dataSource) throws SQLException {
    return Transactions.inTransaction(dataSource, c -> {
      try (PreparedStatement s = c.prepareStatement("""
          insert into model_prices (provider, model, input_usd_per_mtok, output_usd_per_mtok, effective_from)
          values (?, ?, ?, ?, ?)
          on conflict (provider, model, effective_from) do update
             set input_usd_per_mtok = excluded.input_usd_per_mtok, output_usd_per_mtok = excluded.output_usd_per_mtok
           where (model_prices.input_usd_per_mtok, model_prices.output_usd_per_mtok)
                 is distinct from (excluded.input_usd_per_mtok, excluded.output_usd_per_mtok)""")) {
        s.setQueryTimeout(10);
        // One order for every instance: concurrent starts lock the same rows in the same order, so never deadlock.
        for (ModelPrice p : prices) {
          s.setString(1, p.provider());
          s.setString(2, p.model());
          s.setBigDecimal(3, p.inputUsdPerMtok());
          s.setBigDecimal(4, p.outputUsdPerMtok());
          s.setDate(5, Date.valueOf(p.effectiveFrom()));
          s.addBatch();
        }
        int changed = 0;
        for (int n : s.executeBatch()) {
          changed += Math.max(n, 0);
        }
        return changed;
      }
    });
  }

  @Override
  public String toString() {
    return "PriceCatalog[" + byModel.size() + " models, " + prices.size() + " prices]";
  }
}

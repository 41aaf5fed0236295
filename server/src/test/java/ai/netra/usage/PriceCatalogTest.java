package ai.netra.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.netra.config.Settings;
import ai.netra.startup.ConfigurationException;
import com.zaxxer.hikari.HikariDataSource;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PriceCatalogTest {

  private static final String HEADER = PriceCatalog.HEADER + "\n";

  private HikariDataSource dataSource;

  @BeforeAll
  void open() {
    dataSource = MigratedDatabase.open("prices");
  }

  @AfterAll
  void close() {
    if (dataSource != null) {
      dataSource.close();
    }
  }

  private static Path write(Path dir, String text) throws Exception {
    Path file = dir.resolve("prices.csv");
    Files.writeString(file, text);
    return file;
  }

  @Test
  void shippedCatalogKnowsTheMainModelsOfEachProviderIgnoringCase() {
    PriceCatalog catalog = PriceCatalog.bundled();

    assertThat(catalog.models()).as("models of the shipped catalog").hasSizeBetween(10, 16)
        .contains("openai/gpt-4o", "openai/gpt-4o-mini", "openai/gpt-4.1", "openai/gpt-4.1-nano", "openai/o3-mini",
            "anthropic/claude-sonnet-4", "anthropic/claude-3-5-haiku", "anthropic/claude-opus-4",
            "google/gemini-2.0-flash", "google/gemini-2.5-pro");
    assertThat(catalog.knows("OpenAI", "GPT-4o")).as("lookups ignore case").isTrue();
    assertThat(catalog.knows("openai", "gpt-5-ultra")).as("a model it does not list").isFalse();
    assertThat(catalog.knows("acme", "gpt-4o")).as("a model under another provider").isFalse();
    assertThat(catalog.models("anthropic")).containsExactly("claude-3-5-haiku", "claude-opus-4", "claude-sonnet-4");
  }

  @Test
  void priceAtADateIsTheLatestRowOnOrBeforeIt() {
    PriceCatalog catalog = PriceCatalog.bundled();

    assertThat(catalog.priceAt("openai", "gpt-4o", LocalDate.parse("2024-06-01")).orElseThrow().inputUsdPerMtok())
        .as("gpt-4o at launch").isEqualByComparingTo("5.00");
    assertThat(catalog.priceAt("openai", "gpt-4o", LocalDate.parse("2024-10-02")).orElseThrow().inputUsdPerMtok())
        .as("gpt-4o on the day of its price cut").isEqualByComparingTo("2.50");
    assertThat(catalog.priceAt("openai", "gpt-4o", LocalDate.parse("2026-01-01")).orElseThrow().outputUsdPerMtok())
        .as("gpt-4o long after").isEqualByComparingTo("10.00");
    assertThat(catalog.priceAt("openai", "gpt-4o", LocalDate.parse("2024-05-12"))).as("before its first price").isEmpty();
    assertThat(catalog.priceAt("openai", "nope", LocalDate.parse("2025-01-01"))).as("an unknown model").isEmpty();

    ModelPrice opus = catalog.priceAt("anthropic", "claude-opus-4", LocalDate.parse("2025-08-01")).orElseThrow();
    assertThat(opus.costUsd(1_000_000, 100_000)).as("1M tokens in, 100k out of opus")
        .isEqualByComparingTo(new BigDecimal("22.5"));
  }

  @Test
  void anOverrideReplacesRowsOfTheSameDateAndAddsNewOnes(@TempDir Path dir) throws Exception {
    Path file = write(dir, "# our negotiated prices\n" + HEADER
        + "openai,gpt-4o,2.00,8.00,2024-10-02\n"
        + "acme,house-model-1,0.05,0.10,2025-01-01\n"
        + "\n");

    PriceCatalog catalog = PriceCatalog.load(file);

    assertThat(catalog.priceAt("openai", "gpt-4o", LocalDate.parse("2025-01-01")).orElseThrow().inputUsdPerMtok())
        .as("the override's row replaces the shipped one of the same date").isEqualByComparingTo("2.00");
    assertThat(catalog.priceAt("openai", "gpt-4o", LocalDate.parse("2024-06-01")).orElseThrow().inputUsdPerMtok())
        .as("the shipped row of another date stays").isEqualByComparingTo("5.00");
    assertThat(catalog.knows("acme", "house-model-1")).as("a model only the override names").isTrue();
    assertThat(catalog.prices()).hasSize(PriceCatalog.bundled().prices().size() + 1);
  }

  @Test
  void everyBadLineOfAnOverrideIsNamedByNumberInAConfigurationError(@TempDir Path dir) throws Exception {
    Path file = write(dir, HEADER
        + "openai,gpt-4o,2.00,8.00,2024-10-02\n"      // line 2: fine
        + "openai,gpt-4o,abc,8.00,2024-11-01\n"       // line 3: price not a number
        + "openai,gpt-4o-mini,-1,0.60,2024-07-18\n"   // line 4: negative
        + "openai,gpt-4o,1,2,yesterday\n"             // line 5: bad date
        + "openai,gpt-4o,1,2\n"                       // line 6: four fields
        + "OpenAI Inc,gpt-4o,1,2,2025-01-01\n"        // line 7: bad provider name
        + "openai,gpt-4o,2.00,8.00,2024-10-02\n");    // line 8: same as line 2

    assertThatThrownBy(() -> PriceCatalog.load(file))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("6 bad lines")
        .hasMessageContaining("line 3: input_usd_per_mtok 'abc' is not a number")
        .hasMessageContaining("line 4: input_usd_per_mtok -1 must be from 0")
        .hasMessageContaining("line 5: effective_from 'yesterday' is not a date")
        .hasMessageContaining("line 6: expected 5 fields")
        .hasMessageContaining("line 7: provider 'OpenAI Inc'")
        .hasMessageContaining("line 8: openai,gpt-4o from 2024-10-02 is already priced on line 2")
        .satisfies(e -> assertThat(((ConfigurationException) e).settings()).containsExactly("PRICE_CATALOG_FILE"));
  }

  @Test
  void anOverrideWithTheWrongHeaderOrNoneIsRefused(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> PriceCatalog.load(write(dir, "model,provider,in,out,from\nopenai,gpt-4o,1,2,2025-01-01\n")))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("line 1: the header must be " + PriceCatalog.HEADER);
    assertThatThrownBy(() -> PriceCatalog.load(write(dir, "# only a comment\n")))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("is empty");
    assertThatThrownBy(() -> PriceCatalog.load(dir.resolve("missing.csv")))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("cannot be read");
  }

  @Test
  void parsingAcceptsQuotedFieldsAndWindowsLineEnds() throws Exception {
    String text = HEADER.replace("\n", "\r\n") + "\"openai\",\"gpt-4o\",\"2.50\",10,2024-10-02\r\n";
    assertThat(PriceCatalog.parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), "test"))
        .containsExactly(new ModelPrice("openai", "gpt-4o", new BigDecimal("2.50"), new BigDecimal("10"),
            LocalDate.parse("2024-10-02")));
  }

  @Test
  void theSettingIsCheckedToBeAReadableFileAndShownInTheDiagnostics(@TempDir Path dir) throws Exception {
    Settings missing = Settings.read(Map.of("PRICE_CATALOG_FILE", dir.resolve("nope.csv").toString()));
    assertThat(missing.problems()).as("a file that does not exist is a setting problem")
        .anySatisfy(p -> assertThat(p.settings()).containsExactly("PRICE_CATALOG_FILE"));

    Path file = write(dir, HEADER);
    Settings set = Settings.read(Map.of("PRICE_CATALOG_FILE", file.toString()));
    assertThat(set.problems()).isEmpty();
    assertThat(set.priceCatalogFile()).isEqualTo(file);
    assertThat(set.displayAll()).containsEntry("PRICE_CATALOG_FILE", file.toString());
    assertThat(Settings.read(Map.of()).displayAll()).containsEntry("PRICE_CATALOG_FILE", "MISSING");
  }

  @Test
  void syncWritesEveryPriceOnceAndThenOnlyWhatChanged(@TempDir Path dir) throws Exception {
    PriceCatalog shipped = PriceCatalog.bundled();

    assertThat(shipped.sync(dataSource)).as("rows written into an empty table").isEqualTo(shipped.prices().size());
    assertThat(shipped.sync(dataSource)).as("rows written when the table already matches").isZero();
    assertThat(rows("select count(*) from model_prices")).isEqualTo(shipped.prices().size());

    PriceCatalog changed = PriceCatalog.load(write(dir, HEADER + "openai,gpt-4o,2.00,8.00,2024-10-02\n"));
    assertThat(changed.sync(dataSource)).as("one price changed").isEqualTo(1);
    assertThat(rows("select count(*) from model_prices where provider = 'openai' and model = 'gpt-4o'"
        + " and effective_from = date '2024-10-02' and input_usd_per_mtok = 2.00")).isEqualTo(1);
    assertThat(shipped.sync(dataSource)).as("back to the shipped price").isEqualTo(1);
  }

  private long rows(String sql) throws Exception {
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Issue 22: PRICE_CATALOG_FILE also takes LiteLLM's model_prices_and_context_window.json, with its component prices. */
  @Test
  void aLiteLlmFileLoadsWithItsComponentPricesAndReplacesThoseModelsHistory(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("model_prices_and_context_window.json");
    try (var in = PriceCatalogTest.class.getResourceAsStream("/prices/litellm-sample.json")) {
      Files.copy(in, file);
    }
    PriceCatalog catalog = PriceCatalog.load(file);

    ModelPrice sonnet = catalog.priceAt("anthropic", "claude-sonnet-4-20250514", LocalDate.parse("2025-06-01")).orElseThrow();
    assertThat(sonnet.inputUsdPerMtok()).isEqualByComparingTo("3");
    assertThat(sonnet.outputUsdPerMtok()).isEqualByComparingTo("15");
    assertThat(sonnet.cachedInputUsdPerMtok()).isEqualByComparingTo("0.30");
    assertThat(sonnet.cacheWriteUsdPerMtok()).isEqualByComparingTo("3.75");
    assertThat(sonnet.longContextInputUsdPerMtok()).isEqualByComparingTo("6");
    assertThat(sonnet.longContextOutputUsdPerMtok()).isEqualByComparingTo("22.50");
    assertThat(sonnet.longContextCachedInputUsdPerMtok()).isEqualByComparingTo("0.60");
    assertThat(sonnet.longContextCacheWriteUsdPerMtok()).isEqualByComparingTo("7.50");
    assertThat(catalog.priceAt("openai", "o3", LocalDate.parse("2025-06-01")).orElseThrow().reasoningUsdPerMtok())
        .isEqualByComparingTo("8");
    assertThat(catalog.knows("google", "gemini-2.5-pro")).as("gemini/ prefix dropped, provider gemini is google").isTrue();
    assertThat(catalog.knows("openai", "dall-e-3")).as("priced per image, not per token").isFalse();
    assertThat(catalog.knows("openai", "text-embedding-3-small")).as("an embedding prices output at 0: still per token").isTrue();
    assertThat(catalog.priceAt("openai", "gpt-4o", LocalDate.parse("2024-06-01")).orElseThrow().inputUsdPerMtok())
        .as("LiteLLM's price replaces the shipped history of gpt-4o (5.00 until 2024-10-02)").isEqualByComparingTo("2.50");
    assertThat(catalog.knows("openai", "gpt-4.1")).as("shipped models it does not name stay").isTrue();
  }

  @Test
  void aJsonFileThatIsNotLiteLlmsFormatIsAConfigurationError(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("prices.json"), "[1, 2]");
    assertThatThrownBy(() -> PriceCatalog.load(file)).isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("must be one JSON object of models");
    Path none = Files.writeString(dir.resolve("none.json"), "{\"x\": {\"mode\": \"chat\"}}");
    assertThatThrownBy(() -> PriceCatalog.load(none)).isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("prices no model");
  }

  @Test
  void aBrokenJsonFileIsNamedByLineAndColumnWithAHintForItsFormat(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("prices.json"), "{\"gpt-4o\": [ {\"a\": 1}\n");
    assertThatThrownBy(() -> PriceCatalog.load(file)).isInstanceOfSatisfying(ConfigurationException.class, e -> {
      assertThat(e.getMessage()).startsWith("PRICE_CATALOG_FILE=" + file + " is not valid JSON at line 2, column 1: ")
          .contains("expected close marker for Array (start marker at line 1, column 12)")
          .doesNotContain("Source:");
      assertThat(e.hint()).startsWith("fix the file where named (a copy of LiteLLM's model_prices_and_context_window.json")
          .doesNotContain("header");
    });
  }
}

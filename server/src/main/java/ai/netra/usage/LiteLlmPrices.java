package ai.netra.usage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads LiteLLM's {@code model_prices_and_context_window.json}: an object of models, each with
 * {@code litellm_provider} and prices in US dollars per token ({@code input_cost_per_token},
 * {@code output_cost_per_token}, {@code cache_read_input_token_cost}, {@code cache_creation_input_token_cost},
 * {@code output_cost_per_reasoning_token}, and the {@code _above_200k_tokens} tier of each). Entries
 * without both an input and an output price per token (images, audio, embeddings) and names the
 * catalog cannot hold are skipped; the prices carry no date, so they apply from
 * {@link PriceCatalog#LITELLM_EFFECTIVE_FROM}.
 */
final class LiteLlmPrices {

  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  /** A place Jackson names inside a message: "[Source: REDACTED (...); line: 1, column: 12]". */
  private static final Pattern JACKSON_PLACE = Pattern.compile("\\[Source: [^\\]]*?; line: (\\d+), column: (\\d+)\\]");
  private static final Map<String, String> COMPONENTS = Map.of(
      "cache_read_input_token_cost", "cached_input_usd_per_mtok",
      "cache_creation_input_token_cost", "cache_write_usd_per_mtok",
      "output_cost_per_reasoning_token", "reasoning_usd_per_mtok",
      "input_cost_per_token_above_200k_tokens", "long_context_input_usd_per_mtok",
      "output_cost_per_token_above_200k_tokens", "long_context_output_usd_per_mtok",
      "cache_read_input_token_cost_above_200k_tokens", "long_context_cached_input_usd_per_mtok",
      "cache_creation_input_token_cost_above_200k_tokens", "long_context_cache_write_usd_per_mtok");

  private LiteLlmPrices() { }

  /** True for a {@code .json} file: the LiteLLM format; anything else is read as CSV. */
  static boolean looksLikeJson(Path file) {
    return file.getFileName() != null && file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json");
  }

  /**
   * The prices of the file's chat and completion models, by provider as the catalog names them
   * ({@code vertex_ai-*} and {@code gemini} are {@code google}), the model without a {@code provider/}
   * prefix. When two entries name the same provider and model, the first one counts.
   *
   * @throws IllegalArgumentException when the text is not a JSON object of objects, or prices no model
   */
  static List<ModelPrice> parse(InputStream in, String source) throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(in);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(source + " is not valid JSON" + (e.getLocation() == null ? "" : " at line "
          + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr()) + ": "
          + PriceCatalog.cut(JACKSON_PLACE.matcher(e.getOriginalMessage()).replaceAll("line $1, column $2"), 160)
          + " (LiteLLM's model_prices_and_context_window.json is expected for a .json file)");
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(source + " must be one JSON object of models, as LiteLLM's"
          + " model_prices_and_context_window.json is");
    }
    List<ModelPrice> rows = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (Map.Entry<String, JsonNode> entry : root.properties()) {
      ModelPrice price = price(entry.getKey(), entry.getValue());
      if (price != null && seen.add(PriceCatalog.key(price.provider(), price.model()))) {
        rows.add(price);
      }
    }
    if (rows.isEmpty()) {
      throw new IllegalArgumentException(source + " prices no model: no entry has litellm_provider, input_cost_per_token"
          + " and output_cost_per_token");
    }
    return rows;
  }

  /** The entry's price, or null when it is not a model priced per token that the catalog can name. */
  private static ModelPrice price(String key, JsonNode entry) {
    if (!entry.isObject() || !entry.path("input_cost_per_token").isNumber() || !entry.path("output_cost_per_token").isNumber()
        || !entry.path("litellm_provider").isTextual()) {
      return null; // sample_spec, images, audio, embeddings
    }
    String provider = provider(entry.path("litellm_provider").asText());
    String name = key.toLowerCase(Locale.ROOT);
    int slash = name.indexOf('/');
    if (slash > 0) {
      name = name.substring(slash + 1);
    }
    try {
      provider = PriceCatalog.name(provider, "provider", PriceCatalog.MAX_PROVIDER_CHARS);
      String model = PriceCatalog.name(name, "model", PriceCatalog.MAX_MODEL_CHARS);
      Map<String, BigDecimal> components = new HashMap<>();
      for (Map.Entry<String, String> c : COMPONENTS.entrySet()) {
        if (entry.path(c.getKey()).isNumber()) {
          components.put(c.getValue(), perMillion(entry.path(c.getKey()), c.getKey()));
        }
      }
      return PriceCatalog.withComponents(provider, model, perMillion(entry.path("input_cost_per_token"), "input_cost_per_token"),
          perMillion(entry.path("output_cost_per_token"), "output_cost_per_token"), PriceCatalog.LITELLM_EFFECTIVE_FROM,
          components);
    } catch (IllegalArgumentException e) {
      return null; // a name or price the catalog cannot hold: that model stays unpriced, as any unknown one
    }
  }

  /** LiteLLM's provider name as the usage data names it. */
  static String provider(String liteLlm) {
    String p = liteLlm.toLowerCase(Locale.ROOT);
    if (p.equals("gemini") || p.startsWith("vertex_ai")) {
      return "google";
    }
    return p;
  }

  /** US dollars per token to per million tokens, at the catalog's six decimal places. */
  private static BigDecimal perMillion(JsonNode perToken, String field) {
    BigDecimal value = perToken.decimalValue().movePointRight(6).setScale(6, RoundingMode.HALF_UP).stripTrailingZeros();
    return PriceCatalog.price(value.toPlainString(), field);
  }
}

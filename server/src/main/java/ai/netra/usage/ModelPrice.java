package ai.netra.usage;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The list price of one provider's model from a date on, in US dollars per million tokens: input and
 * output, and where the provider bills them apart, cached input (a prompt-cache read), cache writes,
 * reasoning tokens, and the long-context tier (every token of a request whose prompt is longer than
 * {@value #LONG_CONTEXT_TOKENS} tokens). A component without a price (null) is billed at the base
 * input price (cached input, cache write) or output price (reasoning), and the long-context tier at
 * the base prices.
 */
public record ModelPrice(String provider, String model, BigDecimal inputUsdPerMtok, BigDecimal outputUsdPerMtok,
    LocalDate effectiveFrom, BigDecimal cachedInputUsdPerMtok, BigDecimal cacheWriteUsdPerMtok,
    BigDecimal reasoningUsdPerMtok, BigDecimal longContextInputUsdPerMtok, BigDecimal longContextOutputUsdPerMtok,
    BigDecimal longContextCachedInputUsdPerMtok, BigDecimal longContextCacheWriteUsdPerMtok) {

  /** A request whose prompt has more tokens than this is priced at the long-context tier. */
  public static final long LONG_CONTEXT_TOKENS = 200_000;

  public ModelPrice {
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(inputUsdPerMtok, "inputUsdPerMtok");
    Objects.requireNonNull(outputUsdPerMtok, "outputUsdPerMtok");
    Objects.requireNonNull(effectiveFrom, "effectiveFrom");
    if (Stream.of(inputUsdPerMtok, outputUsdPerMtok, cachedInputUsdPerMtok, cacheWriteUsdPerMtok, reasoningUsdPerMtok,
        longContextInputUsdPerMtok, longContextOutputUsdPerMtok, longContextCachedInputUsdPerMtok,
        longContextCacheWriteUsdPerMtok).anyMatch(p -> p != null && p.signum() < 0)) {
      throw new IllegalArgumentException(provider + "/" + model + ": prices cannot be negative");
    }
  }

  /** A price of input and output tokens only. */
  public ModelPrice(String provider, String model, BigDecimal inputUsdPerMtok, BigDecimal outputUsdPerMtok,
      LocalDate effectiveFrom) {
    this(provider, model, inputUsdPerMtok, outputUsdPerMtok, effectiveFrom, null, null, null, null, null, null, null);
  }

  /** What {@code promptTokens} in and {@code completionTokens} out cost at this price, in US dollars, without components. */
  public BigDecimal costUsd(long promptTokens, long completionTokens) {
    return costUsd(new Tokens(promptTokens, completionTokens, 0, 0, 0));
  }

  /**
   * What one request with these tokens costs at this price, in US dollars, exactly: each component at
   * its own price (or the base price it falls back to), the whole request at the long-context tier
   * when its prompt is longer than {@value #LONG_CONTEXT_TOKENS} tokens.
   */
  public BigDecimal costUsd(Tokens t) {
    boolean longContext = t.prompt() > LONG_CONTEXT_TOKENS;
    BigDecimal input = longContext ? or(longContextInputUsdPerMtok, inputUsdPerMtok) : inputUsdPerMtok;
    BigDecimal output = longContext ? or(longContextOutputUsdPerMtok, outputUsdPerMtok) : outputUsdPerMtok;
    BigDecimal cached = longContext ? or(longContextCachedInputUsdPerMtok, or(cachedInputUsdPerMtok, input))
        : or(cachedInputUsdPerMtok, input);
    BigDecimal cacheWrite = longContext ? or(longContextCacheWriteUsdPerMtok, or(cacheWriteUsdPerMtok, input))
        : or(cacheWriteUsdPerMtok, input);
    BigDecimal reasoning = longContext ? output : or(reasoningUsdPerMtok, output);
    return input.multiply(BigDecimal.valueOf(t.prompt() - t.cached() - t.cacheWrite()))
        .add(cached.multiply(BigDecimal.valueOf(t.cached())))
        .add(cacheWrite.multiply(BigDecimal.valueOf(t.cacheWrite())))
        .add(output.multiply(BigDecimal.valueOf(t.completion() - t.reasoning())))
        .add(reasoning.multiply(BigDecimal.valueOf(t.reasoning())))
        .movePointLeft(6);
  }

  /** True when every component these tokens use has its own price, none a fallback to the base price. */
  public boolean pricesExactly(Tokens t) {
    return (t.cached() == 0 || cachedInputUsdPerMtok != null) && (t.cacheWrite() == 0 || cacheWriteUsdPerMtok != null);
  }

  private static BigDecimal or(BigDecimal price, BigDecimal fallback) {
    return price == null ? fallback : price;
  }

  /**
   * The tokens of one request: {@code prompt} includes {@code cached} and {@code cacheWrite}, {@code completion}
   * includes {@code reasoning}.
   */
  public record Tokens(long prompt, long completion, long cached, long cacheWrite, long reasoning) {
    public Tokens {
      if (prompt < 0 || completion < 0 || cached < 0 || cacheWrite < 0 || reasoning < 0 || cached + cacheWrite > prompt
          || reasoning > completion) {
        throw new IllegalArgumentException("token counts must be 0 or more, cached + cache writes within the prompt and"
            + " reasoning within the completion: " + prompt + ", " + completion + ", " + cached + ", " + cacheWrite + ", "
            + reasoning);
      }
    }
  }
}

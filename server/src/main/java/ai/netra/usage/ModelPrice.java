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
    return costUsd(new Sums(t.prompt(), t.completion(), t.cached(), t.cacheWrite(), t.reasoning(),
        longContext ? t.prompt() : 0, longContext ? t.completion() : 0, longContext ? t.cached() : 0,
        longContext ? t.cacheWrite() : 0, longContext ? t.reasoning() : 0));
  }

  /**
   * What a group of requests costs at this price, exactly, from the sums of its tokens and of the tokens of its
   * requests above the long-context tier: the formula the SQL of {@link PricedSql#cost} computes.
   */
  public BigDecimal costUsd(Sums s) {
    BigDecimal input = inputUsdPerMtok;
    BigDecimal output = outputUsdPerMtok;
    BigDecimal cached = or(cachedInputUsdPerMtok, input);
    BigDecimal cacheWrite = or(cacheWriteUsdPerMtok, input);
    BigDecimal reasoning = or(reasoningUsdPerMtok, output);
    BigDecimal longInput = or(longContextInputUsdPerMtok, input);
    BigDecimal longOutput = or(longContextOutputUsdPerMtok, output);
    BigDecimal longCached = or(longContextCachedInputUsdPerMtok, or(cachedInputUsdPerMtok, longInput));
    BigDecimal longCacheWrite = or(longContextCacheWriteUsdPerMtok, or(cacheWriteUsdPerMtok, longInput));
    long shortCached = s.cached() - s.longCached();
    long shortCacheWrite = s.cacheWrite() - s.longCacheWrite();
    long shortReasoning = s.reasoning() - s.longReasoning();
    return input.multiply(BigDecimal.valueOf(s.prompt() - s.longPrompt() - shortCached - shortCacheWrite))
        .add(cached.multiply(BigDecimal.valueOf(shortCached)))
        .add(cacheWrite.multiply(BigDecimal.valueOf(shortCacheWrite)))
        .add(output.multiply(BigDecimal.valueOf(s.completion() - s.longCompletion() - shortReasoning)))
        .add(reasoning.multiply(BigDecimal.valueOf(shortReasoning)))
        .add(longInput.multiply(BigDecimal.valueOf(s.longPrompt() - s.longCached() - s.longCacheWrite())))
        .add(longCached.multiply(BigDecimal.valueOf(s.longCached())))
        .add(longCacheWrite.multiply(BigDecimal.valueOf(s.longCacheWrite())))
        .add(longOutput.multiply(BigDecimal.valueOf(s.longCompletion())))
        .movePointLeft(6);
  }

  /** The token sums of a group of requests, and those of its requests whose prompt is above the long-context tier. */
  public record Sums(long prompt, long completion, long cached, long cacheWrite, long reasoning, long longPrompt,
      long longCompletion, long longCached, long longCacheWrite, long longReasoning) { }

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

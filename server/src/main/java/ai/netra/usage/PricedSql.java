package ai.netra.usage;

import java.util.List;

/**
 * The SQL that prices usage at {@code model_prices}, shared by the usage tools, the price coverage
 * report and {@code netra reprice}, so every figure prices the same components the same way as
 * {@link ModelPrice#costUsd(ModelPrice.Tokens)}.
 *
 * <p>A group of requests (the sums of {@code llm_usage_daily}) finds the price of its provider and
 * model in effect on its day; when the model has no price under its own name, the name without a
 * date or {@code -latest} suffix ({@code gpt-4o-2024-08-06} is priced as {@code gpt-4o}) is a
 * fallback. A group is priced exactly when its own model has a price and every component it uses
 * (cached input, cache writes) has its own price; priced by a fallback when either is missing; and
 * unpriced (a null cost, never zero) when no price applies.
 */
public final class PricedSql {

  /** The token columns of {@code llm_usage_daily} a group needs besides {@code prompt_tokens} and {@code completion_tokens}. */
  public static final String COMPONENTS = "cached_tokens, cache_write_tokens, reasoning_tokens, long_prompt_tokens,"
      + " long_completion_tokens, long_cached_tokens, long_cache_write_tokens, long_reasoning_tokens";

  /** {@link #COMPONENTS} summed, for groups that sum daily rows. */
  public static final String SUM_COMPONENTS = "sum(cached_tokens) as cached_tokens, sum(cache_write_tokens) as cache_write_tokens,"
      + " sum(reasoning_tokens) as reasoning_tokens, sum(long_prompt_tokens) as long_prompt_tokens,"
      + " sum(long_completion_tokens) as long_completion_tokens, sum(long_cached_tokens) as long_cached_tokens,"
      + " sum(long_cache_write_tokens) as long_cache_write_tokens, sum(long_reasoning_tokens) as long_reasoning_tokens";

  /**
   * {@link #COMPONENTS} summed from single requests of {@code llm_usage} or {@code llm_usage_repeats}
   * (which have {@code prompt_tokens}, {@code completion_tokens}, {@code cached_tokens}, {@code cache_write_tokens}
   * and {@code reasoning_tokens}): the long-context sums are those of the requests above the tier.
   */
  public static final String SUM_REQUEST_COMPONENTS = "sum(cached_tokens) as cached_tokens,"
      + " sum(cache_write_tokens) as cache_write_tokens, sum(reasoning_tokens) as reasoning_tokens,"
      + " coalesce(sum(prompt_tokens) filter (where prompt_tokens > " + ModelPrice.LONG_CONTEXT_TOKENS + "), 0) as long_prompt_tokens,"
      + " coalesce(sum(completion_tokens) filter (where prompt_tokens > " + ModelPrice.LONG_CONTEXT_TOKENS + "), 0)"
      + " as long_completion_tokens,"
      + " coalesce(sum(cached_tokens) filter (where prompt_tokens > " + ModelPrice.LONG_CONTEXT_TOKENS + "), 0) as long_cached_tokens,"
      + " coalesce(sum(cache_write_tokens) filter (where prompt_tokens > " + ModelPrice.LONG_CONTEXT_TOKENS + "), 0)"
      + " as long_cache_write_tokens,"
      + " coalesce(sum(reasoning_tokens) filter (where prompt_tokens > " + ModelPrice.LONG_CONTEXT_TOKENS + "), 0)"
      + " as long_reasoning_tokens";

  /**
   * A CTE named {@code prices}: the catalog, {@code model_prices}, never materialized, so that each lookup of
   * {@link #priced} is one probe of its primary key (provider, model, effective_from). The price in effect on a day is
   * the one with the latest {@code effective_from} not after it: no window over the whole catalog is needed, which
   * with a catalog of thousands of models (LiteLLM's) cost more than the rest of a query.
   */
  public static final String WITH_PRICES = """
      with prices as not materialized (select * from model_prices)
      """;

  /** A model's name without a date or {@code -latest} suffix: the fallback a price is looked up by. */
  static final String BASE_MODEL = "regexp_replace(g.model, '-([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{8}|latest)$', '')";

  private PricedSql() { }

  /**
   * A CTE named {@code name} pricing the groups of the CTE {@code groups} (with {@code day},
   * {@code provider}, {@code model}, {@code prompt_tokens}, {@code completion_tokens} and
   * {@link #COMPONENTS}): its columns plus {@code price_model}, {@code price_effective_from},
   * {@code input_usd_per_mtok}, {@code output_usd_per_mtok}, {@code cached_input_usd_per_mtok},
   * {@code cost_usd} (exact, null when unpriced) and {@code pricing} ({@code exact}, {@code fallback},
   * or null when unpriced). Needs {@link #WITH_PRICES}. Multiplying by 0.000001 instead of dividing by a
   * million keeps every cost exact in numeric.
   *
   * <p>Each group looks its model's price up first and its base name's only when that finds none: two
   * lookups joined by {@code union all} under one {@code limit 1}. PostgreSQL runs a union's parts in
   * order and stops at the limit (the catalog is far too small for a parallel plan), so the second (and
   * its regular expression) never runs for a model priced under its own name. One lookup for both names, ordered
   * by which name matched, sorted every group's candidates and made {@code caching_opportunity}'s
   * statement a quarter slower (bench/README.md, "Agent latency").
   */
  public static String priced(String name, String groups) {
    return priced(name, groups, "");
  }

  private static String priced(String name, String groups, String moreColumns) {
    return name + " as (\n"
        + "  select g.*, p.model as price_model, p.effective_from as price_effective_from, p.input_usd_per_mtok,\n"
        + "         p.output_usd_per_mtok, p.cached_input_usd_per_mtok,\n"
        + "         " + cost("g", "p") + " as cost_usd,\n"
        + "         case when p.model is null then null\n"
        + "              when p.model = g.model and (g.cached_tokens = 0 or p.cached_input_usd_per_mtok is not null)\n"
        + "               and (g.cache_write_tokens = 0 or p.cache_write_usd_per_mtok is not null) then 'exact'\n"
        + "              else 'fallback' end as pricing" + moreColumns + "\n"
        + "    from " + groups + " g\n"
        + "    left join lateral (\n"
        + "      (select * from prices p\n"
        + "        where p.provider = g.provider and p.model = g.model and p.effective_from <= g.day\n"
        + "        order by p.effective_from desc limit 1)\n"
        + "      union all\n"
        + "      (select * from prices p\n"
        + "        where p.provider = g.provider and p.model = " + BASE_MODEL + " and p.effective_from <= g.day\n"
        + "        order by p.effective_from desc limit 1)\n"
        + "      limit 1) p on true\n"
        + ")";
  }

  /**
   * The exact cost in US dollars of the tokens of group {@code g} at price {@code p}, as
   * {@link ModelPrice#costUsd(ModelPrice.Tokens)} computes it per request: the tokens below the long-context tier at the
   * base prices, those of the requests above it at the tier's. The sum of the {@link #components}.
   */
  public static String cost(String g, String p) {
    return "(" + String.join("\n         + ", components(g, p).stream().map(c -> c.tokens() + " * " + c.price()).toList())
        + ") * 0.000001";
  }

  /**
   * A CTE named {@code name} like {@link #priced}, with two more columns: {@code component_tokens} (bigint[]) and
   * {@code component_costs} (numeric[], exact, null elements when unpriced), the tokens and the cost of each of the
   * {@link #components} in their order. The costs add up to {@code cost_usd} exactly.
   */
  public static String pricedByComponent(String name, String groups) {
    List<Component> parts = components("g", "p");
    return priced(name, groups, ",\n         array[" + String.join(", ", parts.stream().map(Component::tokens).toList())
        + "]::bigint[] as component_tokens,\n         array["
        + String.join(", ", parts.stream().map(c -> c.tokens() + " * " + c.price() + " * 0.000001").toList())
        + "]::numeric[] as component_costs");
  }

  /**
   * A kind of token with a price of its own: an SQL expression for how many tokens of group {@code g} are of it, the one
   * for its price per 1M tokens at price {@code p}, and whether the model wrote them (output) or read them (input).
   */
  public record Component(String name, String tokens, String price, boolean output) { }

  /**
   * The kinds of token a group's cost is made of, each at its own price: input, cached input, cache writes, output and
   * reasoning below the long-context tier; input, cached input, cache writes and output (reasoning included) above it.
   * A token of a group is in exactly one of them.
   */
  public static List<Component> components(String g, String p) {
    String in = p + ".input_usd_per_mtok";
    String out = p + ".output_usd_per_mtok";
    String cachedIn = "coalesce(" + p + ".cached_input_usd_per_mtok, " + in + ")";
    String cacheWrite = "coalesce(" + p + ".cache_write_usd_per_mtok, " + in + ")";
    String reasoning = "coalesce(" + p + ".reasoning_usd_per_mtok, " + out + ")";
    String longIn = "coalesce(" + p + ".long_context_input_usd_per_mtok, " + in + ")";
    String longOut = "coalesce(" + p + ".long_context_output_usd_per_mtok, " + out + ")";
    String longCached = "coalesce(" + p + ".long_context_cached_input_usd_per_mtok, " + p + ".cached_input_usd_per_mtok, " + longIn + ")";
    String longCacheWrite = "coalesce(" + p + ".long_context_cache_write_usd_per_mtok, " + p + ".cache_write_usd_per_mtok, "
        + longIn + ")";
    String shortCached = "(" + g + ".cached_tokens - " + g + ".long_cached_tokens)";
    String shortCacheWrite = "(" + g + ".cache_write_tokens - " + g + ".long_cache_write_tokens)";
    String shortReasoning = "(" + g + ".reasoning_tokens - " + g + ".long_reasoning_tokens)";
    return List.of(
        new Component("input", "((" + g + ".prompt_tokens - " + g + ".long_prompt_tokens) - " + shortCached + " - "
            + shortCacheWrite + ")", in, false),
        new Component("cached_input", shortCached, cachedIn, false),
        new Component("cache_write", shortCacheWrite, cacheWrite, false),
        new Component("output", "((" + g + ".completion_tokens - " + g + ".long_completion_tokens) - " + shortReasoning + ")",
            out, true),
        new Component("reasoning", shortReasoning, reasoning, true),
        new Component("long_input", "(" + g + ".long_prompt_tokens - " + g + ".long_cached_tokens - " + g
            + ".long_cache_write_tokens)", longIn, false),
        new Component("long_cached_input", g + ".long_cached_tokens", longCached, false),
        new Component("long_cache_write", g + ".long_cache_write_tokens", longCacheWrite, false),
        new Component("long_output", g + ".long_completion_tokens", longOut, true));
  }
}

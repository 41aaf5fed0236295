package ai.netra.agent.tools;

import ai.netra.usage.PricedSql;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.sql.DataSource;

/**
 * {@code caching_opportunity}: what an exact-match response cache would have saved. Requests with
 * the same {@code prompt_hash} in the period are the same prompt; when a prompt occurs at least
 * {@code min_repeats} times, its first occurrence pays and every later one would have been served
 * from the cache, saving that request's tokens and cost. The cache is keyed on the prompt hash alone
 * (the hash stands for the whole request), starts empty at the period's start, and never expires.
 * Requests without a hash cannot be matched and are counted apart; those of a provider's aggregate export never have
 * one, and {@code aggregates} says what share of the requests they are.
 */
public final class CachingOpportunityTool extends UsageTool<CachingOpportunityTool.Question> {

  static final String NAME = "caching_opportunity";
  static final int TOP_FEATURES = 5;
  static final int TOP_PROMPTS = 10;

  private static final ToolParameters PARAMETERS = UsagePeriod.declare(ToolParameters.of(NAME))
      .text("feature", "Only this feature's requests (exact name as recorded). Default: all features.", false)
      .integer("min_repeats", "Count a prompt only when it occurs at least this many times in the period.", 2, 1_000_000, 2)
      .build();

  /**
   * Everything in one statement. Totals and spend come from the period's daily groups. The repeats
   * come from {@code llm_usage_repeats}, which the database keeps: every request that has an earlier
   * request of its user with the same prompt (by time, then id), with the time of the latest such
   * request ({@code previous_at}; in the same feature, {@code previous_in_feature_at}). A request of
   * the period repeats a prompt seen earlier in the period exactly when that time falls in the
   * period; the first occurrence in the period (which pays) has none there. So only the period's
   * repeated requests are read, without numbering them in time order, and a prompt occurs in the
   * period once more than it repeats. Repeats are summed per prompt, feature, day and model, then
   * priced. {@code %1$s} is the repeats' condition. Binds the scope, then the user, the period's
   * start, end and end again, the condition's parameters, then {@code min_repeats}.
   */
  private static final String ESTIMATE = PricedUsage.WITH_PRICES + """
      , everything as (
        select day, provider, model, sum(requests) as requests, sum(hashed_requests) as hashed_requests,
               sum(prompt_tokens) as prompt_tokens, sum(completion_tokens) as completion_tokens, %9$s
          from llm_usage_daily
         where %2$s
         group by day, provider, model
      ), grouped as (
        select prompt_hash, feature, %3$s as day, provider, model, count(*) as requests,
               sum(prompt_tokens) as prompt_tokens, sum(completion_tokens) as completion_tokens, %10$s,
               (sum(count(*)) over (partition by prompt_hash collate "C"))::bigint + 1 as occurrences
          from llm_usage_repeats
         where user_id = ? and previous_at >= ? and previous_at < ? and occurred_at < ?%1$s
         group by prompt_hash, feature, 3, provider, model
      ), repeats as (
        select * from grouped where occurrences >= ?
      ), %4$s, %5$s, %6$s
      select 'totals' as part, 0::bigint as place, null::text as name, null::text as provider, null::text as model,
             null::bigint as occurrences, null::text[] as features,
             (select sum(requests) from priced_everything)::bigint as requests,
             (select sum(hashed_requests) from priced_everything)::bigint as hashed_requests,
             (select sum(cost_usd) from priced_everything) as spend_usd,
             coalesce(sum(requests), 0)::bigint as repeated_requests, coalesce(sum(prompt_tokens), 0)::bigint as prompt_tokens,
             coalesce(sum(completion_tokens), 0)::bigint as completion_tokens, sum(cost_usd) as saved_usd,
             coalesce(sum(requests) filter (where cost_usd is null), 0)::bigint as unpriced_repeats,
             count(distinct prompt_hash) as prompts
        from priced_repeats
      union all
      select * from (
        select 'feature', row_number() over (order by sum(cost_usd) desc nulls last, sum(requests) desc, feature) as place,
               feature, null::text, null::text, null::bigint, null::text[], null::bigint, null::bigint, null::numeric,
               sum(requests)::bigint, sum(prompt_tokens)::bigint, sum(completion_tokens)::bigint, sum(cost_usd),
               null::bigint, null::bigint
          from priced_repeats group by feature
      ) top_features where place <= %7$d
      union all
      select * from (
        select 'prompt', row_number() over (order by sum(cost_usd) desc nulls last, sum(requests) desc, prompt_hash) as place,
               prompt_hash, null::text, null::text, max(occurrences), array_agg(distinct feature order by feature),
               null::bigint, null::bigint, null::numeric, sum(requests)::bigint, sum(prompt_tokens)::bigint,
               sum(completion_tokens)::bigint, sum(cost_usd), null::bigint, null::bigint
          from priced_repeats group by prompt_hash
      ) top_prompts where place <= %8$d
      union all
      select 'unpriced', place, null, provider, model, null, null, requests, null, null, null, prompt_tokens, completion_tokens,
             null, null, null
        from unpriced
      order by part, place
      """;

  /**
   * The repeats of all features: requests whose prompt occurred before in the period. That occurrence
   * lies before the request, so in the period ({@code previous_at < end}, which bounds the index range).
   */
  private static final String REPEATS = estimate("");

  /**
   * The repeats of one feature: requests whose prompt occurred before in the period in that feature.
   * That occurrence is at or before the previous one of any feature, so {@code previous_at} lies in
   * the period too, and the same index (by user and {@code previous_at}) serves.
   */
  private static final String REPEATS_IN_FEATURE = estimate(" and previous_in_feature_at >= ? and feature = ?");

  private static String estimate(String condition) {
    return ESTIMATE.formatted(condition, PricedUsage.IN_SCOPE, PricedUsage.DAY,
        PricedUsage.priced("priced_everything", "everything"), PricedUsage.priced("priced_repeats", "repeats"),
        PricedUsage.unpriced("priced_everything"), TOP_FEATURES, TOP_PROMPTS, PricedUsage.SUM_COMPONENTS,
        PricedSql.SUM_REQUEST_COMPONENTS);
  }

  public CachingOpportunityTool(DataSource dataSource, Clock clock) {
    this(dataSource, dataSource, clock);
  }

  /** See {@link UsageTool#UsageTool}. */
  CachingOpportunityTool(DataSource dataSource, DataSource lookups, Clock clock) {
    super(NAME, "Estimates what an exact-match response cache would have saved: requests whose prompt repeats (same prompt hash),"
        + " with the repeated requests, tokens and USD saved, their share of spend, and the top features and prompts.", PARAMETERS, dataSource, lookups, clock);
  }

  /** Whose requests over which days, counted from how many occurrences. */
  record Question(PricedUsage.Scope scope, UsagePeriod period, int minRepeats) implements UsageTool.Scoped { }

  /** The figures of {@code caching_opportunity}. */
  record Estimate(UsagePeriod period, String feature, int minRepeats, long requests, long requestsWithPromptHash,
      BigDecimal spendUsd, long repeatedRequests, long repeatedPrompts, long repeatedPromptTokens,
      long repeatedCompletionTokens, long repeatedTokens, BigDecimal savedUsd, BigDecimal savedSharePct,
      long unpricedRepeatedRequests, List<TopFeature> topFeatures, List<TopPrompt> topPrompts,
      PricedUsage.Unpriced unpriced, ProviderCache providerCache,
      @JsonInclude(JsonInclude.Include.NON_NULL) PricedUsage.Aggregates aggregates) { }

  /**
   * What the provider's own prompt cache already served in the period: input tokens read from it (priced at the cached
   * price, so the spend and the saving above already count that discount) and their share of all input tokens.
   */
  record ProviderCache(long cachedInputTokens, long inputTokens, BigDecimal cachedSharePct) { }

  private static final String PROVIDER_CACHE = "select coalesce(sum(cached_tokens), 0)::bigint, coalesce(sum(prompt_tokens), 0)::bigint"
      + " from llm_usage_daily where " + PricedUsage.IN_SCOPE;

  private static ProviderCache providerCache(Connection c, PricedUsage.Scope scope) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(PROVIDER_CACHE)) {
      scope.bind(s, 1);
      try (ResultSet r = s.executeQuery()) {
        r.next();
        long cached = r.getLong(1);
        long input = r.getLong(2);
        return new ProviderCache(cached, input, Figures.percent(BigDecimal.valueOf(cached), BigDecimal.valueOf(input)));
      }
    }
  }

  /** A feature among those whose repeats would have saved most. */
  record TopFeature(String feature, long repeatedRequests, long repeatedTokens, BigDecimal savedUsd) { }

  /** A prompt among those whose repeats would have saved most, and the features that sent it. */
  record TopPrompt(String promptHash, long occurrences, long repeatedRequests, long repeatedTokens, BigDecimal savedUsd,
      List<String> features) { }

  @Override
  Question question(String userId, ToolArguments args, UsagePeriod period, Clock clock) {
    return new Question(PricedUsage.Scope.of(userId, period, args.text("feature")), period, args.integer("min_repeats"));
  }

  @Override
  Result answer(Connection c, Question question) throws SQLException {
    return estimate(c, question.scope(), question.period(), question.minRepeats());
  }

  private static Result estimate(Connection c, PricedUsage.Scope scope, UsagePeriod period, int minRepeats) throws SQLException {
    long requests = 0;
    long hashedRequests = 0;
    long repeated = 0;
    long prompts = 0;
    BigDecimal spend = BigDecimal.ZERO;
    BigDecimal saved = BigDecimal.ZERO;
    long promptTokens = 0;
    long completionTokens = 0;
    long unpricedRepeats = 0;
    List<TopFeature> topFeatures = new ArrayList<>();
    List<TopPrompt> topPrompts = new ArrayList<>();
    PricedUsage.Unpriced.Rows unpricedRows = new PricedUsage.Unpriced.Rows();
    try (PreparedStatement s = c.prepareStatement(scope.feature() == null ? REPEATS : REPEATS_IN_FEATURE)) {
      int i = scope.bind(s, 1);
      s.setString(i++, scope.userId());
      s.setObject(i++, scope.start());
      s.setObject(i++, scope.end());
      s.setObject(i++, scope.end());
      if (scope.feature() != null) {
        s.setObject(i++, scope.start());
        s.setString(i++, scope.feature());
      }
      s.setInt(i, minRepeats);
      try (ResultSet r = s.executeQuery()) {
        // parts in name order: feature, prompt, totals, unpriced
        while (r.next()) {
          switch (r.getString("part")) {
            case "feature" -> topFeatures.add(new TopFeature(r.getString("name"), r.getLong("repeated_requests"),
                r.getLong("prompt_tokens") + r.getLong("completion_tokens"), Figures.usd(r.getBigDecimal("saved_usd"))));
            case "prompt" -> topPrompts.add(topPrompt(r));
            case "totals" -> {
              requests = r.getLong("requests");
              hashedRequests = r.getLong("hashed_requests");
              repeated = r.getLong("repeated_requests");
              prompts = r.getLong("prompts");
              spend = Figures.nullToZero(r.getBigDecimal("spend_usd"));
              saved = Figures.nullToZero(r.getBigDecimal("saved_usd"));
              promptTokens = r.getLong("prompt_tokens");
              completionTokens = r.getLong("completion_tokens");
              unpricedRepeats = r.getLong("unpriced_repeats");
            }
            case "unpriced" -> unpricedRows.add(r);
            default -> throw new IllegalStateException("unexpected part " + r.getString("part"));
          }
        }
      }
    }
    PricedUsage.Unpriced unpriced = unpricedRows.done();
    PricedUsage.Aggregates aggregates = PricedUsage.aggregates(c, scope, "prompt hashes", "caching advice covers");
    Estimate data = new Estimate(period, scope.feature(), minRepeats, requests, hashedRequests, Figures.usd(spend), repeated,
        prompts, promptTokens, completionTokens, promptTokens + completionTokens, Figures.usd(saved),
        Figures.percent(saved, spend), unpricedRepeats, topFeatures, topPrompts, unpriced, providerCache(c, scope), aggregates);

    String where = (scope.feature() == null ? "" : " for " + scope.feature()) + " in " + period.words();
    String summary;
    if (hashedRequests == 0) {
      summary = "No requests with a prompt hash" + where + (requests == 0 ? "" : "; repeats cannot be matched");
    } else if (repeated == 0) {
      summary = "No prompt occurred " + minRepeats + " or more times" + where + "; a response cache would save nothing";
    } else {
      summary = "An exact-match response cache would have saved " + Figures.dollars(saved) + " ("
          + Figures.percentText(Figures.percent(saved, spend)) + " of spend) on " + Figures.count(repeated) + " repeated "
          + (repeated == 1 ? "request" : "requests") + " of " + Figures.count(prompts) + (prompts == 1 ? " prompt" : " prompts")
          + unpriced.suffix();
    }
    if (aggregates != null) {
      summary += "; " + aggregates.statement();
    }
    return new Result(summary, data);
  }

  private static TopPrompt topPrompt(ResultSet r) throws SQLException {
    Array features = r.getArray("features");
    try {
      return new TopPrompt(r.getString("name"), r.getLong("occurrences"), r.getLong("repeated_requests"),
          r.getLong("prompt_tokens") + r.getLong("completion_tokens"), Figures.usd(r.getBigDecimal("saved_usd")),
          List.copyOf(Arrays.asList((String[]) features.getArray())));
    } finally {
      features.free();
    }
  }
}

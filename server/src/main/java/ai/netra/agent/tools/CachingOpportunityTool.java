package ai.netra.agent.tools;

import ai.netra.agent.Tool;
import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * {@code caching_opportunity}: what an exact-match response cache would have saved. Requests with
 * the same {@code prompt_hash} in the period are the same prompt; when a prompt occurs at least
 * {@code min_repeats} times, its first occurrence pays and every later one would have been served
 * from the cache, saving that request's tokens and cost. The cache is keyed on the prompt hash alone
 * (the hash stands for the whole request), starts empty at the period's start, and never expires.
 * Requests without a hash cannot be matched and are counted apart.
 */
public final class CachingOpportunityTool implements Tool {

  static final String NAME = "caching_opportunity";
  static final int TOP_FEATURES = 5;
  static final int TOP_PROMPTS = 10;

  private static final ToolParameters PARAMETERS = UsagePeriod.declare(ToolParameters.of(NAME))
      .text("feature", "Only this feature's requests (exact name as recorded). Default: all features.", false)
      .integer("min_repeats", "Count a prompt only when it occurs at least this many times in the period.", 2, 1_000_000, 2)
      .build();

  /**
   * Everything in one statement, reading the scope's requests once (CTE {@code scoped}). The first
   * occurrence of a prompt (oldest, then lowest id) pays; the later ones are the repeats. Most
   * prompts occur once, so the prompts that occur at least twice are found first by a cheap 64-bit
   * hash of their text (equal texts have equal hashes; the rare collision only adds a candidate) and
   * only their requests are ordered to number the occurrences (byte order, "C": the partitions are
   * the same in any collation, and it spares the locale's comparison). Repeats are summed per prompt,
   * feature, day and model, then priced. Binds the scope, then {@code min_repeats} twice.
   */
  private static final String ESTIMATE = PricedUsage.WITH_PRICES + """
      , scoped as (
        select id, occurred_at, %1$s as day, provider, model, feature, prompt_tokens, completion_tokens,
               nullif(prompt_hash, '') as prompt_hash
          from llm_usage
         where %2$s
      ), everything as (
        select day, provider, model, count(*) as requests, count(prompt_hash) as hashed_requests,
               sum(prompt_tokens) as prompt_tokens, sum(completion_tokens) as completion_tokens
          from scoped group by day, provider, model
      ), candidates as (
        select hashtextextended(prompt_hash, 0) as key
          from scoped where prompt_hash is not null
         group by 1 having count(*) >= greatest(?, 2)
      ), repeats as (
        select prompt_hash, feature, day, provider, model, max(occurrences) as occurrences, count(*) as requests,
               sum(prompt_tokens) as prompt_tokens, sum(completion_tokens) as completion_tokens
          from (select prompt_hash, feature, day, provider, model, prompt_tokens, completion_tokens,
                       row_number() over (partition by prompt_hash collate "C" order by occurred_at, id) as nth,
                       count(*) over (partition by prompt_hash collate "C") as occurrences
                  from scoped
                 where prompt_hash is not null and hashtextextended(prompt_hash, 0) in (select key from candidates)) numbered
         where nth > 1 and occurrences >= ?
         group by prompt_hash, feature, day, provider, model
      ), %3$s, %4$s, %5$s
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
      ) top_features where place <= %6$d
      union all
      select * from (
        select 'prompt', row_number() over (order by sum(cost_usd) desc nulls last, sum(requests) desc, prompt_hash) as place,
               prompt_hash, null::text, null::text, max(occurrences), array_agg(distinct feature order by feature),
               null::bigint, null::bigint, null::numeric, sum(requests)::bigint, sum(prompt_tokens)::bigint,
               sum(completion_tokens)::bigint, sum(cost_usd), null::bigint, null::bigint
          from priced_repeats group by prompt_hash
      ) top_prompts where place <= %7$d
      union all
      select 'unpriced', place, null, provider, model, null, null, requests, null, null, null, prompt_tokens, completion_tokens,
             null, null, null
        from unpriced
      order by part, place
      """.formatted(PricedUsage.DAY, PricedUsage.IN_SCOPE, PricedUsage.priced("priced_everything", "everything"),
          PricedUsage.priced("priced_repeats", "repeats"), PricedUsage.unpriced("priced_everything"), TOP_FEATURES, TOP_PROMPTS);

  private final DataSource dataSource;
  private final Clock clock;

  public CachingOpportunityTool(DataSource dataSource, Clock clock) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "Estimates what an exact-match response cache would have saved: requests whose prompt repeats (same prompt hash),"
        + " with the repeated requests, tokens and USD saved, their share of spend, and the top features and prompts.";
  }

  @Override
  public Map<String, Object> parameters() {
    return PARAMETERS.schema();
  }

  @Override
  public Result run(String userId, Map<String, Object> arguments) {
    PricedUsage.requireUser(NAME, userId);
    ToolArguments args = PARAMETERS.read(arguments);
    UsagePeriod period = UsagePeriod.of(args, clock);
    PricedUsage.Scope scope = PricedUsage.Scope.of(userId, period, args.text("feature"));
    int minRepeats = args.integer("min_repeats");
    return PricedUsage.read(dataSource, NAME, c -> estimate(c, scope, period, minRepeats));
  }

  private static Result estimate(Connection c, PricedUsage.Scope scope, UsagePeriod period, int minRepeats) throws SQLException {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("period", period.describe());
    data.put("feature", scope.feature());
    data.put("min_repeats", minRepeats);
    long requests = 0;
    long hashedRequests = 0;
    long repeated = 0;
    long prompts = 0;
    BigDecimal spend = BigDecimal.ZERO;
    BigDecimal saved = BigDecimal.ZERO;
    List<Map<String, Object>> topFeatures = new ArrayList<>();
    List<Map<String, Object>> topPrompts = new ArrayList<>();
    PricedUsage.Unpriced.Rows unpricedRows = new PricedUsage.Unpriced.Rows();
    try (PreparedStatement s = PricedUsage.prepare(c, ESTIMATE)) {
      int i = scope.bind(s, 1);
      s.setInt(i, minRepeats);
      s.setInt(i + 1, minRepeats);
      try (ResultSet r = s.executeQuery()) {
        // parts in name order: feature, prompt, totals, unpriced
        Map<String, Object> totals = new LinkedHashMap<>();
        while (r.next()) {
          switch (r.getString("part")) {
            case "feature" -> topFeatures.add(top(r, false));
            case "prompt" -> topPrompts.add(top(r, true));
            case "totals" -> {
              requests = r.getLong("requests");
              hashedRequests = r.getLong("hashed_requests");
              repeated = r.getLong("repeated_requests");
              prompts = r.getLong("prompts");
              spend = Figures.nullToZero(r.getBigDecimal("spend_usd"));
              saved = Figures.nullToZero(r.getBigDecimal("saved_usd"));
              long promptTokens = r.getLong("prompt_tokens");
              long completionTokens = r.getLong("completion_tokens");
              totals.put("requests", requests);
              totals.put("requests_with_prompt_hash", hashedRequests);
              totals.put("spend_usd", Figures.usd(spend));
              totals.put("repeated_requests", repeated);
              totals.put("repeated_prompts", prompts);
              totals.put("repeated_prompt_tokens", promptTokens);
              totals.put("repeated_completion_tokens", completionTokens);
              totals.put("repeated_tokens", promptTokens + completionTokens);
              totals.put("saved_usd", Figures.usd(saved));
              totals.put("saved_share_pct", Figures.percent(saved, spend));
              totals.put("unpriced_repeated_requests", r.getLong("unpriced_repeats"));
            }
            case "unpriced" -> unpricedRows.add(r);
            default -> throw new IllegalStateException("unexpected part " + r.getString("part"));
          }
        }
        data.putAll(totals);
      }
    }
    data.put("top_features", topFeatures);
    data.put("top_prompts", topPrompts);
    PricedUsage.Unpriced unpriced = unpricedRows.done();
    data.put("unpriced", unpriced.describe());

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
    return new Result(summary, data);
  }

  private static Map<String, Object> top(ResultSet r, boolean prompts) throws SQLException {
    Map<String, Object> row = new LinkedHashMap<>();
    if (prompts) {
      row.put("prompt_hash", r.getString("name"));
      row.put("occurrences", r.getLong("occurrences"));
    } else {
      row.put("feature", r.getString("name"));
    }
    row.put("repeated_requests", r.getLong("repeated_requests"));
    row.put("repeated_tokens", r.getLong("prompt_tokens") + r.getLong("completion_tokens"));
    row.put("saved_usd", Figures.usd(r.getBigDecimal("saved_usd")));
    if (prompts) {
      Array features = r.getArray("features");
      row.put("features", List.copyOf(Arrays.asList((String[]) features.getArray())));
      features.free();
    }
    return row;
  }
}

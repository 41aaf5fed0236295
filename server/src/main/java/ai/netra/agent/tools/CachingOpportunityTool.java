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

  // The first occurrence of a prompt (oldest, then lowest id) pays; the later ones are the repeats.
  private static final String WITH_REPEATS = PricedUsage.WITH_USAGE + """
      , hashed as (
        select feature, prompt_hash, prompt_tokens, completion_tokens, cost_usd,
               row_number() over (partition by prompt_hash order by occurred_at, id) as nth,
               count(*) over (partition by prompt_hash) as occurrences
          from usage
         where prompt_hash is not null and prompt_hash <> ''
      ), repeats as (
        select * from hashed where nth > 1 and occurrences >= ?
      )
      """;

  private static final String TOTALS = WITH_REPEATS + """
      select (select count(*) from usage) as requests,
             (select count(*) from hashed) as hashed_requests,
             (select sum(cost_usd) from usage) as spend_usd,
             count(*) as repeated_requests,
             coalesce(sum(prompt_tokens), 0) as prompt_tokens,
             coalesce(sum(completion_tokens), 0) as completion_tokens,
             sum(cost_usd) as saved_usd,
             count(*) filter (where cost_usd is null) as unpriced_repeats,
             count(distinct prompt_hash) as prompts
        from repeats
      """;

  private static final String TOP_FEATURES_SQL = WITH_REPEATS + """
      select feature, count(*) as repeated_requests,
             sum(prompt_tokens) + sum(completion_tokens) as tokens, sum(cost_usd) as saved_usd
        from repeats group by feature
       order by saved_usd desc nulls last, repeated_requests desc, feature
       limit ?
      """;

  private static final String TOP_PROMPTS_SQL = WITH_REPEATS + """
      select prompt_hash, max(occurrences) as occurrences, count(*) as repeated_requests,
             sum(prompt_tokens) + sum(completion_tokens) as tokens, sum(cost_usd) as saved_usd,
             array_agg(distinct feature order by feature) as features
        from repeats group by prompt_hash
       order by saved_usd desc nulls last, repeated_requests desc, prompt_hash
       limit ?
      """;

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
    long requests;
    long hashedRequests;
    long repeated;
    long prompts;
    BigDecimal spend;
    BigDecimal saved;
    try (PreparedStatement s = PricedUsage.prepare(c, TOTALS)) {
      s.setInt(scope.bind(s), minRepeats);
      try (ResultSet r = s.executeQuery()) {
        r.next();
        requests = r.getLong("requests");
        hashedRequests = r.getLong("hashed_requests");
        repeated = r.getLong("repeated_requests");
        prompts = r.getLong("prompts");
        spend = Figures.nullToZero(r.getBigDecimal("spend_usd"));
        saved = Figures.nullToZero(r.getBigDecimal("saved_usd"));
        long promptTokens = r.getLong("prompt_tokens");
        long completionTokens = r.getLong("completion_tokens");
        data.put("requests", requests);
        data.put("requests_with_prompt_hash", hashedRequests);
        data.put("spend_usd", Figures.usd(spend));
        data.put("repeated_requests", repeated);
        data.put("repeated_prompts", prompts);
        data.put("repeated_prompt_tokens", promptTokens);
        data.put("repeated_completion_tokens", completionTokens);
        data.put("repeated_tokens", promptTokens + completionTokens);
        data.put("saved_usd", Figures.usd(saved));
        data.put("saved_share_pct", Figures.percent(saved, spend));
        data.put("unpriced_repeated_requests", r.getLong("unpriced_repeats"));
      }
    }
    data.put("top_features", top(c, scope, minRepeats, TOP_FEATURES_SQL, TOP_FEATURES, false));
    data.put("top_prompts", top(c, scope, minRepeats, TOP_PROMPTS_SQL, TOP_PROMPTS, true));
    PricedUsage.Unpriced unpriced = PricedUsage.unpriced(c, scope);
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

  private static List<Map<String, Object>> top(Connection c, PricedUsage.Scope scope, int minRepeats, String sql, int limit,
      boolean prompts) throws SQLException {
    List<Map<String, Object>> rows = new ArrayList<>();
    try (PreparedStatement s = PricedUsage.prepare(c, sql)) {
      int i = scope.bind(s);
      s.setInt(i, minRepeats);
      s.setInt(i + 1, limit);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          Map<String, Object> row = new LinkedHashMap<>();
          if (prompts) {
            row.put("prompt_hash", r.getString("prompt_hash"));
            row.put("occurrences", r.getLong("occurrences"));
          } else {
            row.put("feature", r.getString("feature"));
          }
          row.put("repeated_requests", r.getLong("repeated_requests"));
          row.put("repeated_tokens", r.getLong("tokens"));
          row.put("saved_usd", Figures.usd(r.getBigDecimal("saved_usd")));
          if (prompts) {
            Array features = r.getArray("features");
            row.put("features", List.copyOf(Arrays.asList((String[]) features.getArray())));
            features.free();
          }
          rows.add(row);
        }
      }
    }
    return rows;
  }
}

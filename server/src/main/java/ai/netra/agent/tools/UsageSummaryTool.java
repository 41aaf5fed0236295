package ai.netra.agent.tools;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import javax.sql.DataSource;

/**
 * {@code usage_summary}: a user's requests, tokens, cost, error rate and latency over a period,
 * with the model and the feature that served the most requests. A request is an error when its
 * status is anything but {@code ok}; latency figures leave out requests without a latency, as those of a provider's
 * aggregate export are, and {@code aggregates} says what share of the requests they are.
 */
public final class UsageSummaryTool extends UsageTool<UsageSummaryTool.Question> {

  static final String NAME = "usage_summary";

  private static final ToolParameters PARAMETERS = UsagePeriod.declare(ToolParameters.of(NAME)).build();

  /**
   * Everything in one statement, from the priced daily groups, and for the 95th percentile of the
   * latency the few highest latencies of the period. {@code percentile_disc(0.95)} of n latencies is
   * the one at place ceil(0.95 n) in ascending order (in double arithmetic, as PostgreSQL computes
   * it), so the lowest of the n - ceil(0.95 n) + 1 highest: an index of each user's latencies in
   * descending order yields them without reading, let alone sorting, the whole period. The average
   * is the sum over the count, the same numeric division as {@code avg}. Busiest means most
   * requests; ties go to the name first in order, so the answer is stable. Binds the scope, then the
   * scope's requests.
   */
  private static final String SUMMARY = PricedUsage.WITH_PRICES + """
      , groups as (
        select day, provider, model, feature, requests, prompt_tokens, completion_tokens, errors, latency_count, latency_sum,
               %5$s
          from llm_usage_daily
         where %1$s
      ), latencies as (
        select sum(latency_sum) / nullif(sum(latency_count), 0) as avg_latency_ms, coalesce(sum(latency_count), 0)::bigint as n
          from groups
      ), latency as (
        select avg_latency_ms,
               (select min(latency_ms)
                  from (select latency_ms from llm_usage
                         where %2$s and latency_ms is not null
                         order by latency_ms desc
                         limit (select n - ceil(0.95::float8 * n)::bigint + 1 from latencies)) highest) as p95_latency_ms
          from latencies
      ), %3$s, %4$s
      select 'totals' as part, 0::bigint as place, null::text as provider, null::text as model, null::text as feature,
             coalesce(sum(requests), 0)::bigint as requests, coalesce(sum(prompt_tokens), 0)::bigint as prompt_tokens,
             coalesce(sum(completion_tokens), 0)::bigint as completion_tokens, sum(cost_usd) as cost_usd,
             coalesce(sum(errors), 0)::bigint as errors,
             (select avg_latency_ms from latency) as avg_latency_ms, (select p95_latency_ms from latency) as p95_latency_ms
        from priced
      union all
      (select 'busiest_model', 0, provider, model, null, sum(requests)::bigint, null, null, sum(cost_usd), null, null, null
         from priced group by provider, model
        order by sum(requests) desc, provider, model limit 1)
      union all
      (select 'busiest_feature', 0, null, null, feature, sum(requests)::bigint, null, null, sum(cost_usd), null, null, null
         from priced group by feature
        order by sum(requests) desc, feature limit 1)
      union all
      select 'unpriced', place, provider, model, null, requests, prompt_tokens, completion_tokens, null, null, null, null
        from unpriced
      order by part, place
      """.formatted(PricedUsage.IN_SCOPE, PricedUsage.REQUESTS_IN_PERIOD, PricedUsage.priced("priced", "groups"),
          PricedUsage.unpriced("priced"), PricedUsage.COMPONENTS);

  public UsageSummaryTool(DataSource dataSource, Clock clock) {
    this(dataSource, dataSource, clock);
  }

  /** See {@link UsageTool#UsageTool}. */
  UsageSummaryTool(DataSource dataSource, DataSource lookups, Clock clock) {
    super(NAME, "Totals of the user's LLM usage over a period: requests, prompt and completion tokens, cost in USD, error"
        + " rate, average and p95 latency, and the busiest model and feature. Use it for 'how much did we spend' questions.",
        PARAMETERS, dataSource, lookups, clock);
  }

  /** Whose usage over which days. */
  record Question(PricedUsage.Scope scope, UsagePeriod period) implements UsageTool.Scoped { }

  /** The figures of {@code usage_summary}. */
  record Summary(UsagePeriod period, long requests, long promptTokens, long completionTokens, long totalTokens,
      BigDecimal costUsd, long errors, BigDecimal errorRatePct, BigDecimal avgLatencyMs, Long p95LatencyMs,
      BusiestModel busiestModel, BusiestFeature busiestFeature, PricedUsage.Unpriced unpriced,
      @JsonInclude(JsonInclude.Include.NON_NULL) PricedUsage.Aggregates aggregates) { }

  /** The model that served the most requests, with its share of them and its cost. */
  record BusiestModel(String provider, String model, long requests, BigDecimal requestsPct, BigDecimal costUsd) { }

  /** The feature that made the most requests, with its share of them and its cost. */
  record BusiestFeature(String feature, long requests, BigDecimal requestsPct, BigDecimal costUsd) { }

  @Override
  Question question(String userId, ToolArguments args, UsagePeriod period, Clock clock) {
    return new Question(PricedUsage.Scope.of(userId, period, null), period);
  }

  @Override
  Result answer(Connection c, Question question) throws SQLException {
    return summarize(c, question.scope(), question.period());
  }

  private static Result summarize(Connection c, PricedUsage.Scope scope, UsagePeriod period) throws SQLException {
    long requests = 0;
    long errors = 0;
    long prompt = 0;
    long completion = 0;
    BigDecimal cost = null;
    BigDecimal averageLatency = null;
    Long p95 = null;
    Busiest busiestModel = null;
    Busiest busiestFeature = null;
    PricedUsage.Unpriced.Rows unpricedRows = new PricedUsage.Unpriced.Rows();
    try (PreparedStatement s = c.prepareStatement(SUMMARY)) {
      scope.bindRequests(s, scope.bind(s, 1));
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          switch (r.getString("part")) {
            case "busiest_feature" -> busiestFeature = Busiest.read(r);
            case "busiest_model" -> busiestModel = Busiest.read(r);
            case "totals" -> {
              requests = r.getLong("requests");
              errors = r.getLong("errors");
              cost = r.getBigDecimal("cost_usd");
              prompt = r.getLong("prompt_tokens");
              completion = r.getLong("completion_tokens");
              averageLatency = r.getBigDecimal("avg_latency_ms");
              Object p95Latency = r.getObject("p95_latency_ms");
              p95 = p95Latency == null ? null : ((Number) p95Latency).longValue();
            }
            case "unpriced" -> unpricedRows.add(r);
            default -> throw new IllegalStateException("unexpected part " + r.getString("part"));
          }
        }
      }
    }
    PricedUsage.Unpriced unpriced = unpricedRows.done();
    PricedUsage.Aggregates aggregates = PricedUsage.aggregates(c, scope, "latency", "latency figures cover");
    BigDecimal errorRate = Figures.percent(BigDecimal.valueOf(errors), BigDecimal.valueOf(requests));
    Summary data = new Summary(period, requests, prompt, completion, prompt + completion, Figures.usd(cost), errors,
        errorRate, averageLatency == null ? null : Figures.oneDecimal(averageLatency), p95,
        busiestModel == null ? null : busiestModel.asModel(requests),
        busiestFeature == null ? null : busiestFeature.asFeature(requests),
        unpriced, aggregates);

    String summary = requests == 0
        ? "No LLM requests " + (period.days() == 1 ? "on " : "from ") + period.words()
        : Figures.dollars(Figures.usd(cost)) + " over " + period.days() + (period.days() == 1 ? " day, " : " days, ")
            + Figures.count(requests) + (requests == 1 ? " request, " : " requests, ")
            + Figures.percentText(errorRate) + " errors"
            + unpriced.suffix() + (aggregates == null ? "" : "; " + aggregates.statement());
    return new Result(summary, data);
  }

  /** The model or feature with the most requests. */
  private record Busiest(String provider, String model, String feature, long requests, BigDecimal cost) {

    static Busiest read(ResultSet r) throws SQLException {
      return new Busiest(r.getString("provider"), r.getString("model"), r.getString("feature"), r.getLong("requests"),
          r.getBigDecimal("cost_usd"));
    }

    BusiestModel asModel(long total) {
      return new BusiestModel(provider, model, requests, Figures.percent(BigDecimal.valueOf(requests), BigDecimal.valueOf(total)),
          Figures.usd(cost));
    }

    BusiestFeature asFeature(long total) {
      return new BusiestFeature(feature, requests, Figures.percent(BigDecimal.valueOf(requests), BigDecimal.valueOf(total)),
          Figures.usd(cost));
    }
  }
}

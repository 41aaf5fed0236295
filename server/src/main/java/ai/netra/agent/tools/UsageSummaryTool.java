package ai.netra.agent.tools;

import ai.netra.agent.Tool;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * {@code usage_summary}: a user's requests, tokens, cost, error rate and latency over a period,
 * with the model and the feature that served the most requests. A request is an error when its
 * status is anything but {@code ok}; latency figures leave out requests without a latency.
 */
public final class UsageSummaryTool implements Tool {

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
        select day, provider, model, feature, requests, prompt_tokens, completion_tokens, errors, latency_count, latency_sum
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
          PricedUsage.unpriced("priced"));

  private final DataSource dataSource;
  private final Clock clock;

  public UsageSummaryTool(DataSource dataSource, Clock clock) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "Totals of the user's LLM usage over a period: requests, prompt and completion tokens, cost in USD, error rate,"
        + " average and p95 latency, and the busiest model and feature. Use it for 'how much did we spend' questions.";
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
    PricedUsage.Scope scope = PricedUsage.Scope.of(userId, period, null);
    return PricedUsage.read(dataSource, NAME, c -> summarize(c, scope, period));
  }

  private static Result summarize(Connection c, PricedUsage.Scope scope, UsagePeriod period) throws SQLException {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("period", period.describe());
    long requests = 0;
    long errors = 0;
    BigDecimal cost = null;
    Busiest busiestModel = null;
    Busiest busiestFeature = null;
    PricedUsage.Unpriced.Rows unpricedRows = new PricedUsage.Unpriced.Rows();
    try (PreparedStatement s = PricedUsage.prepare(c, SUMMARY)) {
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
              long prompt = r.getLong("prompt_tokens");
              long completion = r.getLong("completion_tokens");
              BigDecimal averageLatency = r.getBigDecimal("avg_latency_ms");
              Object p95 = r.getObject("p95_latency_ms");
              data.put("requests", requests);
              data.put("prompt_tokens", prompt);
              data.put("completion_tokens", completion);
              data.put("total_tokens", prompt + completion);
              data.put("cost_usd", Figures.usd(cost));
              data.put("errors", errors);
              data.put("error_rate_pct", Figures.percent(BigDecimal.valueOf(errors), BigDecimal.valueOf(requests)));
              data.put("avg_latency_ms", averageLatency == null ? null : Figures.oneDecimal(averageLatency));
              data.put("p95_latency_ms", p95 == null ? null : ((Number) p95).longValue());
            }
            case "unpriced" -> unpricedRows.add(r);
            default -> throw new IllegalStateException("unexpected part " + r.getString("part"));
          }
        }
      }
    }
    data.put("busiest_model", busiestModel == null ? null : busiestModel.describe(requests, true));
    data.put("busiest_feature", busiestFeature == null ? null : busiestFeature.describe(requests, false));
    PricedUsage.Unpriced unpriced = unpricedRows.done();
    data.put("unpriced", unpriced.describe());

    String summary = requests == 0
        ? "No LLM requests " + (period.days() == 1 ? "on " : "from ") + period.words()
        : Figures.dollars(Figures.usd(cost)) + " over " + period.days() + (period.days() == 1 ? " day, " : " days, ")
            + Figures.count(requests) + (requests == 1 ? " request, " : " requests, ")
            + Figures.percentText(Figures.percent(BigDecimal.valueOf(errors), BigDecimal.valueOf(requests))) + " errors"
            + unpriced.suffix();
    return new Result(summary, data);
  }

  /** The model or feature with the most requests. */
  private record Busiest(String provider, String model, String feature, long requests, BigDecimal cost) {

    static Busiest read(ResultSet r) throws SQLException {
      return new Busiest(r.getString("provider"), r.getString("model"), r.getString("feature"), r.getLong("requests"),
          r.getBigDecimal("cost_usd"));
    }

    Map<String, Object> describe(long total, boolean isModel) {
      Map<String, Object> busiest = new LinkedHashMap<>();
      if (isModel) {
        busiest.put("provider", provider);
        busiest.put("model", model);
      } else {
        busiest.put("feature", feature);
      }
      busiest.put("requests", requests);
      busiest.put("requests_pct", Figures.percent(BigDecimal.valueOf(requests), BigDecimal.valueOf(total)));
      busiest.put("cost_usd", Figures.usd(cost));
      return busiest;
    }
  }
}

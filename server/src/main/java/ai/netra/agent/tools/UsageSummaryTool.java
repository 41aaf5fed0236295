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

  private static final String TOTALS = PricedUsage.WITH_USAGE + """
      select count(*) as requests,
             coalesce(sum(prompt_tokens), 0) as prompt_tokens,
             coalesce(sum(completion_tokens), 0) as completion_tokens,
             sum(cost_usd) as cost_usd,
             count(*) filter (where status <> 'ok') as errors,
             avg(latency_ms) as avg_latency_ms,
             percentile_disc(0.95) within group (order by latency_ms) as p95_latency_ms
        from usage
      """;

  // Busiest means most requests; ties go to the name first in order, so the answer is stable.
  private static final String BUSIEST_MODEL = PricedUsage.WITH_USAGE + """
      select provider, model, count(*) as requests, sum(cost_usd) as cost_usd
        from usage group by provider, model
       order by requests desc, provider, model limit 1
      """;

  private static final String BUSIEST_FEATURE = PricedUsage.WITH_USAGE + """
      select feature, count(*) as requests, sum(cost_usd) as cost_usd
        from usage group by feature
       order by requests desc, feature limit 1
      """;

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
    long requests;
    long errors;
    BigDecimal cost;
    try (PreparedStatement s = PricedUsage.prepare(c, TOTALS)) {
      scope.bind(s);
      try (ResultSet r = s.executeQuery()) {
        r.next();
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
    }
    data.put("busiest_model", busiest(c, scope, BUSIEST_MODEL, requests, true));
    data.put("busiest_feature", busiest(c, scope, BUSIEST_FEATURE, requests, false));
    PricedUsage.Unpriced unpriced = PricedUsage.unpriced(c, scope);
    data.put("unpriced", unpriced.describe());

    String summary = requests == 0
        ? "No LLM requests " + (period.days() == 1 ? "on " : "from ") + period.words()
        : Figures.dollars(Figures.usd(cost)) + " over " + period.days() + (period.days() == 1 ? " day, " : " days, ")
            + Figures.count(requests) + (requests == 1 ? " request, " : " requests, ")
            + Figures.percentText(Figures.percent(BigDecimal.valueOf(errors), BigDecimal.valueOf(requests))) + " errors"
            + unpriced.suffix();
    return new Result(summary, data);
  }

  private static Map<String, Object> busiest(Connection c, PricedUsage.Scope scope, String sql, long total, boolean model)
      throws SQLException {
    try (PreparedStatement s = PricedUsage.prepare(c, sql)) {
      scope.bind(s);
      try (ResultSet r = s.executeQuery()) {
        if (!r.next()) {
          return null;
        }
        Map<String, Object> busiest = new LinkedHashMap<>();
        if (model) {
          busiest.put("provider", r.getString("provider"));
          busiest.put("model", r.getString("model"));
        } else {
          busiest.put("feature", r.getString("feature"));
        }
        long requests = r.getLong("requests");
        busiest.put("requests", requests);
        busiest.put("requests_pct", Figures.percent(BigDecimal.valueOf(requests), BigDecimal.valueOf(total)));
        busiest.put("cost_usd", Figures.usd(r.getBigDecimal("cost_usd")));
        return busiest;
      }
    }
  }
}

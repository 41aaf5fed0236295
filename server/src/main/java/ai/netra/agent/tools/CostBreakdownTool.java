package ai.netra.agent.tools;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * {@code cost_breakdown}: a user's spend over a period split by model, feature or both, most
 * expensive first, each with its share of the total. Only the {@value #MAX_ROWS} costliest groups
 * are listed; the rest are summed in {@code omitted}, so a model reads a bounded answer.
 */
public final class CostBreakdownTool extends UsageTool<CostBreakdownTool.Question> {

  static final String NAME = "cost_breakdown";
  static final int MAX_ROWS = 25;

  /** The group-by choices and the columns each one groups by; the SQL takes columns only from here. */
  private static final Map<String, List<String>> GROUPINGS = groupings();

  private static final ToolParameters PARAMETERS = UsagePeriod.declare(ToolParameters.of(NAME))
      .choice("group_by", "How to split the spend: by model, by feature (the product feature that made the requests), or by"
          + " each model and feature pair.", List.copyOf(GROUPINGS.keySet()), "model")
      .text("feature", "Only this feature's requests (exact name as recorded). Default: all features.", false)
      .build();

  public CostBreakdownTool(DataSource dataSource, Clock clock) {
    this(dataSource, dataSource, clock);
  }

  /** See {@link UsageTool#UsageTool}. */
  CostBreakdownTool(DataSource dataSource, DataSource lookups, Clock clock) {
    super(NAME, "Where the user's LLM spend went over a period: cost in USD, requests and tokens per model, per feature, or"
        + " per model and feature, sorted by cost with each group's share of the total.", PARAMETERS, dataSource, lookups, clock);
  }

  private static Map<String, List<String>> groupings() {
    Map<String, List<String>> groupings = new LinkedHashMap<>();
    groupings.put("model", List.of("provider", "model"));
    groupings.put("feature", List.of("feature"));
    groupings.put("model_and_feature", List.of("provider", "model", "feature"));
    return groupings;
  }

  /** Whose usage over which days, split how. */
  record Question(PricedUsage.Scope scope, UsagePeriod period, String groupBy) implements UsageTool.Scoped { }

  /** The figures of {@code cost_breakdown}; {@code omitted} only when there are more groups than listed. */
  record Breakdown(UsagePeriod period, String groupBy, String feature, List<Row> rows,
      @JsonInclude(JsonInclude.Include.NON_NULL) Omitted omitted, Total total, PricedUsage.Unpriced unpriced) { }

  /** One group: the grouping's keys (the others left out), its figures and its share of the total cost. */
  record Row(@JsonInclude(JsonInclude.Include.NON_NULL) String provider, @JsonInclude(JsonInclude.Include.NON_NULL) String model,
      @JsonInclude(JsonInclude.Include.NON_NULL) String feature, long requests, long promptTokens, long completionTokens,
      BigDecimal costUsd, BigDecimal sharePct, long unpricedRequests) { }

  /** The groups past the {@value #MAX_ROWS} listed, summed. */
  record Omitted(int groups, long requests, BigDecimal costUsd, BigDecimal sharePct) { }

  /** Every group together. */
  record Total(long requests, long promptTokens, long completionTokens, BigDecimal costUsd) { }

  @Override
  Question question(String userId, ToolArguments args, UsagePeriod period, Clock clock) {
    return new Question(PricedUsage.Scope.of(userId, period, args.text("feature")), period, args.text("group_by"));
  }

  @Override
  Result answer(Connection c, Question question) throws SQLException {
    return breakdown(c, question.scope(), question.period(), question.groupBy());
  }

  private record Group(Map<String, String> key, long requests, long promptTokens, long completionTokens, BigDecimal cost,
      long unpricedRequests) { }

  /**
   * The groups and the unpriced models in one statement, from the period's daily groups;
   * {@code %4$s} is the grouping's columns. A group's requests are all priced or all unpriced, so
   * its unpriced requests are those of its daily groups without a cost.
   */
  private static final String BREAKDOWN = PricedUsage.WITH_PRICES + """
      , groups as (
        select day, provider, model, feature, requests, prompt_tokens, completion_tokens, %6$s
          from llm_usage_daily
         where %1$s
      ), %2$s, %3$s
      select 'group' as part,
             row_number() over (order by sum(cost_usd) desc nulls last, sum(requests) desc, %4$s) as place,
             %5$s, sum(requests)::bigint as requests, sum(prompt_tokens)::bigint as prompt_tokens,
             sum(completion_tokens)::bigint as completion_tokens, sum(cost_usd) as cost_usd,
             coalesce(sum(requests) filter (where cost_usd is null), 0)::bigint as unpriced_requests
        from priced group by %4$s
      union all
      select 'unpriced', place, provider, model, null, requests, prompt_tokens, completion_tokens, null, null
        from unpriced
      order by part, place
      """;

  private static Result breakdown(Connection c, PricedUsage.Scope scope, UsagePeriod period, String groupBy) throws SQLException {
    List<String> columns = GROUPINGS.get(groupBy);
    String keys = String.join(", ", columns);
    // every key column in a fixed layout, null where the grouping does not use it, so the unpriced rows fit
    String layout = String.join(", ", List.of("provider", "model", "feature").stream()
        .map(k -> columns.contains(k) ? k : "null::text as " + k).toList());
    String sql = BREAKDOWN.formatted(PricedUsage.IN_SCOPE, PricedUsage.priced("priced", "groups"), PricedUsage.unpriced("priced"),
        keys, layout, PricedUsage.COMPONENTS);
    List<Group> groups = new ArrayList<>();
    PricedUsage.Unpriced.Rows unpricedRows = new PricedUsage.Unpriced.Rows();
    try (PreparedStatement s = c.prepareStatement(sql)) {
      scope.bind(s, 1);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          if (r.getString("part").equals("unpriced")) {
            unpricedRows.add(r);
            continue;
          }
          Map<String, String> key = new LinkedHashMap<>();
          for (String column : columns) {
            key.put(column, r.getString(column));
          }
          groups.add(new Group(key, r.getLong("requests"), r.getLong("prompt_tokens"), r.getLong("completion_tokens"),
              r.getBigDecimal("cost_usd"), r.getLong("unpriced_requests")));
        }
      }
    }
    BigDecimal totalCost = BigDecimal.ZERO;
    long totalRequests = 0;
    long totalPrompt = 0;
    long totalCompletion = 0;
    for (Group g : groups) {
      totalCost = totalCost.add(Figures.nullToZero(g.cost()));
      totalRequests += g.requests();
      totalPrompt += g.promptTokens();
      totalCompletion += g.completionTokens();
    }

    List<Row> rows = new ArrayList<>();
    for (Group g : groups.subList(0, Math.min(MAX_ROWS, groups.size()))) {
      rows.add(new Row(g.key().get("provider"), g.key().get("model"), g.key().get("feature"), g.requests(), g.promptTokens(),
          g.completionTokens(), Figures.usd(g.cost()), Figures.percent(Figures.nullToZero(g.cost()), totalCost),
          g.unpricedRequests()));
    }
    Omitted omitted = null;
    if (groups.size() > MAX_ROWS) {
      List<Group> rest = groups.subList(MAX_ROWS, groups.size());
      BigDecimal restCost = rest.stream().map(g -> Figures.nullToZero(g.cost())).reduce(BigDecimal.ZERO, BigDecimal::add);
      omitted = new Omitted(rest.size(), rest.stream().mapToLong(Group::requests).sum(), Figures.usd(restCost),
          Figures.percent(restCost, totalCost));
    }
    PricedUsage.Unpriced unpriced = unpricedRows.done();
    Breakdown data = new Breakdown(period, groupBy, scope.feature(), rows, omitted,
        new Total(totalRequests, totalPrompt, totalCompletion, Figures.usd(totalCost)), unpriced);

    String scopeWords = scope.feature() == null ? "" : " for " + scope.feature();
    String summary;
    if (groups.isEmpty()) {
      summary = "No LLM requests" + scopeWords + " " + (period.days() == 1 ? "on " : "from ") + period.words();
    } else {
      Group top = groups.get(0);
      String noun = switch (groupBy) {
        case "model" -> groups.size() == 1 ? " model" : " models";
        case "feature" -> groups.size() == 1 ? " feature" : " features";
        default -> groups.size() == 1 ? " model and feature pair" : " model and feature pairs";
      };
      summary = Figures.dollars(totalCost) + scopeWords + " across " + groups.size() + noun + "; top: " + label(top.key()) + " "
          + Figures.dollars(Figures.usd(top.cost())) + " ("
          + Figures.percentText(Figures.percent(Figures.nullToZero(top.cost()), totalCost)) + ")" + unpriced.suffix();
    }
    return new Result(summary, data);
  }

  private static String label(Map<String, String> key) {
    List<String> parts = new ArrayList<>();
    if (key.containsKey("model")) {
      parts.add(key.get("model"));
    }
    if (key.containsKey("feature")) {
      parts.add(key.get("feature"));
    }
    return String.join(" / ", parts);
  }
}

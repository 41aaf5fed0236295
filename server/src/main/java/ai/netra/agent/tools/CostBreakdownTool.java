package ai.netra.agent.tools;

import ai.netra.agent.Tool;
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
import java.util.Objects;
import javax.sql.DataSource;

/**
 * {@code cost_breakdown}: a user's spend over a period split by model, feature or both, most
 * expensive first, each with its share of the total. Only the {@value #MAX_ROWS} costliest groups
 * are listed; the rest are summed in {@code omitted}, so a model reads a bounded answer.
 */
public final class CostBreakdownTool implements Tool {

  static final String NAME = "cost_breakdown";
  static final int MAX_ROWS = 25;

  /** The group-by choices and the columns each one groups by; the SQL takes columns only from here. */
  private static final Map<String, List<String>> GROUPINGS = groupings();

  private static final ToolParameters PARAMETERS = UsagePeriod.declare(ToolParameters.of(NAME))
      .choice("group_by", "How to split the spend: by model, by feature (the product feature that made the requests), or by"
          + " each model and feature pair.", List.copyOf(GROUPINGS.keySet()), "model")
      .text("feature", "Only this feature's requests (exact name as recorded). Default: all features.", false)
      .build();

  private final DataSource dataSource;
  private final Clock clock;

  public CostBreakdownTool(DataSource dataSource, Clock clock) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  private static Map<String, List<String>> groupings() {
    Map<String, List<String>> groupings = new LinkedHashMap<>();
    groupings.put("model", List.of("provider", "model"));
    groupings.put("feature", List.of("feature"));
    groupings.put("model_and_feature", List.of("provider", "model", "feature"));
    return groupings;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "Where the user's LLM spend went over a period: cost in USD, requests and tokens per model, per feature, or per"
        + " model and feature, sorted by cost with each group's share of the total.";
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
    String groupBy = args.text("group_by");
    PricedUsage.Scope scope = PricedUsage.Scope.of(userId, period, args.text("feature"));
    return PricedUsage.read(dataSource, NAME, c -> breakdown(c, scope, period, groupBy));
  }

  private record Group(Map<String, Object> key, long requests, long promptTokens, long completionTokens, BigDecimal cost,
      long unpricedRequests) { }

  /**
   * The groups and the unpriced models in one statement, from the period's daily groups;
   * {@code %4$s} is the grouping's columns. A group's requests are all priced or all unpriced, so
   * its unpriced requests are those of its daily groups without a cost.
   */
  private static final String BREAKDOWN = PricedUsage.WITH_PRICES + """
      , groups as (
        select day, provider, model, feature, requests, prompt_tokens, completion_tokens
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
        keys, layout);
    List<Group> groups = new ArrayList<>();
    PricedUsage.Unpriced.Rows unpricedRows = new PricedUsage.Unpriced.Rows();
    try (PreparedStatement s = PricedUsage.prepare(c, sql)) {
      scope.bind(s, 1);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          if (r.getString("part").equals("unpriced")) {
            unpricedRows.add(r);
            continue;
          }
          Map<String, Object> key = new LinkedHashMap<>();
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

    List<Map<String, Object>> rows = new ArrayList<>();
    for (Group g : groups.subList(0, Math.min(MAX_ROWS, groups.size()))) {
      Map<String, Object> row = new LinkedHashMap<>(g.key());
      row.put("requests", g.requests());
      row.put("prompt_tokens", g.promptTokens());
      row.put("completion_tokens", g.completionTokens());
      row.put("cost_usd", Figures.usd(g.cost()));
      row.put("share_pct", Figures.percent(Figures.nullToZero(g.cost()), totalCost));
      row.put("unpriced_requests", g.unpricedRequests());
      rows.add(row);
    }
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("period", period.describe());
    data.put("group_by", groupBy);
    data.put("feature", scope.feature());
    data.put("rows", rows);
    if (groups.size() > MAX_ROWS) {
      List<Group> rest = groups.subList(MAX_ROWS, groups.size());
      BigDecimal restCost = rest.stream().map(g -> Figures.nullToZero(g.cost())).reduce(BigDecimal.ZERO, BigDecimal::add);
      Map<String, Object> omitted = new LinkedHashMap<>();
      omitted.put("groups", rest.size());
      omitted.put("requests", rest.stream().mapToLong(Group::requests).sum());
      omitted.put("cost_usd", Figures.usd(restCost));
      omitted.put("share_pct", Figures.percent(restCost, totalCost));
      data.put("omitted", omitted);
    }
    Map<String, Object> total = new LinkedHashMap<>();
    total.put("requests", totalRequests);
    total.put("prompt_tokens", totalPrompt);
    total.put("completion_tokens", totalCompletion);
    total.put("cost_usd", Figures.usd(totalCost));
    data.put("total", total);
    PricedUsage.Unpriced unpriced = unpricedRows.done();
    data.put("unpriced", unpriced.describe());

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

  private static String label(Map<String, Object> key) {
    List<String> parts = new ArrayList<>();
    if (key.containsKey("model")) {
      parts.add((String) key.get("model"));
    }
    if (key.containsKey("feature")) {
      parts.add((String) key.get("feature"));
    }
    return String.join(" / ", parts);
  }
}

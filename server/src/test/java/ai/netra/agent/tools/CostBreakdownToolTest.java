package ai.netra.agent.tools;

import static ai.netra.agent.tools.UsageDatabase.data;
import static ai.netra.agent.tools.UsageDatabase.list;
import static ai.netra.agent.tools.UsageDatabase.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.netra.agent.Tool;
import ai.netra.agent.tools.UsageDatabase.Row;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CostBreakdownToolTest {

  private UsageDatabase db;
  private CostBreakdownTool tool;
  private String alice;

  @BeforeAll
  void insertTheHandMadeMonth() {
    db = UsageDatabase.get();
    tool = new CostBreakdownTool(db.dataSource(), UsageDatabase.CLOCK);
    alice = db.newUser("alice");
    db.insertHandMadeMonth(alice, db.newUser("bob"));
  }

  private static Map<String, Object> row(Object... keysAndValues) {
    Map<String, Object> row = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      row.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return row;
  }

  @Test
  void splitsTheMonthByModelMostExpensiveFirst() {
    Tool.Result result = tool.run(alice, Map.of());

    // shares of $11.20: 10.00 -> 89.29%, 0.75 -> 6.70%, 0.45 -> 4.02%; the unpriced models cost nothing known and go last,
    // tied at one request each and then ordered by provider (mistral before selfhost)
    assertThat(list(data(result).get("rows"))).containsExactly(
        row("provider", "openai", "model", "gpt-4o", "requests", 2L, "prompt_tokens", 2_000_000L, "completion_tokens", 200_000L,
            "cost_usd", new BigDecimal("10.00"), "share_pct", new BigDecimal("89.3"), "unpriced_requests", 0L),
        row("provider", "openai", "model", "gpt-4o-mini", "requests", 3L, "prompt_tokens", 3_000_000L,
            "completion_tokens", 500_000L, "cost_usd", new BigDecimal("0.75"), "share_pct", new BigDecimal("6.7"),
            "unpriced_requests", 0L),
        row("provider", "anthropic", "model", "claude-sonnet", "requests", 1L, "prompt_tokens", 100_000L,
            "completion_tokens", 10_000L, "cost_usd", new BigDecimal("0.45"), "share_pct", new BigDecimal("4.0"),
            "unpriced_requests", 0L),
        row("provider", "mistral", "model", "mistral-large", "requests", 1L, "prompt_tokens", 1_000_000L,
            "completion_tokens", 0L, "cost_usd", new BigDecimal("0.00"), "share_pct", new BigDecimal("0.0"),
            "unpriced_requests", 1L),
        row("provider", "selfhost", "model", "llama-local", "requests", 1L, "prompt_tokens", 500_000L,
            "completion_tokens", 50_000L, "cost_usd", new BigDecimal("0.00"), "share_pct", new BigDecimal("0.0"),
            "unpriced_requests", 1L));
    assertThat(map(data(result).get("total"))).isEqualTo(row("requests", 8L, "prompt_tokens", 6_600_000L,
        "completion_tokens", 760_000L, "cost_usd", new BigDecimal("11.20")));
    assertThat(data(result)).containsEntry("group_by", "model").doesNotContainKey("omitted");
    assertThat(map(data(result).get("unpriced"))).containsEntry("requests", 2L);
    assertThat(result.summary()).isEqualTo("$11.20 across 5 models; top: gpt-4o $10.00 (89.3%), 2 requests unpriced");
  }

  @Test
  void splitsByFeature() {
    Tool.Result result = tool.run(alice, Map.of("group_by", "feature"));

    assertThat(list(data(result).get("rows"))).containsExactly(
        // chat: 6.50 + 3.50 + 0.00 and the unpriced llama-local row
        row("feature", "chat", "requests", 4L, "prompt_tokens", 2_500_000L, "completion_tokens", 250_000L,
            "cost_usd", new BigDecimal("10.00"), "share_pct", new BigDecimal("89.3"), "unpriced_requests", 1L),
        row("feature", "summarize", "requests", 2L, "prompt_tokens", 3_000_000L, "completion_tokens", 500_000L,
            "cost_usd", new BigDecimal("0.75"), "share_pct", new BigDecimal("6.7"), "unpriced_requests", 0L),
        // search: claude-sonnet 0.45 and the unpriced mistral-large row
        row("feature", "search", "requests", 2L, "prompt_tokens", 1_100_000L, "completion_tokens", 10_000L,
            "cost_usd", new BigDecimal("0.45"), "share_pct", new BigDecimal("4.0"), "unpriced_requests", 1L));
    assertThat(result.summary()).startsWith("$11.20 across 3 features; top: chat $10.00 (89.3%)");
  }

  @Test
  void oneFeatureSplitByModelAndFeature() {
    Tool.Result result = tool.run(alice, Map.of("group_by", "model_and_feature", "feature", "chat"));

    // a priced row that cost $0.00 sorts before an unpriced one
    assertThat(list(data(result).get("rows"))).extracting(r -> r.get("model") + "/" + r.get("feature") + " " + r.get("cost_usd")
        + " " + r.get("share_pct")).containsExactly("gpt-4o/chat 10.00 100.0", "gpt-4o-mini/chat 0.00 0.0",
            "llama-local/chat 0.00 0.0");
    assertThat(map(data(result).get("total"))).containsEntry("requests", 4L).containsEntry("cost_usd", new BigDecimal("10.00"));
    assertThat(result.summary())
        .isEqualTo("$10.00 for chat across 3 model and feature pairs; top: gpt-4o / chat $10.00 (100.0%), 1 request unpriced");
  }

  @Test
  void listsThe25CostliestGroupsAndSumsTheRest() {
    String frank = db.newUser("frank");
    List<Row> rows = new ArrayList<>();
    // feature-01 .. feature-30 cost $1 .. $30 (unit-a: one dollar per million prompt tokens); total 30 * 31 / 2 = $465
    for (int i = 1; i <= 30; i++) {
      rows.add(Row.of(frank, "2026-11-18T10:00:00Z", "acme", "unit-a", String.format("feature-%02d", i), i * 1_000_000, 0));
    }
    db.insert(rows);

    Tool.Result result = tool.run(frank, Map.of("group_by", "feature"));

    List<Map<String, Object>> listed = list(data(result).get("rows"));
    assertThat(listed).hasSize(25);
    // 30 / 465 = 6.45%
    assertThat(listed.get(0)).containsEntry("feature", "feature-30").containsEntry("cost_usd", new BigDecimal("30.00"))
        .containsEntry("share_pct", new BigDecimal("6.5"));
    assertThat(listed.get(24)).containsEntry("feature", "feature-06");
    // the five cheapest: 1 + 2 + 3 + 4 + 5 = $15, 15 / 465 = 3.23%
    assertThat(map(data(result).get("omitted"))).isEqualTo(row("groups", 5, "requests", 5L,
        "cost_usd", new BigDecimal("15.00"), "share_pct", new BigDecimal("3.2")));
    assertThat(map(data(result).get("total"))).containsEntry("cost_usd", new BigDecimal("465.00"));
  }

  @Test
  void refusesAnUnknownGrouping() {
    assertThatThrownBy(() -> tool.run(alice, Map.of("group_by", "provider")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cost_breakdown: group_by must be one of model, feature, model_and_feature, got 'provider'");
  }

  @Test
  @Tag("slow") // a randomized cross-check against an independent query: the full tier runs it
  void matchesAnIndependentQueryOnARandomHistory() {
    String gina = db.newUser("gina");
    db.insertOutOfOrder(RandomUsage.history(gina, 21, 40), 21);
    db.insertOutOfOrder(RandomUsage.history(db.newUser("hank"), 22, 40), 22);

    Map<String, List<String>> groupings = Map.of("model", List.of("provider", "model"), "feature", List.of("feature"),
        "model_and_feature", List.of("provider", "model", "feature"));
    for (String groupBy : List.of("model", "feature", "model_and_feature")) {
      for (String feature : new String[] {null, "search"}) {
        for (String[] period : List.of(new String[] {"2026-10-22", "2026-11-21"}, new String[] {"2026-07-01", "2026-10-01"})) {
          Map<String, Object> arguments = new HashMap<>(Map.of("group_by", groupBy, "from", period[0], "to", period[1]));
          arguments.put("feature", feature);
          Map<String, Object> data = data(tool.run(gina, arguments));

          String keys = String.join(", ", groupings.get(groupBy));
          List<Map<String, Object>> expected = db.query(UsageDatabase.INDEPENDENT_ROWS
              + "select " + keys + ", count(*) as requests, sum(prompt_tokens) as prompt_tokens,"
              + " sum(completion_tokens) as completion_tokens, round(coalesce(sum(cost), 0), 2) as cost_usd,"
              + " round(100 * coalesce(sum(cost), 0) / sum(sum(cost)) over (), 1) as share_pct,"
              + " count(*) - count(cost) as unpriced_requests"
              + " from rows where day >= ? and day < ? and (feature = ? or cast(? as text) is null)"
              + " group by " + keys
              + " order by coalesce(sum(cost), -1) desc, count(*) desc, " + keys,
              gina, LocalDate.parse(period[0]), LocalDate.parse(period[1]), feature, feature);
          String what = "cost_breakdown of " + arguments;
          assertThat(list(data.get("rows"))).as(what).isEqualTo(expected.subList(0, Math.min(25, expected.size())));
          Map<String, Object> totals = db.one(UsageDatabase.INDEPENDENT_ROWS
              + "select count(*) as requests, round(sum(cost), 2) as cost_usd from rows"
              + " where day >= ? and day < ? and (feature = ? or cast(? as text) is null)",
              gina, LocalDate.parse(period[0]), LocalDate.parse(period[1]), feature, feature);
          assertThat(map(data.get("total"))).as(what).containsEntry("requests", totals.get("requests"))
              .containsEntry("cost_usd", totals.get("cost_usd"));
          if (expected.size() > 25) {
            List<Map<String, Object>> rest = expected.subList(25, expected.size());
            assertThat(map(data.get("omitted"))).as(what).containsEntry("groups", rest.size())
                .containsEntry("requests", rest.stream().mapToLong(r -> (Long) r.get("requests")).sum());
          } else {
            assertThat(data).as(what).doesNotContainKey("omitted");
          }
        }
      }
    }
  }
}

package ai.netra.agent.tools;

import static ai.netra.agent.tools.UsageDatabase.data;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.netra.agent.Tool;
import ai.netra.agent.tools.UsageDatabase.Row;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UsageSummaryToolTest {

  private UsageDatabase db;
  private UsageSummaryTool tool;
  private String alice;
  private String bob;

  @BeforeAll
  void insertAHandMadeMonth() {
    db = UsageDatabase.get();
    tool = new UsageSummaryTool(db.dataSource(), UsageDatabase.CLOCK);
    alice = db.newUser("alice");
    bob = db.newUser("bob");
    db.insertHandMadeMonth(alice, bob);
  }

  @Test
  void summarizesTheLast30DaysFigureByFigure() {
    Tool.Result result = tool.run(alice, Map.of());

    Map<String, Object> data = data(result);
    assertThat(data.get("period")).isEqualTo(Map.of("from", "2026-10-22", "to", "2026-11-21", "days", 30L));
    assertThat(data).as("8 rows fall in the period; bob's and the two outside do not")
        .containsEntry("requests", 8L)
        // 1M + 1M + 2M + 1M + 0 + 0.5M + 0.1M + 1M
        .containsEntry("prompt_tokens", 6_600_000L)
        // 0.1M + 0.1M + 0.5M + 0 + 0 + 50k + 10k + 0
        .containsEntry("completion_tokens", 760_000L)
        .containsEntry("total_tokens", 7_360_000L)
        // 6.50 + 3.50 + 0.60 + 0.15 + 0.00 + 0.45; the two unpriced rows are not counted as free
        .containsEntry("cost_usd", new BigDecimal("11.20"))
        // error + timeout = 2 of 8
        .containsEntry("errors", 2L)
        .containsEntry("error_rate_pct", new BigDecimal("25.0"))
        // latencies 100..600 (two rows have none): mean 350, p95 is the 6th of 6
        .containsEntry("avg_latency_ms", new BigDecimal("350.0"))
        .containsEntry("p95_latency_ms", 600L);
    assertThat(data.get("busiest_model")).as("gpt-4o-mini served 3 of 8 requests: 0.60 + 0.15 + 0.00")
        .isEqualTo(Map.of("provider", "openai", "model", "gpt-4o-mini", "requests", 3L,
            "requests_pct", new BigDecimal("37.5"), "cost_usd", new BigDecimal("0.75")));
    assertThat(data.get("busiest_feature")).as("chat made 4 of 8 requests: 6.50 + 3.50 + 0.00 + unpriced")
        .isEqualTo(Map.of("feature", "chat", "requests", 4L, "requests_pct", new BigDecimal("50.0"),
            "cost_usd", new BigDecimal("10.00")));
    Map<String, Object> unpriced = UsageDatabase.map(data.get("unpriced"));
    assertThat(unpriced).containsEntry("requests", 2L).containsEntry("prompt_tokens", 1_500_000L)
        .containsEntry("completion_tokens", 50_000L)
        .containsEntry("models", List.of(
            Map.of("provider", "mistral", "model", "mistral-large", "requests", 1L),
            Map.of("provider", "selfhost", "model", "llama-local", "requests", 1L)));
    assertThat(result.summary()).isEqualTo("$11.20 over 30 days, 8 requests, 25.0% errors, 2 requests unpriced");
  }

  @Test
  void pricesEachRowAtThePriceInEffectOnItsUtcDay() {
    Tool.Result lastOldPriceDay = tool.run(alice, Map.of("from", "2026-11-09", "to", "2026-11-10"));
    Tool.Result firstNewPriceDay = tool.run(alice, Map.of("from", "2026-11-10", "to", "2026-11-11"));

    assertThat(data(lastOldPriceDay)).as("1M * 5.00 + 0.1M * 15.00 at the old price")
        .containsEntry("requests", 1L).containsEntry("cost_usd", new BigDecimal("6.50"));
    assertThat(data(firstNewPriceDay)).as("the same tokens at the new price: 1M * 2.50 + 0.1M * 10.00")
        .containsEntry("requests", 1L).containsEntry("cost_usd", new BigDecimal("3.50"));
    assertThat(firstNewPriceDay.summary()).isEqualTo("$3.50 over 1 day, 1 request, 0.0% errors");
  }

  @Test
  void rowsBeforeAModelsFirstPriceAreUnpricedNotFree() {
    Tool.Result result = tool.run(alice, Map.of("from", "2026-10-25", "to", "2026-10-26"));

    assertThat(data(result)).containsEntry("requests", 1L).containsEntry("cost_usd", new BigDecimal("0.00"));
    assertThat(UsageDatabase.map(data(result).get("unpriced")))
        .containsEntry("requests", 1L).containsKey("note");
    assertThat(result.summary()).endsWith(", 1 request unpriced");
  }

  @Test
  void centsAreRoundedHalfUp() {
    String carol = db.newUser("carol");
    // 10,000 prompt tokens at 2.50 per 1M = $0.025 exactly: half up gives 0.03 (half even would give 0.02)
    db.insert(Row.of(carol, "2026-11-15T10:00:00Z", "openai", "gpt-4o", "chat", 10_000, 0));

    Tool.Result result = tool.run(carol, Map.of());

    assertThat(data(result)).containsEntry("cost_usd", new BigDecimal("0.03"));
    assertThat(result.summary()).startsWith("$0.03 over 30 days, 1 request");
  }

  @Test
  void anotherUsersRowsNeverCount() {
    Tool.Result result = tool.run(bob, Map.of());

    assertThat(data(result)).as("bob has one row: 9M * 2.50")
        .containsEntry("requests", 1L).containsEntry("cost_usd", new BigDecimal("22.50"))
        .containsEntry("errors", 1L).containsEntry("p95_latency_ms", 9_000L);
  }

  @Test
  void aUserWithoutUsageGetsZerosAndASentenceSayingSo() {
    Tool.Result result = tool.run(db.newUser("nobody"), Map.of());

    assertThat(data(result)).containsEntry("requests", 0L).containsEntry("cost_usd", new BigDecimal("0.00"))
        .containsEntry("error_rate_pct", null).containsEntry("avg_latency_ms", null).containsEntry("p95_latency_ms", null)
        .containsEntry("busiest_model", null).containsEntry("busiest_feature", null);
    assertThat(result.summary()).isEqualTo("No LLM requests from 2026-10-22 to 2026-11-20");
  }

  @Test
  void aMissingUserIsRefused() {
    assertThatThrownBy(() -> tool.run(" ", Map.of())).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("user id is required");
  }

  @Test
  @Tag("slow") // a randomized cross-check against an independent query: the full tier runs it
  void matchesAnIndependentQueryOnARandomHistory() {
    String dana = db.newUser("dana");
    String eve = db.newUser("eve");
    db.insertOutOfOrder(RandomUsage.history(dana, 11, 40), 11);
    db.insertOutOfOrder(RandomUsage.history(eve, 12, 20), 12);

    List<String[]> periods = List.of(new String[] {"2026-10-22", "2026-11-21"}, new String[] {"2026-07-15", "2026-09-01"},
        new String[] {"2026-08-12", "2026-08-13"}, new String[] {"2026-06-01", "2026-07-02"});
    for (String[] period : periods) {
      Map<String, Object> arguments = Map.of("from", period[0], "to", period[1]);
      Map<String, Object> data = data(tool.run(dana, arguments));
      LocalDate from = LocalDate.parse(period[0]);
      LocalDate to = LocalDate.parse(period[1]);

      Map<String, Object> expected = db.one(UsageDatabase.INDEPENDENT_ROWS + """
          select count(*) as requests, sum(prompt_tokens) as prompt_tokens, sum(completion_tokens) as completion_tokens,
                 round(sum(cost), 2) as cost_usd, count(*) filter (where status != 'ok') as errors,
                 round(100.0 * count(*) filter (where status != 'ok') / count(*), 1) as error_rate_pct,
                 round(avg(latency_ms), 1) as avg_latency_ms, count(*) filter (where cost is null) as unpriced
            from rows where day >= ? and day < ?
          """, dana, from, to);
      String what = "usage_summary of " + arguments;
      assertThat(data.get("requests")).as(what).isEqualTo(expected.get("requests"));
      assertThat(data.get("prompt_tokens")).as(what).isEqualTo(((Number) expected.get("prompt_tokens")).longValue());
      assertThat(data.get("completion_tokens")).as(what).isEqualTo(((Number) expected.get("completion_tokens")).longValue());
      assertThat(data.get("cost_usd")).as(what).isEqualTo(expected.get("cost_usd"));
      assertThat(data.get("errors")).as(what).isEqualTo(expected.get("errors"));
      assertThat(data.get("error_rate_pct")).as(what).isEqualTo(expected.get("error_rate_pct"));
      assertThat(data.get("avg_latency_ms")).as(what).isEqualTo(expected.get("avg_latency_ms"));
      assertThat(UsageDatabase.map(data.get("unpriced")).get("requests")).as(what).isEqualTo(expected.get("unpriced"));

      // p95 by hand: the smallest latency with at least 95% of latencies at or below it
      List<Integer> latencies = new ArrayList<>();
      db.query(UsageDatabase.INDEPENDENT_ROWS + "select latency_ms from rows where day >= ? and day < ? and latency_ms is not null",
          dana, from, to).forEach(r -> latencies.add((Integer) r.get("latency_ms")));
      latencies.sort(null);
      Long p95 = latencies.isEmpty() ? null : (long) latencies.get((int) Math.ceil(0.95 * latencies.size()) - 1);
      assertThat(data.get("p95_latency_ms")).as(what + " p95").isEqualTo(p95);

      List<Map<String, Object>> busiestModel = db.query(UsageDatabase.INDEPENDENT_ROWS + """
          select provider, model from (
            select provider, model, rank() over (order by count(*) desc, provider, model) as place
              from rows where day >= ? and day < ? group by provider, model) ranked
           where place = 1
          """, dana, from, to);
      if (busiestModel.isEmpty()) {
        assertThat(data.get("busiest_model")).as(what).isNull();
      } else {
        assertThat(UsageDatabase.map(data.get("busiest_model"))).as(what)
            .containsEntry("provider", busiestModel.get(0).get("provider")).containsEntry("model", busiestModel.get(0).get("model"));
      }
    }
  }
}

package ai.netra.agent.tools;

import static ai.netra.agent.tools.UsageDatabase.data;
import static ai.netra.agent.tools.UsageDatabase.list;
import static ai.netra.agent.tools.UsageDatabase.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.netra.agent.Tool;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WhatIfSwitchToolTest {

  private UsageDatabase db;
  private WhatIfSwitchTool tool;
  private String alice;

  @BeforeAll
  void insertTheHandMadeMonth() {
    db = UsageDatabase.get();
    tool = new WhatIfSwitchTool(db.dataSource(), UsageDatabase.CLOCK);
    alice = db.newUser("alice");
    db.insertHandMadeMonth(alice, db.newUser("bob"));
  }

  @Test
  void movingAllOfAFeatureToACheaperModel() {
    Tool.Result result = tool.run(alice, Map.of("feature", "chat", "to_model", "gpt-4o-mini"));

    Map<String, Object> data = data(result);
    // chat's traffic off gpt-4o-mini: the two gpt-4o rows ($6.50 at the old price + $3.50 at the new one), 2M prompt and
    // 0.2M completion tokens; its gpt-4o-mini row is already there, its llama-local row has no price; bob's row is not alice's
    assertThat(map(data.get("traffic"))).containsEntry("requests", 2L).containsEntry("prompt_tokens", 2_000_000L)
        .containsEntry("completion_tokens", 200_000L)
        .containsEntry("by_model", List.of(Map.of("provider", "openai", "model", "gpt-4o", "requests", 2L,
            "cost_usd", new BigDecimal("10.00"))));
    assertThat(data).containsEntry("requests_already_on_to_model", 1L)
        .containsEntry("current_cost_usd", new BigDecimal("10.00"))
        // the same tokens on gpt-4o-mini: 2M * 0.15 + 0.2M * 0.60 = 0.30 + 0.12
        .containsEntry("projected_cost_usd", new BigDecimal("0.42"))
        .containsEntry("savings_usd", new BigDecimal("9.58"))
        .containsEntry("savings_pct", new BigDecimal("95.8"))
        .containsEntry("share", BigDecimal.ONE);
    assertThat(map(data.get("unpriced"))).containsEntry("requests", 1L).containsEntry("prompt_tokens", 500_000L);
    Map<String, Object> prices = map(data.get("prices"));
    assertThat(map(prices.get("to"))).isEqualTo(Map.of("provider", "openai", "model", "gpt-4o-mini",
        "input_usd_per_mtok", new BigDecimal("0.15"), "output_usd_per_mtok", new BigDecimal("0.60"),
        "effective_from", "2024-01-01"));
    assertThat(list(prices.get("from"))).as("both gpt-4o prices applied to the traffic, with their effective dates")
        .containsExactly(
            Map.of("provider", "openai", "model", "gpt-4o", "input_usd_per_mtok", new BigDecimal("5.00"),
                "output_usd_per_mtok", new BigDecimal("15.00"), "effective_from", "2024-01-01", "requests", 1L),
            Map.of("provider", "openai", "model", "gpt-4o", "input_usd_per_mtok", new BigDecimal("2.50"),
                "output_usd_per_mtok", new BigDecimal("10.00"), "effective_from", "2026-11-10", "requests", 1L));
    assertThat(result.summary()).isEqualTo("Moving all of chat to gpt-4o-mini: $10.00 -> $0.42, saving $9.58 (95.8%),"
        + " 1 request unpriced");
  }

  @Test
  void movingHalfKeepsTheOtherHalfAtItsCostNow() {
    Tool.Result result = tool.run(alice, Map.of("feature", "chat", "to_model", "gpt-4o-mini", "share", 0.5));

    // 10.00 / 2 stays, 0.42 / 2 = 0.21 on gpt-4o-mini: 5.21, saving 4.79 of 10.00
    assertThat(data(result)).containsEntry("moved_cost_now_usd", new BigDecimal("5.00"))
        .containsEntry("moved_cost_on_to_model_usd", new BigDecimal("0.21"))
        .containsEntry("projected_cost_usd", new BigDecimal("5.21"))
        .containsEntry("savings_usd", new BigDecimal("4.79"))
        .containsEntry("savings_pct", new BigDecimal("47.9"))
        .containsEntry("share", new BigDecimal("0.5"));
    assertThat(result.summary()).startsWith("Moving 50% of chat to gpt-4o-mini: $10.00 -> $5.21, saving $4.79 (47.9%)");
  }

  @Test
  void movingOnlyTheTrafficOfOneModel() {
    Tool.Result result = tool.run(alice, Map.of("feature", "chat", "from_model", "gpt-4o", "to_model", "claude-sonnet"));

    // 2M * 3.00 + 0.2M * 15.00 = 6.00 + 3.00 = 9.00 instead of 10.00; the unpriced llama-local row is not gpt-4o's
    assertThat(data(result)).containsEntry("current_cost_usd", new BigDecimal("10.00"))
        .containsEntry("projected_cost_usd", new BigDecimal("9.00"))
        .containsEntry("savings_usd", new BigDecimal("1.00"))
        .containsEntry("savings_pct", new BigDecimal("10.0"))
        .containsEntry("requests_already_on_to_model", 0L);
    assertThat(map(data(result).get("unpriced"))).containsEntry("requests", 0L);
    assertThat(result.summary()).isEqualTo("Moving all of chat on gpt-4o to claude-sonnet: $10.00 -> $9.00, saving $1.00 (10.0%)");
  }

  @Test
  void aDearerModelShowsNegativeSavings() {
    Tool.Result result = tool.run(alice, Map.of("feature", "summarize", "to_model", "gpt-4o"));

    // summarize: 3M prompt, 0.5M completion tokens, $0.60 + $0.15 now; gpt-4o's current price (from 2026-11-10) is
    // 2.50 / 10.00: 7.50 + 5.00 = 12.50; savings 0.75 - 12.50 = -11.75, -1566.7% of 0.75
    assertThat(data(result)).containsEntry("current_cost_usd", new BigDecimal("0.75"))
        .containsEntry("projected_cost_usd", new BigDecimal("12.50"))
        .containsEntry("savings_usd", new BigDecimal("-11.75"))
        .containsEntry("savings_pct", new BigDecimal("-1566.7"));
    assertThat(map(map(data(result).get("prices")).get("to"))).containsEntry("effective_from", "2026-11-10");
    assertThat(result.summary()).isEqualTo("Moving all of summarize to gpt-4o: $0.75 -> $12.50, costing $11.75 more (+1566.7%)");
  }

  @Test
  void aModelPricedByTwoProvidersNeedsToProvider() {
    assertThatThrownBy(() -> tool.run(alice, Map.of("feature", "summarize", "to_model", "llama-3-70b")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("what_if_switch: to_model 'llama-3-70b' is priced for several providers (groq, together); pass to_provider");

    Tool.Result result = tool.run(alice, Map.of("feature", "summarize", "to_model", "llama-3-70b", "to_provider", "groq"));

    // 3M * 0.59 + 0.5M * 0.79 = 1.77 + 0.395 = 2.165 -> 2.17; savings 0.75 - 2.165 = -1.415 -> -1.42 (half away from zero)
    assertThat(data(result)).containsEntry("to_provider", "groq")
        .containsEntry("projected_cost_usd", new BigDecimal("2.17"))
        .containsEntry("savings_usd", new BigDecimal("-1.42"))
        .containsEntry("savings_pct", new BigDecimal("-188.7"));
  }

  @Test
  void unknownNamesAreRefusedWithTheKnownOnes() {
    assertThatThrownBy(() -> tool.run(alice, Map.of("feature", "chats", "to_model", "gpt-4o-mini")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("what_if_switch: feature 'chats' has no requests in 2026-10-22 to 2026-11-20; features with requests then:"
            + " chat, search, summarize");
    assertThatThrownBy(() -> tool.run(alice, Map.of("feature", "chat", "to_model", "gpt-6")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("what_if_switch: to_model 'gpt-6' is not in the price catalog; priced models:"
            + " claude-sonnet, gpt-4o, gpt-4o-mini, llama-3-70b, mistral-large, ") // other tests of the run add their models
        .hasMessageContaining(" unit-a");
    assertThatThrownBy(() -> tool.run(alice, Map.of("feature", "chat", "to_model", "gpt-5")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("what_if_switch: to_model 'gpt-5' has no price in effect on 2026-11-20; its first price starts 2026-12-01");
    assertThatThrownBy(() -> tool.run(alice, Map.of("feature", "chat", "from_model", "gpt-4", "to_model", "gpt-4o-mini")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("what_if_switch: from_model 'gpt-4' served no chat requests in 2026-10-22 to 2026-11-20; its models then:"
            + " gpt-4o, gpt-4o-mini, llama-local");
    assertThatThrownBy(() -> tool.run(alice, Map.of("feature", "chat", "to_model", "gpt-4o-mini", "to_provider", "azure")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("what_if_switch: to_provider 'azure' has no current price for gpt-4o-mini; providers pricing it: openai");
    assertThatThrownBy(() -> tool.run(alice, Map.of("feature", "chat", "from_model", "gpt-4o", "to_model", "gpt-4o")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("from_model and to_model are the same model at the same provider (openai gpt-4o)");
    assertThatThrownBy(() -> tool.run(db.newUser("nobody"), Map.of("feature", "chat", "to_model", "gpt-4o-mini")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("what_if_switch: feature 'chat' has no requests in 2026-10-22 to 2026-11-20; there are no requests at all"
            + " in that period");
  }

  @Test
  void badArgumentsAreRefusedNamingWhatToSend() {
    assertThatThrownBy(() -> tool.run(alice, Map.of("to_model", "gpt-4o-mini")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("what_if_switch: feature is required (");
    assertThatThrownBy(() -> tool.run(alice, Map.of("feature", "chat", "to_model", "gpt-4o-mini", "share", 0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("what_if_switch: share must be a number greater than 0 and at most 1, got 0");
    assertThatThrownBy(() -> tool.run(alice, Map.of("feature", "chat", "to_model", "gpt-4o-mini", "share", 1.5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("what_if_switch: share must be a number greater than 0 and at most 1, got 1.5");
    assertThatThrownBy(() -> tool.run(alice, Map.of("feature", "chat", "to_model", "gpt-4o-mini", "share", "half")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("what_if_switch: share must be a number greater than 0 and at most 1, got 'half' (a string)");
    assertThatThrownBy(() -> tool.run(alice, Map.of("feature", "chat", "model", "gpt-4o-mini")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("what_if_switch: unknown argument model; it accepts feature, to_model, to_provider, from_model,"
            + " share, from, to");
  }

  @Test
  @Tag("slow") // a randomized cross-check against an independent query: the full tier runs it
  void matchesAnIndependentQueryOnARandomHistory() {
    String ivan = db.newUser("ivan");
    db.insertOutOfOrder(RandomUsage.history(ivan, 31, 40), 31);
    db.insertOutOfOrder(RandomUsage.history(db.newUser("judy"), 32, 40), 32);

    // gpt-4o's current price is the one from 2026-11-10: 2.50 in, 10.00 out per 1M tokens
    for (String feature : List.of("chat", "extract")) {
      for (String fromModel : new String[] {null, "claude-sonnet", "llama-3-70b"}) {
        for (BigDecimal share : List.of(BigDecimal.ONE, new BigDecimal("0.3"))) {
          for (String[] period : List.of(new String[] {"2026-10-22", "2026-11-21"}, new String[] {"2026-07-01", "2026-10-01"})) {
            Map<String, Object> arguments = new HashMap<>(Map.of("feature", feature, "to_model", "gpt-4o", "share", share,
                "from", period[0], "to", period[1]));
            arguments.put("from_model", fromModel);
            Map<String, Object> data = data(tool.run(ivan, arguments));

            Map<String, Object> expected = db.one(UsageDatabase.INDEPENDENT_ROWS + """
                , moved as (
                  select * from rows
                   where day >= ? and day < ? and feature = ? and (model = ? or cast(? as text) is null)
                     and (provider, model) <> ('openai', 'gpt-4o')
                )
                select count(cost) as requests, count(*) - count(cost) as unpriced,
                       round(sum(cost), 2) as current_cost_usd,
                       round(sum(cost) * (1 - ?) + ? * sum(case when cost is not null
                           then (prompt_tokens * 2.50 + completion_tokens * 10.00) / 1000000 end), 2) as projected_cost_usd,
                       round(sum(cost) - (sum(cost) * (1 - ?) + ? * sum(case when cost is not null
                           then (prompt_tokens * 2.50 + completion_tokens * 10.00) / 1000000 end)), 2) as savings_usd
                  from moved
                """, ivan, LocalDate.parse(period[0]), LocalDate.parse(period[1]), feature, fromModel, fromModel,
                share, share, share, share);
            String what = "what_if_switch of " + arguments;
            assertThat(map(data.get("traffic")).get("requests")).as(what).isEqualTo(expected.get("requests"));
            assertThat(map(data.get("unpriced")).get("requests")).as(what).isEqualTo(expected.get("unpriced"));
            assertThat(data.get("current_cost_usd")).as(what).isEqualTo(expected.get("current_cost_usd"));
            assertThat(data.get("projected_cost_usd")).as(what).isEqualTo(expected.get("projected_cost_usd"));
            assertThat(data.get("savings_usd")).as(what).isEqualTo(expected.get("savings_usd"));
          }
        }
      }
    }
  }
}

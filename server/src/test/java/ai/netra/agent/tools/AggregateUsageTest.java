package ai.netra.agent.tools;

import static ai.netra.agent.tools.UsageDatabase.data;
import static ai.netra.agent.tools.UsageDatabase.map;
import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.agent.Tool;
import ai.netra.agent.tools.UsageDatabase.Row;
import ai.netra.json.Json;
import ai.netra.llm.Message;
import ai.netra.llm.Reply;
import ai.netra.llm.ToolCall;
import ai.netra.llm.ToolSpec;
import ai.netra.llm.offline.OfflineModel;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Usage that came partly from a provider's aggregate export (rows standing for many requests, without prompt hash or
 * latency): the sums count every request, and the figures that need per-request detail say how much they cover, in
 * the tool's result and in the offline model's answer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AggregateUsageTest {

  private static final String STATEMENT = "4,200 of 5,000 requests came from an aggregate export without prompt hashes;"
      + " caching advice covers the other 800";

  private UsageDatabase db;
  private Map<String, Tool> tools;
  private String erin;

  /**
   * Erin on gpt-4o-mini (0.15 / 0.60 per 1M tokens): 800 logged requests of 1,000 prompt and 100 completion tokens with
   * a latency of 900 ms, 400 prompts sent twice each, so 400 repeat; and two rows of an export for 3,000 and 1,200
   * requests with 3M and 1.2M prompt tokens and 300k and 120k completion tokens.
   */
  @BeforeAll
  void insertErinsUsage() {
    db = UsageDatabase.get();
    tools = Map.of("caching_opportunity", new CachingOpportunityTool(db.dataSource(), UsageDatabase.CLOCK),
        "usage_summary", new UsageSummaryTool(db.dataSource(), UsageDatabase.CLOCK),
        "cost_breakdown", new CostBreakdownTool(db.dataSource(), UsageDatabase.CLOCK));
    erin = db.newUser("erin");
    List<Row> logged = new ArrayList<>();
    for (int i = 0; i < 800; i++) {
      logged.add(Row.of(erin, "2026-11-1" + (1 + i % 2) + "T08:00:00Z", "openai", "gpt-4o-mini", "support", 1_000, 100)
          .hash("h" + i % 400).latency(900));
    }
    db.insert(logged);
    exported("2026-11-11T00:00:00Z", 3_000, 3_000_000, 300_000);
    exported("2026-11-12T00:00:00Z", 1_200, 1_200_000, 120_000);
  }

  private void exported(String day, int requests, int promptTokens, int completionTokens) {
    db.update("insert into llm_usage (user_id, occurred_at, provider, model, feature, prompt_tokens, completion_tokens,"
        + " status, requests) values (?, ?, 'openai', 'gpt-4o-mini', 'proj_support', ?, ?, 'ok', ?)", erin,
        OffsetDateTime.parse(day), promptTokens, completionTokens, requests);
  }

  @Test
  void cachingCountsEveryRequestInSpendAndSaysWhatShareItCannotMatch() throws Exception {
    Tool.Result result = tools.get("caching_opportunity").run(erin, Map.of());

    Map<String, Object> data = data(result);
    // spend: 5M prompt tokens x 0.15 + 500k completion tokens x 0.60 = 0.75 + 0.30
    assertThat(data).containsEntry("requests", 5_000L).containsEntry("requests_with_prompt_hash", 800L)
        .containsEntry("spend_usd", new BigDecimal("1.05")).containsEntry("repeated_requests", 400L);
    assertThat(map(data.get("aggregates"))).containsEntry("aggregated_requests", 4_200L).containsEntry("requests", 5_000L)
        .containsEntry("other_requests", 800L).containsEntry("share_pct", new BigDecimal("84.0"))
        .containsEntry("statement", STATEMENT);
    assertThat(result.summary()).endsWith(STATEMENT);
  }

  @Test
  void theSummaryWeighsAggregatesByTheirRequestsAndSaysLatencyCoversTheOthers() throws Exception {
    Map<String, Object> data = data(tools.get("usage_summary").run(erin, Map.of()));

    assertThat(data).containsEntry("requests", 5_000L).containsEntry("prompt_tokens", 5_000_000L)
        .containsEntry("cost_usd", new BigDecimal("1.05")).containsEntry("avg_latency_ms", new BigDecimal("900.0"));
    assertThat(map(data.get("aggregates")).get("statement")).isEqualTo("4,200 of 5,000 requests came from an aggregate"
        + " export without latency; latency figures cover the other 800");
  }

  @Test
  void withoutAggregatesTheResultHasNoSuchField() throws Exception {
    String frank = db.newUser("frank");
    db.insert(Row.of(frank, "2026-11-11T08:00:00Z", "openai", "gpt-4o-mini", "support", 1_000, 100).hash("h"));

    assertThat(data(tools.get("caching_opportunity").run(frank, Map.of()))).doesNotContainKey("aggregates");
  }

  @Test
  void theOfflineModelsCachingAnswerStatesTheAggregateShare() throws Exception {
    OfflineModel model = new OfflineModel(UsageDatabase.CLOCK);
    List<ToolSpec> specs = tools.keySet().stream().map(name -> new ToolSpec(name, name, Map.of())).toList();
    List<Message> conversation = new ArrayList<>(List.of(Message.system("system"),
        Message.user("Is caching worth it for us this month?")));

    Reply reply = model.complete(conversation, specs, delta -> { });
    for (int round = 0; !reply.toolCalls().isEmpty() && round < 3; round++) {
      conversation.add(Message.assistant(reply.content(), reply.toolCalls()));
      for (ToolCall call : reply.toolCalls()) {
        Tool.Result result = tools.get(call.name()).run(erin, call.parsedArguments());
        conversation.add(Message.toolResult(call.id(), Json.mapper().writeValueAsString(result.data())));
      }
      reply = model.complete(conversation, specs, delta -> { });
    }

    assertThat(reply.toolCalls()).isEmpty();
    assertThat(reply.content()).contains("400 of 5,000 requests repeated an earlier prompt exactly",
        "4,200 of 5,000 requests came from an aggregate export without prompt hashes; caching advice covers the other 800.");
  }
}

package ai.netra.agent.tools;

import static ai.netra.agent.tools.UsageDatabase.data;
import static ai.netra.agent.tools.UsageDatabase.map;
import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.agent.Tool;
import ai.netra.llm.Message;
import ai.netra.llm.Reply;
import ai.netra.llm.ToolCall;
import ai.netra.llm.ToolSpec;
import ai.netra.llm.offline.OfflineModel;
import ai.netra.usage.CatalogCoverage;
import ai.netra.usage.ModelPrice;
import ai.netra.usage.UsageRecord;
import ai.netra.usage.UsageStore;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 22: cached, cache-write and reasoning tokens and the long-context tier are priced the way
 * {@link ModelPrice#costUsd(ModelPrice.Tokens)} prices each request, and every figure says how much of
 * the spend was priced exactly, by a fallback, or not at all.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PricedComponentsTest {

  /** cmp vx-tiered-1: every component priced, with a long-context tier. */
  private static final ModelPrice TIERED = new ModelPrice("cmp", "vx-tiered-1", new BigDecimal("3.00"), new BigDecimal("15.00"),
      LocalDate.parse("2024-01-01"), new BigDecimal("0.30"), new BigDecimal("3.75"), new BigDecimal("20.00"),
      new BigDecimal("6.00"), new BigDecimal("22.50"), new BigDecimal("0.60"), new BigDecimal("7.50"));
  /** cmp vx-plain-1: input and output only, so its cached tokens fall back to the input price. */
  private static final ModelPrice PLAIN = new ModelPrice("cmp", "vx-plain-1", new BigDecimal("1.00"), new BigDecimal("2.00"),
      LocalDate.parse("2024-01-01"));

  private UsageDatabase db;
  private String user;
  private final List<UsageRecord> rows = new ArrayList<>();

  @BeforeAll
  void insertRequestsWithEveryComponent() {
    db = UsageDatabase.get();
    db.update("insert into model_prices (provider, model, effective_from, input_usd_per_mtok, output_usd_per_mtok,"
        + " cached_input_usd_per_mtok, cache_write_usd_per_mtok, reasoning_usd_per_mtok, long_context_input_usd_per_mtok,"
        + " long_context_output_usd_per_mtok, long_context_cached_input_usd_per_mtok, long_context_cache_write_usd_per_mtok)"
        + " values ('cmp', 'vx-tiered-1', '2024-01-01', 3.00, 15.00, 0.30, 3.75, 20.00, 6.00, 22.50, 0.60, 7.50)"
        + " on conflict do nothing");
    db.price("cmp", "vx-plain-1", "1.00", "2.00", "2024-01-01");
    user = db.newUser("components");
    Random random = new Random(22);
    for (int i = 0; i < 400; i++) {
      int prompt = random.nextInt(10) == 0 ? 200_001 + random.nextInt(300_000) : random.nextInt(50_000);
      int cached = random.nextInt(prompt / 2 + 1);
      int cacheWrite = random.nextInt(prompt - cached + 1) / 3;
      int completion = random.nextInt(8_000);
      int reasoning = random.nextInt(completion + 1);
      Instant at = Instant.parse("2026-11-01T00:00:00Z").plusSeconds(random.nextInt(19 * 86_400));
      rows.add(new UsageRecord(at, "cmp", "vx-tiered-1", "agent", prompt, completion, null, null, "ok", cached, cacheWrite,
          reasoning, 1));
    }
    // a dated name priced as its model; cached tokens without a cached price; a model with no price at all
    rows.add(new UsageRecord(Instant.parse("2026-11-12T10:00:00Z"), "cmp", "vx-tiered-1-2026-01-15", "agent", 10_000, 1_000,
        null, null, "ok", 4_000, 0, 0, 1));
    rows.add(new UsageRecord(Instant.parse("2026-11-12T10:00:00Z"), "cmp", "vx-plain-1", "search", 10_000, 1_000, null, null,
        "ok", 4_000, 0, 0, 1));
    rows.add(new UsageRecord(Instant.parse("2026-11-13T10:00:00Z"), "cmp", "mystery-9", "search", 10_000, 1_000, null, null,
        "ok", 0, 0, 0, 1));
    rows.add(new UsageRecord(Instant.parse("2026-11-13T11:00:00Z"), "cmp", "mystery-9", "search", 10_000, 1_000, null, null,
        "ok", 0, 0, 0, 1));
    new UsageStore(db.dataSource()).insert(user, rows);
  }

  private BigDecimal expected(ModelPrice price, String model) {
    return rows.stream().filter(r -> r.model().equals(model))
        .map(r -> price.costUsd(new ModelPrice.Tokens(r.promptTokens(), r.completionTokens(), r.cachedTokens(),
            r.cacheWriteTokens(), r.reasoningTokens())))
        .reduce(BigDecimal.ZERO, BigDecimal::add);
  }

  @Test
  void everyComponentAndTheLongContextTierArePricedAsEachRequestWouldBe() {
    Tool.Result result = new CostBreakdownTool(db.dataSource(), UsageDatabase.CLOCK).run(user, Map.of("group_by", "model"));

    Map<String, Object> tiered = UsageDatabase.list(data(result).get("rows")).stream()
        .filter(r -> r.get("model").equals("vx-tiered-1")).findFirst().orElseThrow();
    assertThat((BigDecimal) tiered.get("cost_usd")).as("400 requests priced one by one in Java")
        .isEqualByComparingTo(expected(TIERED, "vx-tiered-1").setScale(2, RoundingMode.HALF_UP));
    assertThat(expected(TIERED, "vx-tiered-1")).as("the components matter: priced without them the figure differs")
        .isNotEqualByComparingTo(rows.stream().filter(r -> r.model().equals("vx-tiered-1"))
            .map(r -> TIERED.costUsd(r.promptTokens(), r.completionTokens())).reduce(BigDecimal.ZERO, BigDecimal::add));
  }

  @Test
  void theCoverageSaysWhatWasPricedExactlyByAFallbackAndNotAtAll() {
    Tool.Result result = new UsageSummaryTool(db.dataSource(), UsageDatabase.CLOCK).run(user, Map.of());

    Map<String, Object> coverage = map(data(result).get("price_coverage"));
    assertThat(coverage).containsEntry("requests", 404L).containsEntry("exact_requests", 400L)
        .containsEntry("fallback_requests", 2L).containsEntry("unpriced_requests", 2L);
    BigDecimal fallback = expected(TIERED, "vx-tiered-1-2026-01-15").add(expected(PLAIN, "vx-plain-1"));
    assertThat((BigDecimal) coverage.get("fallback_usd")).isEqualByComparingTo(fallback.setScale(2, RoundingMode.HALF_UP));
    assertThat(UsageDatabase.list(coverage.get("fallback_models"))).extracting(m -> m.get("model") + " as " + m.get("priced_as"))
        .containsExactlyInAnyOrder("vx-tiered-1-2026-01-15 as vx-tiered-1", "vx-plain-1 as vx-plain-1");
    assertThat(UsageDatabase.list(coverage.get("unpriced_models"))).extracting(m -> m.get("model")).containsExactly("mystery-9");
    assertThat((String) coverage.get("statement")).contains("400 of 404 requests priced exactly", "2 priced by a fallback",
        "2 not priced at all", "cmp/mystery-9");
  }

  @Test
  void theOfflineAnswerStatesThePriceCoverageAndNamesTheUnpricedModel() {
    OfflineModel model = new OfflineModel(UsageDatabase.CLOCK);
    List<ToolSpec> specs = UsageTools.create(db.dataSource(), UsageDatabase.CLOCK).specs();
    List<Message> conversation = new ArrayList<>(List.of(Message.system("system"), Message.user("where can I cut my AI spend?")));
    Reply reply = model.complete(conversation, specs, text -> { });
    for (int round = 0; round < 3 && reply.hasToolCalls(); round++) {
      conversation.add(Message.assistant(reply.content(), reply.toolCalls()));
      for (ToolCall call : reply.toolCalls()) {
        Tool tool = UsageTools.create(db.dataSource(), UsageDatabase.CLOCK).tool(call.name()).orElseThrow();
        Tool.Result result = run(tool, call);
        conversation.add(Message.toolResult(call.id(), ai.netra.json.Json.write(result.data())));
      }
      reply = model.complete(conversation, specs, text -> { });
    }
    assertThat(reply.content()).contains("Price coverage: 400 of 404 requests priced exactly", "cmp/mystery-9");
  }

  @Test
  void theCachingAdviceCountsTheCachedTokensTheProviderAlreadyGave() {
    Tool.Result result = new CachingOpportunityTool(db.dataSource(), UsageDatabase.CLOCK).run(user, Map.of());

    Map<String, Object> provider = map(data(result).get("provider_cache"));
    assertThat(provider.get("cached_input_tokens")).isEqualTo(rows.stream().mapToLong(UsageRecord::cachedTokens).sum());
    assertThat(provider.get("input_tokens")).isEqualTo(rows.stream().mapToLong(UsageRecord::promptTokens).sum());
  }

  @Test
  void aWhatIfPricesTheMovedTokensWithTheSameComponentsAsTheSpend() {
    Tool.Result result = new WhatIfSwitchTool(db.dataSource(), UsageDatabase.CLOCK).run(user,
        Map.of("feature", "agent", "from_model", "vx-tiered-1", "to_model", "vx-plain-1", "share", 1));

    Map<String, Object> data = data(result);
    assertThat((BigDecimal) data.get("current_cost_usd"))
        .isEqualByComparingTo(expected(TIERED, "vx-tiered-1").setScale(2, RoundingMode.HALF_UP));
    assertThat((BigDecimal) data.get("projected_cost_usd")).as("each request priced at vx-plain-1, as its spend would be")
        .isEqualByComparingTo(rows.stream().filter(r -> r.model().equals("vx-tiered-1"))
            .map(r -> PLAIN.costUsd(new ModelPrice.Tokens(r.promptTokens(), r.completionTokens(), r.cachedTokens(),
                r.cacheWriteTokens(), r.reasoningTokens())))
            .reduce(BigDecimal.ZERO, BigDecimal::add).setScale(2, RoundingMode.HALF_UP));
  }

  @Test
  void theStartupReportNamesTheUnpricedModelsOfTheLastDays() throws Exception {
    CatalogCoverage.Report report = CatalogCoverage.lastDays(db.dataSource(), LocalDate.parse("2026-11-20"), 30, 10);
    assertThat(report.line()).contains("NOT PRICED (", "cmp/mystery-9: 2 requests").contains("by a fallback (");
  }

  private Tool.Result run(Tool tool, ToolCall call) {
    try {
      return tool.run(user, ai.netra.json.Json.mapper().readValue(call.arguments(),
          new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() { }));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}

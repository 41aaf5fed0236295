package ai.netra.agent.tools;

import static ai.netra.agent.tools.UsageDatabase.data;
import static ai.netra.agent.tools.UsageDatabase.list;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.netra.agent.Tool;
import ai.netra.agent.tools.UsageDatabase.Row;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CachingOpportunityToolTest {

  private UsageDatabase db;
  private CachingOpportunityTool tool;
  private String carol;

  /**
   * Carol's prompts (gpt-4o costs 2.50 / 10.00 per 1M tokens after 2026-11-10, gpt-4o-mini 0.15 / 0.60):
   * h1 four times in faq on gpt-4o: first 0.2M + 20k tokens = $0.70, then three times 0.1M + 10k = $0.35;
   * h2 twice in support on gpt-4o-mini, 1M prompt tokens = $0.15 each;
   * h3 once in faq, $0.35; one support request without a hash on gpt-4o, 1M tokens = $2.50;
   * h4 first in faq then twice in support, $0.15 each on gpt-4o-mini;
   * h5 twice in labs on llama-local, which has no price.
   * Spend: 0.70 + 3 * 0.35 + 2 * 0.15 + 0.35 + 2.50 + 3 * 0.15 = $5.35.
   */
  @BeforeAll
  void insertCarolsPrompts() {
    db = UsageDatabase.get();
    tool = new CachingOpportunityTool(db.dataSource(), UsageDatabase.CLOCK);
    carol = db.newUser("carol");
    String bob = db.newUser("bob");
    db.insert(
        Row.of(carol, "2026-11-11T08:00:00Z", "openai", "gpt-4o", "faq", 200_000, 20_000).hash("h1"),
        Row.of(carol, "2026-11-12T08:00:00Z", "openai", "gpt-4o", "faq", 100_000, 10_000).hash("h1"),
        Row.of(carol, "2026-11-13T08:00:00Z", "openai", "gpt-4o", "faq", 100_000, 10_000).hash("h1"),
        Row.of(carol, "2026-11-14T08:00:00Z", "openai", "gpt-4o", "faq", 100_000, 10_000).hash("h1"),
        Row.of(carol, "2026-11-11T09:00:00Z", "openai", "gpt-4o-mini", "support", 1_000_000, 0).hash("h2"),
        Row.of(carol, "2026-11-12T09:00:00Z", "openai", "gpt-4o-mini", "support", 1_000_000, 0).hash("h2"),
        Row.of(carol, "2026-11-15T08:00:00Z", "openai", "gpt-4o", "faq", 100_000, 10_000).hash("h3"),
        Row.of(carol, "2026-11-15T09:00:00Z", "openai", "gpt-4o", "support", 1_000_000, 0),
        Row.of(carol, "2026-11-11T10:00:00Z", "openai", "gpt-4o-mini", "faq", 1_000_000, 0).hash("h4"),
        Row.of(carol, "2026-11-12T10:00:00Z", "openai", "gpt-4o-mini", "support", 1_000_000, 0).hash("h4"),
        Row.of(carol, "2026-11-13T10:00:00Z", "openai", "gpt-4o-mini", "support", 1_000_000, 0).hash("h4"),
        Row.of(carol, "2026-11-16T08:00:00Z", "selfhost", "llama-local", "labs", 100_000, 0).hash("h5"),
        Row.of(carol, "2026-11-17T08:00:00Z", "selfhost", "llama-local", "labs", 100_000, 0).hash("h5"),
        // before the period: the cache starts empty at the period's start, so this does not make h2's first one a repeat
        Row.of(carol, "2026-10-01T09:00:00Z", "openai", "gpt-4o-mini", "support", 1_000_000, 0).hash("h2"),
        // bob sent h1 before carol did; were it counted, carol's $0.70 request would become a repeat
        Row.of(bob, "2026-11-10T08:00:00Z", "openai", "gpt-4o", "faq", 100_000, 10_000).hash("h1"));
  }

  private static Map<String, Object> row(Object... keysAndValues) {
    Map<String, Object> row = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      row.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return row;
  }

  @Test
  void everyRepeatAfterTheFirstIsServedFromTheCache() {
    Tool.Result result = tool.run(carol, Map.of());

    assertThat(data(result))
        .containsEntry("requests", 13L)
        .containsEntry("requests_with_prompt_hash", 12L)
        .containsEntry("spend_usd", new BigDecimal("5.35"))
        // h1: 3, h2: 1, h4: 2, h5: 1
        .containsEntry("repeated_requests", 7L)
        .containsEntry("repeated_prompts", 4L)
        // h1: 3 * 0.1M, h2: 1M, h4: 2 * 1M, h5: 0.1M; completions only h1's 3 * 10k
        .containsEntry("repeated_prompt_tokens", 3_400_000L)
        .containsEntry("repeated_completion_tokens", 30_000L)
        .containsEntry("repeated_tokens", 3_430_000L)
        // h1: 3 * 0.35 = 1.05 (its first, dearer request pays), h2: 0.15, h4: 2 * 0.15; h5 has no price
        .containsEntry("saved_usd", new BigDecimal("1.50"))
        // 1.50 / 5.35 = 28.04%
        .containsEntry("saved_share_pct", new BigDecimal("28.0"))
        .containsEntry("unpriced_repeated_requests", 1L);
    assertThat(list(data(result).get("top_features"))).containsExactly(
        row("feature", "faq", "repeated_requests", 3L, "repeated_tokens", 330_000L, "saved_usd", new BigDecimal("1.05")),
        row("feature", "support", "repeated_requests", 3L, "repeated_tokens", 3_000_000L, "saved_usd", new BigDecimal("0.45")),
        row("feature", "labs", "repeated_requests", 1L, "repeated_tokens", 100_000L, "saved_usd", new BigDecimal("0.00")));
    assertThat(list(data(result).get("top_prompts"))).containsExactly(
        row("prompt_hash", "h1", "occurrences", 4L, "repeated_requests", 3L, "repeated_tokens", 330_000L,
            "saved_usd", new BigDecimal("1.05"), "features", List.of("faq")),
        row("prompt_hash", "h4", "occurrences", 3L, "repeated_requests", 2L, "repeated_tokens", 2_000_000L,
            "saved_usd", new BigDecimal("0.30"), "features", List.of("support")),
        row("prompt_hash", "h2", "occurrences", 2L, "repeated_requests", 1L, "repeated_tokens", 1_000_000L,
            "saved_usd", new BigDecimal("0.15"), "features", List.of("support")),
        row("prompt_hash", "h5", "occurrences", 2L, "repeated_requests", 1L, "repeated_tokens", 100_000L,
            "saved_usd", new BigDecimal("0.00"), "features", List.of("labs")));
    assertThat(result.summary()).isEqualTo("An exact-match response cache would have saved $1.50 (28.0% of spend) on"
        + " 7 repeated requests of 4 prompts, 2 requests unpriced");
  }

  @Test
  void minRepeatsLeavesOutPromptsSeenFewerTimes() {
    Tool.Result result = tool.run(carol, Map.of("min_repeats", 3));

    // only h1 (4 times) and h4 (3 times): 1.05 + 0.30 = 1.35 of 5.35 = 25.23%
    assertThat(data(result)).containsEntry("repeated_requests", 5L).containsEntry("repeated_prompts", 2L)
        .containsEntry("saved_usd", new BigDecimal("1.35")).containsEntry("saved_share_pct", new BigDecimal("25.2"));
  }

  @Test
  void oneFeatureIsItsOwnCache() {
    Tool.Result faq = tool.run(carol, Map.of("feature", "faq"));
    Tool.Result support = tool.run(carol, Map.of("feature", "support"));

    // faq: h1 x4, h3, h4's first; spend 1.75 + 0.35 + 0.15 = 2.25; h4 occurs once there; saved 1.05 = 46.67%
    assertThat(data(faq)).containsEntry("requests", 6L).containsEntry("spend_usd", new BigDecimal("2.25"))
        .containsEntry("repeated_requests", 3L).containsEntry("saved_usd", new BigDecimal("1.05"))
        .containsEntry("saved_share_pct", new BigDecimal("46.7"));
    // support: h2 x2, the unhashed request, h4 x2 (the first of these pays); spend 0.30 + 2.50 + 0.30 = 3.10;
    // saved 0.15 + 0.15 = 0.30 = 9.68%
    assertThat(data(support)).containsEntry("requests", 5L).containsEntry("spend_usd", new BigDecimal("3.10"))
        .containsEntry("repeated_requests", 2L).containsEntry("saved_usd", new BigDecimal("0.30"))
        .containsEntry("saved_share_pct", new BigDecimal("9.7"));
  }

  @Test
  void saysSoWhenNothingRepeatsOrNothingIsHashed() {
    Tool.Result noRepeats = tool.run(carol, Map.of("from", "2026-11-15", "to", "2026-11-16"));
    String kim = db.newUser("kim");
    db.insert(Row.of(kim, "2026-11-15T08:00:00Z", "openai", "gpt-4o", "faq", 100_000, 10_000));
    Tool.Result noHashes = tool.run(kim, Map.of());

    assertThat(data(noRepeats)).containsEntry("repeated_requests", 0L).containsEntry("saved_usd", new BigDecimal("0.00"));
    assertThat(noRepeats.summary())
        .isEqualTo("No prompt occurred 2 or more times in 2026-11-15; a response cache would save nothing");
    assertThat(noHashes.summary()).isEqualTo("No requests with a prompt hash in 2026-10-22 to 2026-11-20; repeats cannot be matched");
  }

  @Test
  void minRepeatsMustBeAWholeNumberOfAtLeastTwo() {
    assertThatThrownBy(() -> tool.run(carol, Map.of("min_repeats", 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("caching_opportunity: min_repeats must be an integer from 2 to 1000000, got 1");
    assertThatThrownBy(() -> tool.run(carol, Map.of("min_repeats", 2.5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("caching_opportunity: min_repeats must be an integer from 2 to 1000000, got 2.5");
    assertThat(data(tool.run(carol, Map.of("min_repeats", 3.0)))).as("3.0 is a whole number").containsEntry("min_repeats", 3);
  }

  @Test
  @Tag("slow") // a randomized cross-check against an independent query: the full tier runs it
  void matchesAnIndependentQueryOnARandomHistory() {
    String lena = db.newUser("lena");
    db.insertOutOfOrder(RandomUsage.history(lena, 41, 40), 41);
    db.insertOutOfOrder(RandomUsage.history(db.newUser("mike"), 42, 40), 42);

    for (String feature : new String[] {null, "classify"}) {
      for (int minRepeats : new int[] {2, 3}) {
        for (String[] period : List.of(new String[] {"2026-10-22", "2026-11-21"}, new String[] {"2026-07-01", "2026-10-01"})) {
          Map<String, Object> arguments = new HashMap<>(Map.of("min_repeats", minRepeats, "from", period[0], "to", period[1]));
          arguments.put("feature", feature);
          Map<String, Object> data = data(tool.run(lena, arguments));

          Object[] parameters = {lena, LocalDate.parse(period[0]), LocalDate.parse(period[1]), feature, feature, minRepeats};
          String scope = UsageDatabase.INDEPENDENT_ROWS + """
              , scoped as (
                select * from rows where day >= ? and day < ? and (feature = ? or cast(? as text) is null)
              ), firsts as (
                select distinct on (prompt_hash) id from scoped where prompt_hash is not null order by prompt_hash, occurred_at, id
              ), repeats as (
                select * from scoped
                 where id not in (select id from firsts)
                   and prompt_hash in (select prompt_hash from scoped group by prompt_hash having count(*) >= ?)
              )
              """;
          Map<String, Object> expected = db.one(scope + """
              select (select round(sum(cost), 2) from scoped) as spend_usd, count(*) as repeated_requests,
                     count(distinct prompt_hash) as repeated_prompts,
                     coalesce(sum(prompt_tokens + completion_tokens), 0) as repeated_tokens, round(sum(cost), 2) as saved_usd,
                     round(100 * sum(cost) / (select sum(cost) from scoped), 1) as saved_share_pct
                from repeats
              """, parameters);
          String what = "caching_opportunity of " + arguments;
          assertThat(data.get("spend_usd")).as(what).isEqualTo(expected.get("spend_usd"));
          assertThat(data.get("repeated_requests")).as(what).isEqualTo(expected.get("repeated_requests"));
          assertThat(data.get("repeated_prompts")).as(what).isEqualTo(expected.get("repeated_prompts"));
          assertThat(data.get("repeated_tokens")).as(what).isEqualTo(((Number) expected.get("repeated_tokens")).longValue());
          assertThat(data.get("saved_usd")).as(what).isEqualTo(expected.get("saved_usd"));
          assertThat(data.get("saved_share_pct")).as(what).isEqualTo(expected.get("saved_share_pct"));
          assertThat((Long) data.get("repeated_requests")).as(what + ": the random history must repeat prompts").isPositive();

          List<Map<String, Object>> topPrompts = db.query(scope + """
              select prompt_hash, round(coalesce(sum(cost), 0), 2) as saved_usd
                from repeats group by prompt_hash
               order by coalesce(sum(cost), -1) desc, count(*) desc, prompt_hash
               limit 10
              """, parameters);
          assertThat(list(data.get("top_prompts"))).as(what)
              .extracting(p -> p.get("prompt_hash") + " " + p.get("saved_usd"))
              .isEqualTo(topPrompts.stream().map(p -> p.get("prompt_hash") + " " + p.get("saved_usd")).toList());
        }
      }
    }
  }
}

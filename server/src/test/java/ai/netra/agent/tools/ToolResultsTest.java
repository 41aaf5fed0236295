package ai.netra.agent.tools;

import static ai.netra.agent.tools.UsageDatabase.data;
import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.agent.Tool;
import ai.netra.agent.tools.UsageDatabase.Row;
import java.math.BigDecimal;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A tool answers a question again from its kept result only while the user's figures are unchanged: every change to
 * the user's usage or to the price catalog, by any writer, is seen at the next call.
 */
class ToolResultsTest {

  private final UsageDatabase db = UsageDatabase.get();
  private UsageSummaryTool tool;
  private String alice;
  private String provider;

  @BeforeEach
  void aUserWithOneRequestAtAPriceOfHerOwn() {
    tool = new UsageSummaryTool(db.dataSource(), UsageDatabase.CLOCK);
    alice = db.newUser("alice");
    provider = "kept-" + UUID.randomUUID(); // a price no other test reads
    db.price(provider, "model-k", "2.00", "0.00", "2024-01-01");
    db.insert(Row.of(alice, "2026-11-10T12:00:00Z", provider, "model-k", "chat", 1_000_000, 0));
  }

  @Test
  void theSameQuestionOnUnchangedDataIsAnsweredFromTheKeptResult() {
    Tool.Result first = tool.run(alice, Map.of());
    Tool.Result again = tool.run(alice, Map.of());

    assertThat(again).isSameAs(first);
    assertThat(tool.results().computed()).isEqualTo(1);
    assertThat(tool.results().reused()).isEqualTo(1);
  }

  @Test
  void aNewRequestOfTheUserIsCountedAtTheNextCall() {
    assertThat(data(tool.run(alice, Map.of()))).containsEntry("requests", 1L);

    db.insert(Row.of(alice, "2026-11-11T12:00:00Z", provider, "model-k", "chat", 1_000_000, 0));

    assertThat(data(tool.run(alice, Map.of()))).containsEntry("requests", 2L).containsEntry("cost_usd", new BigDecimal("4.00"));
    assertThat(tool.results().computed()).isEqualTo(2);
  }

  @Test
  void deletedRequestsAreGoneAtTheNextCall() {
    tool.run(alice, Map.of());

    db.update("delete from llm_usage where user_id = ?", alice);

    assertThat(data(tool.run(alice, Map.of()))).containsEntry("requests", 0L);
  }

  @Test
  void anotherUsersNewRequestsLeaveTheKeptResultInUse() {
    tool.run(alice, Map.of());

    db.insert(Row.of(db.newUser("bob"), "2026-11-11T12:00:00Z", provider, "model-k", "chat", 1_000_000, 0));

    tool.run(alice, Map.of());
    assertThat(tool.results().reused()).isEqualTo(1);
  }

  @Test
  void aChangedPriceRepricesAtTheNextCall() {
    assertThat(data(tool.run(alice, Map.of()))).containsEntry("cost_usd", new BigDecimal("2.00"));

    db.update("update model_prices set input_usd_per_mtok = 3 where provider = ?", provider);

    assertThat(data(tool.run(alice, Map.of()))).containsEntry("cost_usd", new BigDecimal("3.00"));
  }

  @Test
  void aCatalogWrittenAgainUnchangedLeavesTheKeptResultInUse() {
    tool.run(alice, Map.of());

    // What a start does with an unchanged catalog: a statement that changes no row.
    db.update("update model_prices set input_usd_per_mtok = 3 where provider = ? and false", provider);

    tool.run(alice, Map.of());
    assertThat(tool.results().reused()).isEqualTo(1);
  }

  @Test
  void anotherPeriodIsAnotherQuestion() {
    tool.run(alice, Map.of());

    Map<String, Object> week = data(tool.run(alice, Map.of("from", "2026-11-11", "to", "2026-11-18")));

    assertThat(week).containsEntry("requests", 0L);
    assertThat(tool.results().computed()).isEqualTo(2);
  }
}

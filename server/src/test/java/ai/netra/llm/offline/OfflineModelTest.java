package ai.netra.llm.offline;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.llm.Message;
import ai.netra.llm.Reply;
import ai.netra.llm.ToolCall;
import ai.netra.llm.ToolSpec;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The offline model's plans and answers for what the chat page's users type, without a database. */
class OfflineModelTest {

  private static final Clock TUESDAY = Clock.fixed(Instant.parse("2026-11-24T10:00:00Z"), ZoneOffset.UTC);
  private static final List<ToolSpec> TOOLS = List.of("usage_summary", "cost_breakdown", "what_if_switch",
      "caching_opportunity", "anomalies").stream().map(name -> new ToolSpec(name, name, Map.of())).toList();

  private final OfflineModel model = new OfflineModel(TUESDAY);

  private Reply ask(String question, List<String> thinking) {
    return model.complete(List.of(Message.system("system"), Message.user(question)), TOOLS, thinking::add);
  }

  /** Issue 17: "hello, who are you?" got a usage summary and no introduction. */
  @Test
  void aGreetingGetsAnIntroductionWithoutLookingAnythingUp() {
    List<String> thinking = new ArrayList<>();
    Reply reply = ask("hello, who are you?", thinking);

    assertThat(reply.hasToolCalls()).as("tool calls for a greeting").isFalse();
    assertThat(thinking).as("no plan is announced, since nothing is looked up").isEmpty();
    assertThat(reply.content()).startsWith("Hi, I'm Netra.")
        .contains("where the money goes", "where to cut", "caching", "anomalies", "last week")
        .doesNotContain("$");
  }

  @Test
  void anOffTopicQuestionGetsTheSameIntroductionWordForWord() {
    String greeting = ask("hello, who are you?", new ArrayList<>()).content();
    Reply offTopic = ask("What is the capital of France?", new ArrayList<>());

    assertThat(offTopic.hasToolCalls()).isFalse();
    assertThat(offTopic.content()).isEqualTo(greeting);
  }

  @Test
  void aGreetingWithAQuestionAboutUsageIsAnsweredFromTheData() {
    Reply reply = ask("hi, how much did we spend last week?", new ArrayList<>());

    assertThat(reply.toolCalls()).extracting(ToolCall::name).containsExactly("usage_summary", "cost_breakdown");
  }

  /** A user with no usage is told how to start, with the format to use. */
  @Test
  void aUserWithNoUsageIsToldHowToImportItWithTheColumnsAndAnExampleRow() {
    Reply plan = ask("how much did we spend?", new ArrayList<>());
    List<Message> conversation = new ArrayList<>(List.of(Message.system("system"), Message.user("how much did we spend?"),
        Message.assistant(plan.content(), plan.toolCalls())));
    for (ToolCall call : plan.toolCalls()) {
      conversation.add(Message.toolResult(call.id(), "{\"requests\": 0, \"rows\": [], \"total\": {\"requests\": 0}}"));
    }

    Reply answer = model.complete(conversation, TOOLS, text -> { });

    assertThat(answer.hasToolCalls()).isFalse();
    assertThat(answer.content()).contains("no usage recorded for the last 30 days")
        .contains("drop a CSV or JSON-lines file on the chat page", "`POST /api/usage`", "`netra import FILE --user ID`")
        .contains("occurred_at,provider,model,feature,prompt_tokens,completion_tokens,latency_ms,prompt_hash,status")
        .contains("2025-06-01T14:30:00Z,openai,gpt-4o,support-chat,1200,250,1800,9f2c41d0,ok");
  }

  /** Issue 22: the answer about a spike says why, largest cause first, in words read at a glance on a phone. */
  @Test
  void aSpikeIsExplainedByItsCausesLargestFirst() {
    Reply plan = ask("any spikes in spend?", new ArrayList<>());
    assertThat(plan.toolCalls()).extracting(ToolCall::name).containsExactly("anomalies");
    String result = """
        {"period": {"from": "2026-11-04", "to": "2026-12-04"}, "baseline_days": 7, "threshold_ratio": 2, "threshold_z": 3.0,
         "days_judged": 30, "daily": [],
         "anomalies": [{"date": "2026-12-03", "spend_usd": 41.20, "baseline_usd": 11.40, "excess_usd": 29.80, "ratio": 3.6,
           "z_score": 8.1, "baseline_sd_usd": 2.10,
           "top_feature": {"feature": "support-chat", "spend_usd": 35.00, "baseline_usd": 6.00, "excess_usd": 29.00},
           "top_model": {"provider": "openai", "model": "gpt-4o", "spend_usd": 30.00, "baseline_usd": 4.00, "excess_usd": 26.00},
           "causes": {"change_usd": 29.80, "volume_usd": 18.10, "model_mix_usd": 2.40, "price_usd": 0.00,
             "tokens_per_request_usd": 9.30, "tokens_side": "prompt", "requests_base": 740.4, "requests_spike": 2100.0,
             "prompt_tokens_per_request_base": 900.0, "prompt_tokens_per_request_spike": 1400.0,
             "completion_tokens_per_request_base": 200.0, "completion_tokens_per_request_spike": 210.0,
             "shares": [{"provider": "openai", "model": "gpt-4o-mini", "share_base_pct": 80.0, "share_spike_pct": 70.0},
                        {"provider": "openai", "model": "gpt-4o", "share_base_pct": 20.0, "share_spike_pct": 30.0}],
             "prices": []}}],
         "unpriced": {"requests": 0, "prompt_tokens": 0, "completion_tokens": 0, "models": []},
         "price_coverage": {"statement": "2,900 of 2,900 requests priced exactly ($93.20)"}}
        """;
    List<Message> conversation = new ArrayList<>(List.of(Message.system("system"), Message.user("any spikes in spend?"),
        Message.assistant(plan.content(), plan.toolCalls()), Message.toolResult(plan.toolCalls().get(0).id(), result)));

    String answer = model.complete(conversation, TOOLS, text -> { }).content();

    assertThat(answer).contains("- Spend on 2026-12-03 was $41.20, $29.80 above the usual $11.40 (3.6x): more requests"
        + " +$18.10 (2,100 vs 740), longer prompts +$9.30, model mix +$2.40 (more gpt-4o), price $0.00. Most of it from"
        + " support-chat ($29.00 above its usual), mostly on gpt-4o.");
    assertThat(answer).as("the price coverage stays").contains("Price coverage: 2,900 of 2,900 requests priced exactly ($93.20).");
  }

  @Test
  void fallingRequestsAndACheaperPriceAreSaidSoWithTheirSign() {
    Reply plan = ask("any anomalies?", new ArrayList<>());
    String result = """
        {"baseline_days": 7, "threshold_ratio": 2, "threshold_z": 3.0, "anomalies": [{"date": "2026-12-03",
           "spend_usd": 30.00, "baseline_usd": 10.00, "excess_usd": 20.00, "ratio": 3.0,
           "causes": {"change_usd": 20.00, "volume_usd": -1.50, "model_mix_usd": 0.00, "price_usd": -0.50,
             "tokens_per_request_usd": 22.00, "tokens_side": "completion", "requests_base": 100.0, "requests_spike": 90.0,
             "shares": [], "prices": [{"provider": "openai", "model": "gpt-4o", "price_usd": -0.50}]}}]}
        """;
    List<Message> conversation = new ArrayList<>(List.of(Message.system("system"), Message.user("any anomalies?"),
        Message.assistant(plan.content(), plan.toolCalls()), Message.toolResult(plan.toolCalls().get(0).id(), result)));

    String answer = model.complete(conversation, TOOLS, text -> { }).content();

    assertThat(answer).contains("(3.0x): longer answers +$22.00, fewer requests -$1.50 (90 vs 100), price -$0.50 (gpt-4o"
        + " cheaper), model mix $0.00.");
  }
}

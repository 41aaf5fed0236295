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
}

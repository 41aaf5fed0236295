package ai.netra.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.netra.json.Json;
import ai.netra.llm.ChatModel;
import ai.netra.llm.LlmException;
import ai.netra.llm.Message;
import ai.netra.llm.Reply;
import ai.netra.llm.ToolCall;
import ai.netra.llm.ToolSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class SupervisorTest {

  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-24T10:00:00Z"), ZoneOffset.UTC);

  /** Records the events of one run. */
  static final class RecordingRun implements AgentRun {
    final List<String> types = new CopyOnWriteArrayList<>();
    final List<Object> payloads = new CopyOnWriteArrayList<>();
    final AtomicBoolean stopped = new AtomicBoolean();

    @Override
    public String userId() {
      return "alice";
    }

    @Override
    public void emit(RunEvent event) {
      types.add(event.type());
      try { // the payload as the wire has it: written, then read back
        payloads.add(Json.mapper().readValue(Json.write(event), Map.class));
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public boolean stopped() {
      return stopped.get();
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> payload(String type, int nth) {
      int seen = 0;
      for (int i = 0; i < types.size(); i++) {
        if (types.get(i).equals(type) && seen++ == nth) {
          return (Map<String, Object>) payloads.get(i);
        }
      }
      throw new AssertionError("no " + nth + "th " + type + " in " + types);
    }
  }

  /** What {@link AddTool} found. */
  record Sum(int sum) { }

  /** Adds two numbers, or fails the way a tool fails. */
  static final class AddTool implements Tool {
    final AtomicInteger calls = new AtomicInteger();
    String lastUser;

    @Override
    public String name() {
      return "add";
    }

    @Override
    public String description() {
      return "adds a and b";
    }

    @Override
    public Map<String, Object> parameters() {
      return Map.of("type", "object", "properties", Map.of("a", Map.of("type", "number"), "b", Map.of("type", "number")));
    }

    @Override
    public Result run(String userId, Map<String, Object> arguments) {
      calls.incrementAndGet();
      lastUser = userId;
      if (!(arguments.get("a") instanceof Number a) || !(arguments.get("b") instanceof Number b)) {
        throw new IllegalArgumentException("add: a and b must be numbers");
      }
      if (a.intValue() < 0) {
        throw new IllegalStateException("database went away: password=hunter2");
      }
      return new Result("sum " + (a.intValue() + b.intValue()), new Sum(a.intValue() + b.intValue()));
    }
  }

  /** A model that plays a script: each turn a function of the conversation so far. */
  record Scripted(List<java.util.function.Function<List<Message>, Reply>> turns, List<List<ToolSpec>> offered) implements ChatModel {
    Scripted(List<java.util.function.Function<List<Message>, Reply>> turns) {
      this(turns, new ArrayList<>());
    }

    @Override
    public Reply complete(List<Message> messages, List<ToolSpec> tools, Consumer<String> contentDeltas) throws LlmException {
      offered.add(tools);
      int turn = offered.size() - 1;
      Reply reply = turns.get(Math.min(turn, turns.size() - 1)).apply(messages);
      contentDeltas.accept(reply.content());
      return reply;
    }
  }

  private static Reply calls(ToolCall... calls) {
    return new Reply("", List.of(calls), "tool_calls", null);
  }

  private static Reply text(String text) {
    return new Reply(text, List.of(), "stop", null);
  }

  @Test
  void runsToolCallsAndAnswersWithTheirFigures() throws Exception {
    AddTool add = new AddTool();
    Scripted model = new Scripted(List.of(
        m -> calls(new ToolCall("c1", "add", "{\"a\": 2, \"b\": 3}")),
        m -> text("The sum is " + m.get(m.size() - 1).content())));
    RecordingRun run = new RecordingRun();

    Agent.Answer answer = new Supervisor(model, null, new ToolRegistry(List.of(add)), CLOCK).answer("add 2 and 3", run);

    assertThat(answer.text()).isEqualTo("The sum is {\"sum\":5}");
    assertThat(answer.figures()).isEqualTo(Map.of("add", ai.netra.json.JsonText.of(new Sum(5))));
    assertThat(add.lastUser).isEqualTo("alice");
    assertThat(run.types).containsSubsequence("agent_thinking", "tool_executing", "tool_completed");
    assertThat(run.payload("tool_executing", 0)).containsEntry("tool", "add").containsEntry("arguments", Map.of("a", 2, "b", 3));
    assertThat(run.payload("tool_completed", 0)).containsEntry("status", "ok").containsEntry("summary", "sum 5")
        .containsEntry("result", Map.of("sum", 5));
    assertThat(model.offered().get(0)).extracting(ToolSpec::name).containsExactly("add");
  }

  @Test
  void badArgumentsAndToolErrorsGoBackToTheModelWithoutInternals() throws Exception {
    AddTool add = new AddTool();
    List<String> seenByModel = new ArrayList<>();
    Scripted model = new Scripted(List.of(
        m -> calls(new ToolCall("c1", "add", "{\"a\": \"x\"}"), new ToolCall("c2", "add", "{\"a\": -1, \"b\": 1}"),
            new ToolCall("c3", "nope", "{}"), new ToolCall("c4", "add", "{not json")),
        m -> {
          m.stream().filter(x -> x.role() == Message.Role.TOOL).forEach(x -> seenByModel.add(x.content()));
          return text("done");
        }));
    RecordingRun run = new RecordingRun();

    new Supervisor(model, null, new ToolRegistry(List.of(add)), CLOCK).answer("q", run);

    assertThat(seenByModel).hasSize(4);
    assertThat(seenByModel.get(0)).contains("a and b must be numbers");
    assertThat(seenByModel.get(1)).contains("failed on our side").doesNotContain("hunter2");
    assertThat(seenByModel.get(2)).contains("unknown tool 'nope'");
    assertThat(seenByModel.get(3)).contains("not valid JSON");
    assertThat(run.payload("tool_completed", 1)).containsEntry("status", "failed");
    assertThat(run.payloads.toString()).doesNotContain("hunter2");
  }

  @Test
  void theTurnAfterTheStepLimitIsOfferedNoToolsAndMustAnswer() throws Exception {
    AddTool add = new AddTool();
    Scripted model = new Scripted(List.of(m -> calls(new ToolCall("c" + m.size(), "add", "{\"a\": 1, \"b\": 1}"))));
    RecordingRun run = new RecordingRun();

    Agent.Answer answer = new Supervisor(model, null, new ToolRegistry(List.of(add)), CLOCK, 3, Duration.ofSeconds(10)).answer("loop", run);

    assertThat(add.calls.get()).isEqualTo(3);
    assertThat(model.offered()).hasSize(4);
    assertThat(model.offered().get(3)).isEmpty();
    assertThat(answer).isNotNull();
  }

  /** A model that asked for 20 tools in one turn got all 20 run: one user's question could fan out without bound. */
  @Test
  void aTurnAskingForTwentyToolCallsGetsTheFirstEightRunAndTheRestRefusedInWords() throws Exception {
    AddTool add = new AddTool();
    List<Message> secondTurn = new ArrayList<>();
    ToolCall[] twenty = new ToolCall[20];
    for (int i = 0; i < twenty.length; i++) {
      twenty[i] = new ToolCall("c" + i, "add", "{\"a\": " + i + ", \"b\": 1}");
    }
    Scripted model = new Scripted(List.of(m -> calls(twenty), m -> {
      secondTurn.addAll(m);
      return text("done with what I got");
    }));
    RecordingRun run = new RecordingRun();

    Agent.Answer answer = new Supervisor(model, null, new ToolRegistry(List.of(add)), CLOCK, 6, Duration.ofSeconds(10), 8)
        .answer("q", run);

    assertThat(add.calls.get()).as("tool calls run").isEqualTo(8);
    assertThat(run.types.stream().filter("tool_executing"::equals).count()).isEqualTo(8);
    List<Message> results = secondTurn.stream().filter(x -> x.role() == Message.Role.TOOL).toList();
    assertThat(results).as("every call of the turn is answered to the model, in order").hasSize(20);
    assertThat(results.subList(0, 8)).allSatisfy(r -> assertThat(r.content()).contains("\"sum\""));
    assertThat(results.subList(8, 20)).allSatisfy(r -> assertThat(r.content())
        .contains("refused: at most 8 tool calls are run per turn and this turn asked for 20"));
    assertThat(run.payloads.toString()).as("the user is told too")
        .contains("asked for 20 tool calls at once; the first 8 are run and the other 12 refused");
    assertThat(answer.text()).isEqualTo("done with what I got");
  }

  /** Two tools that each wait until the other has started: run one after the other, the first would wait in vain. */
  @Test
  void theCallsOfOneTurnRunAtTheSameTimeAndAreReportedInTheOrderAsked() throws Exception {
    CountDownLatch bothStarted = new CountDownLatch(2);
    List<String> finished = new CopyOnWriteArrayList<>();
    Tool meet = new Tool() {
      @Override
      public String name() {
        return "meet";
      }

      @Override
      public String description() {
        return "waits for the other call, then answers after `ms` milliseconds";
      }

      @Override
      public Map<String, Object> parameters() {
        return Map.of("type", "object", "properties", Map.of("ms", Map.of("type", "number")));
      }

      @Override
      public Result run(String userId, Map<String, Object> arguments) throws Exception {
        bothStarted.countDown();
        if (!bothStarted.await(5, TimeUnit.SECONDS)) {
          throw new IllegalArgumentException("the other call never started");
        }
        int ms = ((Number) arguments.get("ms")).intValue();
        Thread.sleep(ms);
        finished.add("waited " + ms);
        return new Result("waited " + ms, new Sum(ms));
      }
    };
    List<Message> secondTurn = new ArrayList<>();
    Scripted model = new Scripted(List.of(
        m -> calls(new ToolCall("slow", "meet", "{\"ms\": 300}"), new ToolCall("quick", "meet", "{\"ms\": 0}")),
        m -> {
          secondTurn.addAll(m);
          return text("done");
        }));
    RecordingRun run = new RecordingRun();

    new Supervisor(model, null, new ToolRegistry(List.of(meet)), CLOCK).answer("q", run);

    assertThat(finished).as("the quick call finished first").containsExactly("waited 0", "waited 300");
    assertThat(run.types).containsSubsequence("tool_executing", "tool_executing", "tool_completed", "tool_completed");
    assertThat(run.payload("tool_completed", 0)).containsEntry("call_id", "slow").containsEntry("status", "ok");
    assertThat(run.payload("tool_completed", 1)).containsEntry("call_id", "quick").containsEntry("status", "ok");
    assertThat(secondTurn.stream().filter(x -> x.role() == Message.Role.TOOL).map(Message::content))
        .as("the model reads the results in the order it asked").containsExactly("{\"sum\":300}", "{\"sum\":0}");
  }

  @Test
  void aTurnMustBeAllowedAtLeastOneToolCall() {
    assertThatThrownBy(() -> new Supervisor(new Scripted(List.of(m -> text("x"))), null, new ToolRegistry(List.of()), CLOCK,
        6, Duration.ofSeconds(10), 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1");
  }

  @Test
  void aStoppedRunEndsAtTheNextStep() throws Exception {
    AddTool add = new AddTool();
    RecordingRun run = new RecordingRun();
    Scripted model = new Scripted(List.of(m -> {
      run.stopped.set(true);
      return calls(new ToolCall("c1", "add", "{\"a\": 1, \"b\": 1}"));
    }));

    assertThat(new Supervisor(model, null, new ToolRegistry(List.of(add)), CLOCK).answer("q", run)).isNull();
    assertThat(add.calls.get()).isZero();
  }

  @Test
  void aRunThatOutlivesItsTimeoutIsInterruptedWithAClearError() {
    ChatModel slow = (messages, tools, deltas) -> {
      try {
        Thread.sleep(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new LlmException(LlmException.Kind.INTERRUPTED, "interrupted");
      }
      return text("late");
    };
    long started = System.nanoTime();
    assertThatThrownBy(() -> new Supervisor(slow, null, new ToolRegistry(List.of()), CLOCK, 3, Duration.ofMillis(300)).answer("q", new RecordingRun()))
        .isInstanceOfSatisfying(AgentException.class, e -> assertThat(e.code()).isEqualTo("agent_timeout"));
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void aFailingModelHandsTheQuestionToTheFallback() throws Exception {
    ChatModel down = (messages, tools, deltas) -> {
      throw new LlmException(LlmException.Kind.OVERLOADED, "the endpoint answered 503 three times");
    };
    RecordingRun run = new RecordingRun();

    Agent.Answer answer = new Supervisor(down, new Scripted(List.of(m -> text("offline answer"))), new ToolRegistry(List.of()), CLOCK)
        .answer("q", run);

    assertThat(answer.text()).isEqualTo("offline answer");
    assertThat(run.payloads.toString()).contains("overloaded or failing").contains("offline model")
        .as("the provider's words stay in the log").doesNotContain("answered 503 three times");
  }

  @Test
  void withoutAFallbackTheModelsFailureIsTheError() {
    ChatModel down = (messages, tools, deltas) -> {
      throw new LlmException(LlmException.Kind.REJECTED, "the endpoint rejected the key (401)");
    };
    assertThatThrownBy(() -> new Supervisor(down, null, new ToolRegistry(List.of()), CLOCK).answer("q", new RecordingRun()))
        .isInstanceOfSatisfying(AgentException.class, e -> {
          assertThat(e.code()).isEqualTo("llm_unavailable");
          assertThat(e.getMessage()).contains("refused the request").doesNotContain("rejected the key");
        });
  }

  @Test
  void streamedTextBecomesThinkingEventsOfReadableSize() throws Exception {
    ChatModel chatty = (messages, tools, deltas) -> {
      StringBuilder all = new StringBuilder();
      for (int i = 0; i < 400; i++) {
        deltas.accept("ab");
        all.append("ab");
      }
      return text(all.toString());
    };
    RecordingRun run = new RecordingRun();
    new Supervisor(chatty, null, new ToolRegistry(List.of()), CLOCK).answer("q", run);

    long thinking = run.types.stream().filter("agent_thinking"::equals).count();
    assertThat(thinking).isBetween(2L, 1L + 800 / ThinkingStream.CHUNK_CHARS + 1);
    StringBuilder streamed = new StringBuilder();
    for (int i = 0; i < run.types.size(); i++) {
      if (run.payloads.get(i) instanceof Map<?, ?> p && p.get("delta") instanceof String delta) {
        streamed.append(delta);
      }
    }
    assertThat(streamed.toString()).hasSize(800);
  }
}

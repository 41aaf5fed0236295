package ai.netra.llm;

import static ai.netra.testing.FakeOpenAiServer.error;
import static ai.netra.testing.FakeOpenAiServer.stream;
import static ai.netra.testing.FakeOpenAiServer.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ai.netra.config.LlmSettings;
import ai.netra.testing.FakeOpenAiServer;
import ai.netra.testing.FakeOpenAiServer.RecordedRequest;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The OpenAI-compatible client against a fake endpoint that speaks the real streaming wire format. */
@Timeout(30) // a guard against hangs, not a speed assertion: every case here ends in well under a second or two
class OpenAiCompatibleModelTest {

  private static final String KEY = "sk-test-0123456789abcdefSECRET";
  /** Generous waits (a busy machine must not fail a good stream), small backoff so retries end fast. */
  private static final OpenAiCompatibleModel.Limits FAST = new OpenAiCompatibleModel.Limits(Duration.ofSeconds(5),
      Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofSeconds(20), 3, Duration.ofMillis(20), Duration.ofMillis(100));

  private final FakeOpenAiServer fake = new FakeOpenAiServer();
  private final List<String> deltas = new CopyOnWriteArrayList<>();
  private OpenAiCompatibleModel model = model(fake.baseUrl(), FAST);

  @AfterEach
  void close() {
    model.close();
    fake.close();
  }

  private static OpenAiCompatibleModel model(String baseUrl, OpenAiCompatibleModel.Limits limits) {
    return new OpenAiCompatibleModel(new LlmSettings(baseUrl, KEY, "gpt-4o-mini"), limits);
  }

  private Reply ask(String question) throws LlmException {
    return model.complete(List.of(Message.user(question)), List.of(), deltas::add);
  }

  @Test
  void textStreamedInPiecesReachesTheConsumerPieceByPieceAndTheReplyWhole() throws Exception {
    fake.reply(text("Your spend ", "rose 12", "% this ", "week."));

    Reply reply = ask("how is my spend?");

    assertThat(deltas).as("text deltas forwarded in order").containsExactly("Your spend ", "rose 12", "% this ", "week.");
    assertThat(reply.content()).isEqualTo("Your spend rose 12% this week.");
    assertThat(reply.toolCalls()).isEmpty();
    assertThat(reply.finishReason()).isEqualTo("stop");
    assertThat(reply.usage()).as("usage from the closing chunk").isEqualTo(new Reply.Usage(12, 4, 16));
  }

  @Test
  void requestCarriesTheModelTheConversationTheToolsAndTheKey() throws Exception {
    fake.reply(text("done"));
    ToolSpec costs = new ToolSpec("cost_breakdown", "Costs per model over a period.", Map.of("type", "object",
        "properties", Map.of("days", Map.of("type", "integer")), "required", List.of("days")));
    ToolCall earlier = new ToolCall("call_1", "cost_breakdown", "{\"days\": 7}");
    List<Message> conversation = List.of(Message.system("You optimise LLM costs."), Message.user("costs?"),
        Message.assistant("", List.of(earlier)), Message.toolResult("call_1", "{\"total_usd\": 41.5}"));

    model.complete(conversation, List.of(costs), deltas::add);

    RecordedRequest request = fake.chatRequests().getFirst();
    assertThat(request.method() + " " + request.path()).isEqualTo("POST /v1/chat/completions");
    assertThat(request.header("Authorization")).as("the key, as a bearer token").isEqualTo("Bearer " + KEY);
    assertThat(request.header("Content-Type")).isEqualTo("application/json");
    JsonNode body = request.json();
    assertThat(body.path("model").asText()).isEqualTo("gpt-4o-mini");
    assertThat(body.path("stream").asBoolean()).as("stream").isTrue();
    assertThat(body.path("stream_options").path("include_usage").asBoolean()).as("include_usage").isTrue();
    assertThat(body.path("tool_choice").asText()).isEqualTo("auto");
    JsonNode tool = body.path("tools").get(0);
    assertThat(tool.path("type").asText()).isEqualTo("function");
    assertThat(tool.path("function").path("name").asText()).isEqualTo("cost_breakdown");
    assertThat(tool.path("function").path("description").asText()).isEqualTo("Costs per model over a period.");
    assertThat(tool.path("function").path("parameters").path("required").get(0).asText()).isEqualTo("days");
    JsonNode messages = body.path("messages");
    assertThat(messages.findValuesAsText("role")).containsExactly("system", "user", "assistant", "tool");
    assertThat(messages.get(2).path("content").isNull()).as("content of a turn that only calls tools is null").isTrue();
    JsonNode call = messages.get(2).path("tool_calls").get(0);
    assertThat(call.path("id").asText()).isEqualTo("call_1");
    assertThat(call.path("type").asText()).isEqualTo("function");
    assertThat(call.path("function").path("name").asText()).isEqualTo("cost_breakdown");
    assertThat(call.path("function").path("arguments").asText()).isEqualTo("{\"days\": 7}");
    assertThat(messages.get(3).path("tool_call_id").asText()).isEqualTo("call_1");
    assertThat(messages.get(3).path("content").asText()).isEqualTo("{\"total_usd\": 41.5}");
  }

  @Test
  void requestWithoutToolsLeavesToolsAndToolChoiceOut() throws Exception {
    fake.reply(text("hi"));

    ask("hello");

    JsonNode body = fake.chatRequests().getFirst().json();
    assertThat(body.has("tools")).as("tools sent without any tool").isFalse();
    assertThat(body.has("tool_choice")).as("tool_choice sent without any tool").isFalse();
  }

  @Test
  void twoInterleavedToolCallsWithArgumentsSplitMidTokenAreJoinedByIndex() throws Exception {
    fake.reply(stream()
        .toolCall(0, "call_usage", "usage_summary")
        .toolCall(1, "call_costs", "cost_breakdown")
        .arguments(0, "{\"da")
        .arguments(1, "{\"group_by\": \"mo")
        .arguments(0, "ys\": 3")
        .arguments(1, "del\", \"note\": \"say \\")
        .arguments(0, "0}")
        .arguments(1, "\"hi\\\" ünïcødé\"}")
        .finish("tool_calls").usage(80, 31).done());

    Reply reply = ask("usage and costs?");

    assertThat(deltas).as("text forwarded for a reply that only calls tools").isEmpty();
    assertThat(reply.finishReason()).isEqualTo("tool_calls");
    assertThat(reply.toolCalls()).extracting(ToolCall::id, ToolCall::name)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("call_usage", "usage_summary"),
            org.assertj.core.groups.Tuple.tuple("call_costs", "cost_breakdown"));
    assertThat(reply.toolCalls().get(0).arguments()).isEqualTo("{\"days\": 30}");
    assertThat(reply.toolCalls().get(0).parsedArguments()).isEqualTo(Map.of("days", 30));
    assertThat(reply.toolCalls().get(1).parsedArguments())
        .isEqualTo(Map.of("group_by", "model", "note", "say \"hi\" ünïcødé"));
    assertThat(reply.message().toolCalls()).as("the reply as the next assistant turn").isEqualTo(reply.toolCalls());
  }

  @Test
  void a429IsRetriedAfterTheWaitTheServerAskedFor() throws Exception {
    fake.reply(error(429, "Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3, Used 3.", "requests",
        "rate_limit_exceeded").withHeader("Retry-After", "1"), text("after the wait"));

    Reply reply = ask("anything");

    assertThat(reply.content()).isEqualTo("after the wait");
    List<RecordedRequest> requests = fake.chatRequests();
    assertThat(requests).as("requests: the 429 and the retry").hasSize(2);
    assertThat(Duration.ofNanos(requests.get(1).receivedNanos() - requests.get(0).receivedNanos()))
        .as("wait between the 429 and the retry, which asked for Retry-After: 1").isGreaterThanOrEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void a500ForeverGivesUpAfterTheAttemptBoundAsOverloaded() {
    fake.reply(error(500, "The server had an error while processing your request. Sorry about that!", "server_error", null));

    assertThatThrownBy(() -> ask("anything"))
        .isInstanceOfSatisfying(LlmException.class, e -> {
          assertThat(e.kind()).isEqualTo(LlmException.Kind.OVERLOADED);
          assertThat(e.status()).isEqualTo(500);
          assertThat(e.getMessage()).contains("answered 500", "The server had an error while processing your request",
              "gave up after 3 attempts");
        });
    assertThat(fake.chatRequests()).as("attempts against a failing server (maxAttempts 3)").hasSize(3);
  }

  @Test
  void a400IsNotRetriedAndTheProvidersMessageSurfaces() {
    fake.reply(error(400, "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with"
        + " 'tool_calls'.", "invalid_request_error", null));

    assertThatThrownBy(() -> ask("anything"))
        .isInstanceOfSatisfying(LlmException.class, e -> {
          assertThat(e.kind()).isEqualTo(LlmException.Kind.REJECTED);
          assertThat(e.status()).isEqualTo(400);
          assertThat(e.getMessage()).contains("rejected the request (400)",
              "messages with role 'tool' must be a response to a preceeding message", "invalid_request_error");
        });
    assertThat(fake.chatRequests()).as("requests for a 400: no retry").hasSize(1);
  }

  @Test
  void aRejectedKeyIsNamedButNeverShownEvenWhenTheServerEchoesIt() {
    fake.reply(error(401, "Incorrect API key provided: " + KEY + ". You can find your API key at"
        + " https://platform.openai.com/account/api-keys.", "invalid_request_error", "invalid_api_key"));

    assertThatThrownBy(() -> ask("anything"))
        .isInstanceOfSatisfying(LlmException.class, e -> {
          assertThat(e.kind()).isEqualTo(LlmException.Kind.REJECTED);
          assertThat(e.getMessage()).contains("rejected LLM_API_KEY (401)", "Incorrect API key provided")
              .doesNotContain(KEY).doesNotContain("0123456789abcdef");
        });
    assertThat(fake.chatRequests()).hasSize(1);
  }

  @Test
  void aRetryAfterPastTheCallsLimitFailsAtOnceInsteadOfWaiting() {
    fake.reply(error(429, "You exceeded your current quota.", "insufficient_quota", "insufficient_quota")
        .withHeader("Retry-After", "3600"), text("never reached"));

    assertThatThrownBy(() -> ask("anything"))
        .isInstanceOfSatisfying(LlmException.class, e -> {
          assertThat(e.kind()).isEqualTo(LlmException.Kind.OVERLOADED);
          assertThat(e.getMessage()).contains("answered 429", "asked to retry after 3600.0 s");
        });
    assertThat(fake.chatRequests()).hasSize(1);
  }

  @Test
  void aStreamThatStallsAfterItsFirstChunkEndsWithATimeoutAndIsNotRetried() {
    model.close();
    model = model(fake.baseUrl(), new OpenAiCompatibleModel.Limits(Duration.ofSeconds(5), Duration.ofSeconds(10),
        Duration.ofMillis(400), Duration.ofSeconds(20), 3, Duration.ofMillis(20), Duration.ofMillis(100)));
    fake.reply(stream().role().content("Looking at your").stall());

    assertThatThrownBy(() -> ask("anything"))
        .isInstanceOfSatisfying(LlmException.class, e -> {
          assertThat(e.kind()).isEqualTo(LlmException.Kind.TIMEOUT);
          assertThat(e.getMessage()).contains("stopped sending for 0.4 s mid-reply");
        });
    assertThat(deltas).as("text delivered before the stall").containsExactly("Looking at your");
    assertThat(fake.chatRequests()).as("requests: a stream that began is never retried").hasSize(1);
  }

  @Test
  void headersWithoutAnyDataEndWithAFirstByteTimeout() {
    model.close();
    model = model(fake.baseUrl(), new OpenAiCompatibleModel.Limits(Duration.ofSeconds(2), Duration.ofMillis(300),
        Duration.ofMillis(300), Duration.ofSeconds(10), 3, Duration.ofMillis(20), Duration.ofMillis(100)));
    fake.reply(stream().stall());

    assertThatThrownBy(() -> ask("anything"))
        .isInstanceOfSatisfying(LlmException.class, e -> {
          assertThat(e.kind()).isEqualTo(LlmException.Kind.TIMEOUT);
          assertThat(e.getMessage()).contains("no data within 0.3 s (the first-byte limit)");
        });
  }

  @Test
  void aChunkThatIsNotJsonIsAClearMalformedError() {
    fake.reply(stream().role().content("Hi").event("{\"id\":\"chatcmpl-x\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"delta\"")
        .done());

    assertThatThrownBy(() -> ask("anything"))
        .isInstanceOfSatisfying(LlmException.class, e -> {
          assertThat(e.kind()).isEqualTo(LlmException.Kind.MALFORMED);
          assertThat(e.getMessage()).contains("sent a chunk that is not JSON after 2 good ones", "{\"id\":\"chatcmpl-x\"");
        });
    assertThat(fake.chatRequests()).hasSize(1);
  }

  @Test
  void aStreamThatEndsBeforeFinishingIsCutShort() {
    fake.reply(stream().role().content("The answer is"));

    assertThatThrownBy(() -> ask("anything"))
        .isInstanceOfSatisfying(LlmException.class, e -> {
          assertThat(e.kind()).isEqualTo(LlmException.Kind.MALFORMED);
          assertThat(e.getMessage()).contains("without a finish_reason or [DONE]");
        });
  }

  @Test
  void anErrorObjectInsideTheStreamFailsTheCallWithTheProvidersMessage() {
    fake.reply(stream().role().content("Partial").event("{\"error\":{\"message\":\"Upstream model overloaded\",\"code\":502}}"));

    assertThatThrownBy(() -> ask("anything"))
        .isInstanceOfSatisfying(LlmException.class, e -> {
          assertThat(e.kind()).isEqualTo(LlmException.Kind.OVERLOADED);
          assertThat(e.getMessage()).contains("reported an error mid-reply", "Upstream model overloaded");
        });
    assertThat(fake.chatRequests()).as("a failure after text was delivered is not retried").hasSize(1);
  }

  @Test
  void aJsonAnswerInsteadOfAStreamIsNamedAsSuch() {
    fake.reply(new FakeOpenAiServer.Fixed(200, Map.of("Content-Type", "application/json"),
        "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"choices\":[]}"));

    assertThatThrownBy(() -> ask("anything"))
        .isInstanceOfSatisfying(LlmException.class, e -> {
          assertThat(e.kind()).isEqualTo(LlmException.Kind.MALFORMED);
          assertThat(e.getMessage()).contains("answered 200 with application/json instead of a text/event-stream",
              "\"object\":\"chat.completion\"");
        });
  }

  @Test
  void keepAliveCommentsAndCrLfLineEndsAreReadAndAStreamWithoutUsageHasNone() throws Exception {
    fake.reply(stream().crlf().comment("OPENROUTER PROCESSING").role().content("a").comment("ping").content("b")
        .finish("length").done());

    Reply reply = ask("anything");

    assertThat(reply.content()).isEqualTo("ab");
    assertThat(reply.finishReason()).isEqualTo("length");
    assertThat(reply.usage()).as("usage when the server sent none").isNull();
  }

  @Test
  void aRefusedConnectionIsRetriedThenReportedUnreachable() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    model.close();
    model = model("http://127.0.0.1:" + closedPort, FAST);

    assertThatThrownBy(() -> ask("anything"))
        .isInstanceOfSatisfying(LlmException.class, e -> {
          assertThat(e.kind()).isEqualTo(LlmException.Kind.UNREACHABLE);
          assertThat(e.status()).isZero();
          assertThat(e.getMessage()).contains("http://127.0.0.1:" + closedPort + "/v1 is unreachable",
              "gave up after 3 attempts");
        });
  }

  @Test
  void aBaseUrlWithoutV1OrWithATrailingSlashReachesTheSameEndpoint() throws Exception {
    fake.reply(text("ok"));
    String root = "http://127.0.0.1:" + fake.port();
    for (String base : List.of(root, root + "/", root + "/v1/")) {
      model.close();
      model = model(base, FAST);
      assertThat(ask("anything").content()).as("reply through LLM_BASE_URL=" + base).isEqualTo("ok");
    }
    assertThat(fake.chatRequests()).extracting(RecordedRequest::path).containsOnly("/v1/chat/completions");
  }

  @Test
  void anInterruptedCallStopsAtOnceAndKeepsTheInterruptFlag() throws Exception {
    model.close();
    model = model(fake.baseUrl(), new OpenAiCompatibleModel.Limits(Duration.ofSeconds(2), Duration.ofSeconds(20),
        Duration.ofSeconds(20), Duration.ofSeconds(20), 3, Duration.ofMillis(20), Duration.ofMillis(100)));
    fake.reply(stream().role().content("Working").stall());
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicBoolean flagAfter = new AtomicBoolean();
    Thread caller = Thread.ofVirtual().start(() -> {
      try {
        ask("anything");
      } catch (Throwable e) {
        thrown.set(e);
      }
      flagAfter.set(Thread.currentThread().isInterrupted());
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> fake.stalledNow() == 1 && deltas.size() == 1);

    caller.interrupt();
    caller.join(Duration.ofSeconds(10));

    assertThat(caller.isAlive()).as("caller still blocked after interrupt").isFalse();
    assertThat(thrown.get()).isInstanceOfSatisfying(LlmException.class,
        e -> assertThat(e.kind()).isEqualTo(LlmException.Kind.INTERRUPTED));
    assertThat(flagAfter).as("interrupt flag after the call").isTrue();
  }

  @Test
  void anExceptionFromTheConsumerAbortsTheCallUnchangedAndUnretried() {
    fake.reply(text("one", "two"));
    IllegalStateException boom = new IllegalStateException("socket closed");

    assertThatThrownBy(() -> model.complete(List.of(Message.user("hi")), List.of(), piece -> {
      throw boom;
    })).isSameAs(boom);
    assertThat(fake.chatRequests()).hasSize(1);
  }

  @Test
  void settingsForTheOfflineModelOrWithoutAKeyAreRefused() {
    assertThatThrownBy(() -> new OpenAiCompatibleModel(new LlmSettings(null, null, LlmSettings.OFFLINE)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("offline");
    assertThatThrownBy(() -> new OpenAiCompatibleModel(new LlmSettings(fake.baseUrl(), " ", "gpt-4o-mini")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("LLM_API_KEY");
  }
}

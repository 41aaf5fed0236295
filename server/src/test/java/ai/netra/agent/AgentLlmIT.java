package ai.netra.agent;

import static ai.netra.testing.FakeOpenAiServer.error;
import static ai.netra.testing.FakeOpenAiServer.stream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.netra.auth.SigningKey;
import ai.netra.auth.Tokens;
import ai.netra.config.Settings;
import ai.netra.testing.ChatClient;
import ai.netra.testing.FakeOpenAiServer;
import ai.netra.testing.ServiceProcess;
import ai.netra.testing.TestDependencies;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The agent with an LLM: the real service talks to a fake OpenAI-compatible endpoint in this JVM
 * that streams tool calls and text in the real wire format; failures fall back or say so plainly;
 * deployed, an unreachable endpoint stops the start unless allowed degraded.
 */
class AgentLlmIT {

  private static final String SECRET = "agent-llm-it-secret-0123456789abcdefghijklm";
  private static final String KEY = "sk-test-7f3a9c2e51d04b88";
  private static final Duration WAIT = Duration.ofSeconds(40);

  private static Map<String, String> env(FakeOpenAiServer llm, String... more) {
    Map<String, String> env = new HashMap<>(Map.of("JWT_SECRET_KEY", SECRET, "LLM_BASE_URL", llm.baseUrl(),
        "LLM_API_KEY", KEY, "LLM_MODEL", "gpt-4o-mini"));
    for (int i = 0; i < more.length; i += 2) {
      env.put(more[i], more[i + 1]);
    }
    return env;
  }

  private static List<JsonNode> ask(ServiceProcess service, String question, String until) throws Exception {
    String token = new Tokens(SigningKey.load(Settings.read(Map.of("JWT_SECRET_KEY", SECRET))))
        .mint("llm-" + TestDependencies.RUN, Duration.ofMinutes(5));
    try (ChatClient chat = ChatClient.connect(URI.create("ws://127.0.0.1:" + service.port() + "/ws/chat"), token, null)) {
      chat.next(WAIT);
      chat.send("{\"type\":\"user_message\",\"payload\":{\"content\":\"" + question + "\"}}");
      return chat.until(until, WAIT);
    }
  }

  private static List<JsonNode> ofType(List<JsonNode> events, String type) {
    return events.stream().filter(e -> e.path("type").asText().equals(type)).toList();
  }

  @Test
  void streamedToolCallsRunTheToolsAndTheStreamedAnswerEndsTheRun() throws Exception {
    String from = LocalDate.now(ZoneOffset.UTC).minusDays(6).toString();
    try (FakeOpenAiServer llm = new FakeOpenAiServer()) {
      llm.reply(
          stream().role().toolCall(0, "call_sum", "usage_summary").arguments(0, "{\"fr").arguments(0, "om\": \"" + from)
              .arguments(0, "\"}").finish("tool_calls").usage(310, 21).done(),
          stream().role().content("You have no usage ").content("recorded since " + from + ".").finish("stop").done());
      try (ServiceProcess service = ServiceProcess.start(env(llm))) {
        service.awaitStatus("/health/ready", 200, Duration.ofSeconds(60));
        assertThat(ServiceProcess.step(service.json("/health/startup"), "llm-endpoint").path("status").asText()).isEqualTo("OK");

        List<JsonNode> events = ask(service, "how much did I spend this week?", "agent_completed");

        JsonNode executing = ofType(events, "tool_executing").getFirst().path("payload");
        assertThat(executing.path("tool").asText()).isEqualTo("usage_summary");
        assertThat(executing.path("arguments").path("from").asText()).as("arguments reassembled from fragments").isEqualTo(from);
        assertThat(ofType(events, "tool_completed").getFirst().path("payload").path("status").asText()).isEqualTo("ok");
        String streamed = String.join("", ofType(events, "agent_thinking").stream()
            .map(e -> e.path("payload").path("delta").asText("")).toList());
        assertThat(streamed).contains("You have no usage recorded since " + from);
        assertThat(events.getLast().path("payload").path("answer").asText()).isEqualTo("You have no usage recorded since " + from + ".");

        List<FakeOpenAiServer.RecordedRequest> calls = llm.chatRequests();
        assertThat(calls).hasSize(2);
        assertThat(calls.get(0).header("Authorization")).isEqualTo("Bearer " + KEY);
        assertThat(calls.get(0).json().path("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(calls.get(0).json().path("stream").asBoolean()).isTrue();
        assertThat(calls.get(0).json().path("tools").findValuesAsText("name"))
            .contains("usage_summary", "cost_breakdown", "what_if_switch", "caching_opportunity", "anomalies");
        JsonNode toolResult = calls.get(1).json().path("messages").get(calls.get(1).json().path("messages").size() - 1);
        assertThat(toolResult.path("role").asText()).isEqualTo("tool");
        assertThat(toolResult.path("tool_call_id").asText()).isEqualTo("call_sum");
        assertThat(toolResult.path("content").asText()).contains("\"requests\":0");
        assertThat(service.outputText()).doesNotContain(KEY);
      }
    }
  }

  /** One model turn asking for 20 tools ran all 20: the run's work had no bound per turn. */
  @Test
  void aTurnOfTwentyToolCallsRunsTheFirstEightAndTellsTheModelTheRestWereRefused() throws Exception {
    String from = LocalDate.now(ZoneOffset.UTC).minusDays(6).toString();
    try (FakeOpenAiServer llm = new FakeOpenAiServer()) {
      FakeOpenAiServer.Stream twenty = stream().role();
      for (int i = 0; i < 20; i++) {
        twenty.toolCall(i, "call_" + i, "usage_summary").arguments(i, "{\"from\": \"" + from + "\"}");
      }
      llm.reply(twenty.finish("tool_calls").done(),
          stream().role().content("Answered with the first eight.").finish("stop").done());
      try (ServiceProcess service = ServiceProcess.start(env(llm))) {
        service.awaitStatus("/health/ready", 200, Duration.ofSeconds(60));

        List<JsonNode> events = ask(service, "how much did I spend this week?", "agent_completed");

        assertThat(ofType(events, "tool_executing")).as("tools run").hasSize(8);
        assertThat(ofType(events, "tool_completed")).hasSize(8);
        assertThat(events.toString()).as("the user sees why").contains("the other 12 refused");
        assertThat(events.getLast().path("payload").path("answer").asText()).isEqualTo("Answered with the first eight.");
        JsonNode messages = llm.chatRequests().get(1).json().path("messages");
        List<JsonNode> results = new java.util.ArrayList<>();
        messages.forEach(m -> {
          if (m.path("role").asText().equals("tool")) {
            results.add(m);
          }
        });
        assertThat(results).as("a result for each of the 20 calls").hasSize(20);
        assertThat(results.get(19).path("tool_call_id").asText()).isEqualTo("call_19");
        assertThat(results.get(19).path("content").asText()).contains("refused: at most 8 tool calls are run per turn");
        assertThat(results.get(0).path("content").asText()).contains("\"requests\":0");
      }
    }
  }

  @Test
  void anLlmThatGivesUpHandsTheQuestionToTheOfflineModelWhenAllowed() throws Exception {
    try (FakeOpenAiServer llm = new FakeOpenAiServer()) {
      llm.reply(error(503, "The server is overloaded", "server_error", null));
      try (ServiceProcess service = ServiceProcess.start(env(llm, "LLM_FALLBACK", "offline"))) {
        service.awaitStatus("/health/ready", 200, Duration.ofSeconds(60));
        List<JsonNode> events = ask(service, "how much did we spend?", "agent_completed");
        assertThat(ofType(events, "agent_thinking").toString()).contains("offline model");
        assertThat(events.getLast().path("payload").path("answer").asText()).contains("no usage recorded");
        assertThat(llm.chatRequests().size()).as("retried before giving up").isGreaterThan(1);
      }
    }
  }

  /** Issue 16: the user saw the endpoint's URL and the provider's error text, which may echo a key or an account. */
  @Test
  void withoutAFallbackTheRunEndsWithACodeAndPlainWordsAndTheDetailsGoToTheLog() throws Exception {
    String providerText = "Incorrect API key provided: sk-live-Secr3tAcc0unt-4242 for org-internal-billing";
    try (FakeOpenAiServer llm = new FakeOpenAiServer()) {
      llm.reply(error(401, providerText, "invalid_request_error", "invalid_api_key"));
      try (ServiceProcess service = ServiceProcess.start(env(llm))) {
        service.awaitStatus("/health/ready", 200, Duration.ofSeconds(60));
        List<JsonNode> events = ask(service, "how much did we spend?", "error");
        JsonNode error = events.getLast().path("payload");
        assertThat(error.path("code").asText()).isEqualTo("llm_unavailable");
        assertThat(error.path("message").asText()).contains("refused the request (HTTP 401)");
        assertThat(events.toString()).as("what the user was sent")
            .doesNotContain("Secr3tAcc0unt", "org-internal-billing", llm.baseUrl(), "127.0.0.1:" + llm.port(), KEY);
        assertThat(llm.chatRequests()).as("a rejected key is not retried").hasSize(1);
        await("the failure in the log").atMost(WAIT)
            .until(() -> service.outputText().contains("Secr3tAcc0unt") && service.outputText().contains(llm.baseUrl()));
        assertThat(service.outputText()).as("the log").doesNotContain(KEY);
      }
    }
  }

  @Test
  void aFallbackSaysWhyInPlainWordsOnly() throws Exception {
    try (FakeOpenAiServer llm = new FakeOpenAiServer()) {
      llm.reply(error(503, "upstream pool db-7.internal.example:6432 exhausted (tenant acme-secret)", "server_error", null));
      try (ServiceProcess service = ServiceProcess.start(env(llm, "LLM_FALLBACK", "offline"))) {
        service.awaitStatus("/health/ready", 200, Duration.ofSeconds(60));
        List<JsonNode> events = ask(service, "how much did we spend?", "agent_completed");
        assertThat(ofType(events, "agent_thinking").toString()).contains("overloaded or failing");
        assertThat(events.toString()).as("what the user was sent")
            .doesNotContain("db-7.internal", "acme-secret", llm.baseUrl());
      }
    }
  }

  @Test
  void deployedAnUnreachableEndpointStopsTheStartUnlessAllowedDegraded() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    Map<String, String> env = ServiceProcess.deployedEnv("production");
    env.putAll(Map.of("LLM_MODEL", "gpt-4o-mini", "LLM_BASE_URL", "http://127.0.0.1:" + closed + "/v1", "LLM_API_KEY", KEY,
        "STARTUP_TIMEOUT_LLM_S", "2"));
    try (ServiceProcess service = ServiceProcess.start(env)) {
      assertThat(service.awaitExit(Duration.ofSeconds(60))).isEqualTo(3);
      assertThat(service.outputText()).contains("STARTUP FAILED").contains("llm-endpoint").doesNotContain(KEY);
    }
    env.put("STARTUP_ALLOW_DEGRADED", "llm");
    try (ServiceProcess service = ServiceProcess.start(env)) {
      service.awaitStatus("/health/ready", 200, Duration.ofSeconds(60));
      assertThat(service.json("/health/startup").path("outcome").asText()).isEqualTo("DEGRADED");
    }
  }
}

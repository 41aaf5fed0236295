package ai.netra.chat;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.agent.RunEvent;
import ai.netra.json.Json;
import ai.netra.json.JsonText;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Every event type the chat socket carries, written exactly as the page ({@code assets/events.js}) and
 * the clients read it: a payload type that cannot be written, or whose shape drifted, fails here
 * instead of closing a socket with 1011, the incident the typed events replace a reflective writer for.
 */
class EventJsonTest {

  private static final Instant T = Instant.parse("2025-03-01T12:00:00.250Z");
  private static final UUID RUN = UUID.fromString("00000000-0000-0000-0000-00000000000a");
  private static final UUID THREAD = UUID.fromString("00000000-0000-0000-0000-00000000000b");

  @Test
  void connectionEstablishedCarriesTheUserTheConnectionAndTheLimits() {
    ChatEvent.ConnectionEstablished event = new ChatEvent.ConnectionEstablished("alice", "c-1", 1, ChatEvent.Limits.CURRENT);

    assertThat(event.type()).isEqualTo("connection_established");
    assertThat(EventJson.write(event)).isEqualTo("{\"user_id\":\"alice\",\"connection_id\":\"c-1\",\"protocol\":1,"
        + "\"limits\":{\"max_frame_bytes\":65536,\"max_message_chars\":32000,\"idle_timeout_s\":60,\"ping_interval_s\":20,"
        + "\"messages_burst\":20,\"messages_per_second\":5.0}}");
  }

  @Test
  void agentStartedAcknowledgesTheStoredMessage() {
    ChatEvent.AgentStarted event = new ChatEvent.AgentStarted(42, true, "Supervisor");

    assertThat(event.type()).isEqualTo("agent_started");
    assertThat(EventJson.write(event)).isEqualTo("{\"message_id\":42,\"new_thread\":true,\"agent\":\"Supervisor\"}");
  }

  @Test
  void agentThinkingIsAStepInWordsOrAStreamedDelta() {
    RunEvent.Thought thought = new RunEvent.Thought("triage", "Reading the question.");
    RunEvent.ThoughtDelta delta = new RunEvent.ThoughtDelta("The sum");

    assertThat(thought.type()).isEqualTo("agent_thinking");
    assertThat(delta.type()).isEqualTo("agent_thinking");
    assertThat(EventJson.write(thought)).isEqualTo("{\"stage\":\"triage\",\"text\":\"Reading the question.\"}");
    assertThat(EventJson.write(delta)).isEqualTo("{\"stage\":\"model\",\"delta\":\"The sum\"}");
  }

  @Test
  void toolExecutingCarriesTheArgumentsAsSentOrTheTextThatWasNotJson() {
    Map<String, Object> arguments = new LinkedHashMap<>();
    arguments.put("from", "2026-11-01");
    arguments.put("share", 0.5);
    RunEvent.ToolExecuting parsed = new RunEvent.ToolExecuting("what_if_switch", "call-1", 2,
        Json.mapper().valueToTree(arguments));
    RunEvent.ToolExecuting unparsed = new RunEvent.ToolExecuting("add", "call-2", 1, TextNode.valueOf("{not json"));

    assertThat(parsed.type()).isEqualTo("tool_executing");
    assertThat(EventJson.write(parsed)).isEqualTo("{\"tool\":\"what_if_switch\",\"call_id\":\"call-1\",\"step\":2,"
        + "\"arguments\":{\"from\":\"2026-11-01\",\"share\":0.5}}");
    assertThat(EventJson.write(unparsed)).isEqualTo("{\"tool\":\"add\",\"call_id\":\"call-2\",\"step\":1,"
        + "\"arguments\":\"{not json\"}");
  }

  @Test
  void toolCompletedCarriesTheSummaryTheFiguresAndTheDuration() {
    record Figures(BigDecimal costUsd, long requests) { }
    RunEvent.ToolCompleted ok = new RunEvent.ToolCompleted("usage_summary", "call-1", "$11.20 over 30 days",
        JsonText.of(new Figures(new BigDecimal("11.20"), 8)), 37);
    RunEvent.ToolFailed failed = new RunEvent.ToolFailed("add", "call-2", "a and b must be numbers");

    assertThat(ok.type()).isEqualTo("tool_completed");
    assertThat(failed.type()).isEqualTo("tool_completed");
    assertThat(EventJson.write(ok)).isEqualTo("{\"tool\":\"usage_summary\",\"call_id\":\"call-1\",\"status\":\"ok\","
        + "\"summary\":\"$11.20 over 30 days\",\"result\":{\"cost_usd\":11.20,\"requests\":8},\"duration_ms\":37}");
    assertThat(EventJson.write(failed)).isEqualTo("{\"tool\":\"add\",\"call_id\":\"call-2\",\"status\":\"failed\","
        + "\"summary\":\"failed: a and b must be numbers\",\"error\":\"a and b must be numbers\"}");
  }

  @Test
  void agentCompletedCarriesFiguresOnlyWhenTheRunCompleted() {
    record Cost(BigDecimal costUsd) { }
    ChatEvent.AgentCompleted completed = new ChatEvent.AgentCompleted("completed", "You spent $11.20.",
        Map.of("usage_summary", JsonText.of(new Cost(new BigDecimal("11.20")))));
    ChatEvent.AgentCompleted stopped = ChatEvent.AgentCompleted.without("stopped");

    assertThat(completed.type()).isEqualTo("agent_completed");
    assertThat(EventJson.write(completed)).isEqualTo("{\"status\":\"completed\",\"answer\":\"You spent $11.20.\","
        + "\"figures\":{\"usage_summary\":{\"cost_usd\":11.20}}}");
    assertThat(EventJson.write(stopped)).isEqualTo("{\"status\":\"stopped\",\"answer\":\"\"}");
  }

  @Test
  void errorCarriesACodeAndAMessage() {
    ChatEvent.Failure error = new ChatEvent.Failure("rate_limited", "too many messages");

    assertThat(error.type()).isEqualTo("error");
    assertThat(EventJson.write(error)).isEqualTo("{\"code\":\"rate_limited\",\"message\":\"too many messages\"}");
  }

  @Test
  void pongIsWrittenByHandExactlyAsTheMapperWritesIt() {
    String byHand = ChatService.pong();
    String timestamp = byHand.substring(byHand.indexOf("\"timestamp\":\"") + 13, byHand.indexOf("\",\"payload\""));

    assertThat(new ChatEvent.Pong().type()).isEqualTo("pong");
    assertThat(byHand).isEqualTo(EventJson.event("pong", null, null, Instant.parse(timestamp), new ChatEvent.Pong()));
  }

  @Test
  void theEnvelopeHasTheSixFieldsInOrderWithTheTypeFirst() {
    String wire = EventJson.event("error", RUN, THREAD, T, new ChatEvent.Failure("x", "y"));

    assertThat(wire).isEqualTo("{\"type\":\"error\",\"event_id\":0,\"run_id\":\"" + RUN + "\",\"thread_id\":\"" + THREAD
        + "\",\"timestamp\":\"2025-03-01T12:00:00.250Z\",\"payload\":{\"code\":\"x\",\"message\":\"y\"}}");
    assertThat(ChatMetrics.typeOf(wire)).as("the metrics read the type from the head").isEqualTo("error");
    assertThat(EventJson.event("pong", null, null, T, new ChatEvent.Pong()))
        .isEqualTo("{\"type\":\"pong\",\"event_id\":0,\"run_id\":null,\"thread_id\":null,"
            + "\"timestamp\":\"2025-03-01T12:00:00.250Z\",\"payload\":{}}");
  }

  @Test
  void nulAndLoneSurrogatesFromAModelBecomeReplacementCharactersThatJsonbCanStore() {
    String fromModel = "a\u0000b\uD800c \uD83D\uDE00";

    assertThat(EventJson.write(new RunEvent.ThoughtDelta(fromModel)))
        .isEqualTo("{\"stage\":\"model\",\"delta\":\"a\uFFFDb\uFFFDc \uD83D\uDE00\"}");
    assertThat(EventJson.write(new RunEvent.ToolExecuting("t", "c", 1,
        JsonNodeFactory.instance.objectNode().put("k\u0000", "v\u0000"))))
        .isEqualTo("{\"tool\":\"t\",\"call_id\":\"c\",\"step\":1,\"arguments\":{\"k\uFFFD\":\"v\uFFFD\"}}");
    assertThat(Json.clean("plain")).isSameAs("plain");
    // Figures written once and embedded as they are were cleaned when they were written.
    record Named(String name) { }
    assertThat(EventJson.write(new RunEvent.ToolCompleted("t", "c", "s", JsonText.of(new Named("x\u0000")), 1)))
        .isEqualTo("{\"tool\":\"t\",\"call_id\":\"c\",\"status\":\"ok\",\"summary\":\"s\","
            + "\"result\":{\"name\":\"x\uFFFD\"},\"duration_ms\":1}");
  }
}

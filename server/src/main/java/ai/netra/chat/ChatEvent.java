package ai.netra.chat;

import ai.netra.json.JsonText;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * The events the chat itself sends, besides the agent's {@link ai.netra.agent.RunEvent}s: the closed
 * set of their payloads, written as they are by the service's JSON mapper (snake_case names).
 */
sealed interface ChatEvent {

  /** The event's {@code type} on the wire. */
  @JsonIgnore
  String type();

  /** {@code connection_established}: who the socket speaks for, and the limits it is held to. */
  record ConnectionEstablished(String userId, String connectionId, int protocol, Limits limits) implements ChatEvent {
    @Override
    public String type() {
      return "connection_established";
    }
  }

  /** The limits of {@link ChatLimits}, as a client is told them. */
  record Limits(int maxFrameBytes, int maxMessageChars, long idleTimeoutS, long pingIntervalS, int messagesBurst,
      double messagesPerSecond) {
    static final Limits CURRENT = new Limits(ChatLimits.MAX_FRAME_BYTES, ClientMessage.MAX_CONTENT,
        ChatLimits.IDLE_TIMEOUT.toSeconds(), ChatLimits.PING_INTERVAL.toSeconds(), ChatLimits.MESSAGES_BURST,
        ChatLimits.MESSAGES_PER_SECOND);
  }

  /** {@code agent_started}, the acknowledgement of a user message: it is stored, and the run has begun. */
  record AgentStarted(long messageId, boolean newThread, String agent) implements ChatEvent {
    @Override
    public String type() {
      return "agent_started";
    }
  }

  /**
   * {@code agent_completed}: how the run ended (completed, stopped, interrupted), the answer, and for
   * a completed run the figures it was written from.
   */
  record AgentCompleted(String status, String answer,
      @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, JsonText> figures)
      implements ChatEvent {
    static AgentCompleted without(String status) {
      return new AgentCompleted(status, "", null);
    }

    @Override
    public String type() {
      return "agent_completed";
    }
  }

  /** {@code error}: a code a client can act on and a message a user can read (never internals). */
  record Failure(String code, String message) implements ChatEvent {
    @Override
    public String type() {
      return "error";
    }
  }

  /** {@code pong}, the answer to a ping: an empty payload. */
  record Pong() implements ChatEvent {
    @Override
    public String type() {
      return "pong";
    }
  }
}

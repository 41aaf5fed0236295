package ai.netra.agent;

import ai.netra.llm.ToolCall;
import ai.netra.json.Json;
import ai.netra.json.JsonText;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Map;

/**
 * What an agent reports while it runs, each one event of the run on the chat socket: the closed set
 * of payloads, written as they are by the service's JSON mapper (snake_case names).
 */
public sealed interface RunEvent {

  /** The event's {@code type} on the wire. */
  @JsonIgnore
  String type();

  /** {@code agent_thinking}: a step of the agent's own, in words ({@code stage} triage or fallback). */
  record Thought(String stage, String text) implements RunEvent {
    @Override
    public String type() {
      return "agent_thinking";
    }
  }

  /** {@code agent_thinking}: a piece of the model's streamed text; the page appends the pieces to one thought. */
  record ThoughtDelta(String stage, String delta) implements RunEvent {
    public ThoughtDelta(String delta) {
      this("model", delta);
    }

    @Override
    public String type() {
      return "agent_thinking";
    }
  }

  /**
   * {@code tool_executing}: a tool call begins; {@code arguments} as the model sent them, an object, or
   * the text itself when it was not JSON.
   */
  record ToolExecuting(String tool, String callId, int step, JsonNode arguments) implements RunEvent {
    static ToolExecuting of(ToolCall call, int step, Map<String, Object> parsed) {
      return new ToolExecuting(call.name(), call.id(), step, Json.mapper().valueToTree(parsed));
    }

    static ToolExecuting unparsed(ToolCall call, int step) {
      return new ToolExecuting(call.name(), call.id(), step, TextNode.valueOf(call.arguments()));
    }

    @Override
    public String type() {
      return "tool_executing";
    }
  }

  /** {@code tool_completed} with {@code status} ok: the tool's one-line summary and its figures. */
  record ToolCompleted(String tool, String callId, String status, String summary, JsonText result, long durationMs)
      implements RunEvent {
    public ToolCompleted(String tool, String callId, String summary, JsonText result, long durationMs) {
      this(tool, callId, "ok", summary, result, durationMs);
    }

    @Override
    public String type() {
      return "tool_completed";
    }
  }

  /** {@code tool_completed} with {@code status} failed: what went wrong, in words the user and the model can act on. */
  record ToolFailed(String tool, String callId, String status, String summary, String error) implements RunEvent {
    public ToolFailed(String tool, String callId, String error) {
      this(tool, callId, "failed", "failed: " + error, error);
    }

    @Override
    public String type() {
      return "tool_completed";
    }
  }
}

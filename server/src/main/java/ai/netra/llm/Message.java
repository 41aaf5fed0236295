package ai.netra.llm;

import java.util.List;
import java.util.Locale;

/**
 * One message of a conversation sent to a chat model. {@code content} is never null (empty when an
 * assistant message only calls tools); {@code toolCalls} is non-empty only for an assistant message
 * that called tools; {@code toolCallId} is set only on a tool result and names the call it answers.
 */
public record Message(Role role, String content, List<ToolCall> toolCalls, String toolCallId) {

  /** Who speaks; {@link #wireName()} is the role's name in the OpenAI wire format. */
  public enum Role {
    SYSTEM, USER, ASSISTANT, TOOL;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** @throws IllegalArgumentException when the fields do not fit the role */
  public Message {
    if (role == null) {
      throw new IllegalArgumentException("a message needs a role");
    }
    content = content == null ? "" : content;
    toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    if (role != Role.ASSISTANT && !toolCalls.isEmpty()) {
      throw new IllegalArgumentException("only an assistant message carries tool calls, not a " + role.wireName() + " message");
    }
    if (role == Role.TOOL && (toolCallId == null || toolCallId.isBlank())) {
      throw new IllegalArgumentException("a tool result needs the id of the tool call it answers");
    }
    if (role != Role.TOOL && toolCallId != null) {
      throw new IllegalArgumentException("only a tool result carries a tool_call_id, not a " + role.wireName() + " message");
    }
  }

  public static Message system(String content) {
    return new Message(Role.SYSTEM, content, List.of(), null);
  }

  public static Message user(String content) {
    return new Message(Role.USER, content, List.of(), null);
  }

  public static Message assistant(String content) {
    return new Message(Role.ASSISTANT, content, List.of(), null);
  }

  /** An assistant turn that called tools; the conversation must next carry one {@link #toolResult} per call. */
  public static Message assistant(String content, List<ToolCall> toolCalls) {
    return new Message(Role.ASSISTANT, content, toolCalls, null);
  }

  /** The result of the tool call {@code toolCallId}, usually JSON or an error message the model can act on. */
  public static Message toolResult(String toolCallId, String content) {
    return new Message(Role.TOOL, content, List.of(), toolCallId);
  }
}

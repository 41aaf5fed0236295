package ai.netra.llm;

import java.util.List;

/**
 * A chat model's complete answer: its text (empty when it only called tools), the tools it wants
 * run (in the order it listed them), why it stopped ({@code stop}, {@code tool_calls},
 * {@code length}, {@code content_filter}, or whatever the endpoint said), and the tokens it used
 * when the endpoint reported them ({@code usage} is null otherwise).
 */
public record Reply(String content, List<ToolCall> toolCalls, String finishReason, Usage usage) {

  public Reply {
    content = content == null ? "" : content;
    toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
  }

  public boolean hasToolCalls() {
    return !toolCalls.isEmpty();
  }

  /** This reply as the assistant turn to append to the conversation before the tool results. */
  public Message message() {
    return Message.assistant(content, toolCalls);
  }

  /** Tokens counted by the endpoint for one call. */
  public record Usage(long promptTokens, long completionTokens, long totalTokens) { }
}

package ai.netra.llm;

import java.util.List;
import java.util.function.Consumer;

/** A chat model that answers a conversation with text, tool calls or both: an LLM endpoint or the offline model. */
public interface ChatModel {

  /**
   * Answers {@code messages}, offering {@code tools} (may be empty). Text is passed to
   * {@code contentDeltas} piece by piece, in order, on the calling thread, as it arrives; the
   * returned reply holds the same text in full, and the tool calls, once the model has finished.
   * A call is bounded in time: it returns or throws within the model's configured limits.
   * An exception thrown by {@code contentDeltas} aborts the call and propagates unchanged.
   *
   * @throws LlmException when no complete reply could be had; its {@link LlmException#kind()} says why
   */
  Reply complete(List<Message> messages, List<ToolSpec> tools, Consumer<String> contentDeltas) throws LlmException;
}

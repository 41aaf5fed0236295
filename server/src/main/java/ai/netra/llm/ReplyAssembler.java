package ai.netra.llm;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Builds one {@link Reply} from the {@code chat.completion.chunk} objects of a stream: forwards and
 * collects text deltas, and joins tool-call deltas by their {@code index} (id, type and name come
 * in a call's first delta, its arguments in fragments across later ones, and the deltas of several
 * calls may interleave). Only choice 0 is read, since requests ask for one. Its exceptions say
 * what is wrong with the stream; the caller adds which endpoint sent it. Not thread-safe.
 */
final class ReplyAssembler {

  private final Consumer<String> contentDeltas;
  private final StringBuilder content = new StringBuilder();
  private final Map<Integer, PartialCall> calls = new TreeMap<>();
  private String finishReason;
  private Reply.Usage usage;
  private int lastIndex = -1;
  private int chunks;

  ReplyAssembler(Consumer<String> contentDeltas) {
    this.contentDeltas = contentDeltas;
  }

  /**
   * Reads one chunk.
   *
   * @throws LlmException ({@link LlmException.Kind#MALFORMED}) when the chunk is not a chat completion chunk
   */
  void chunk(JsonNode chunk) throws LlmException {
    chunks++;
    if (!chunk.isObject()) {
      throw malformed("chunk " + chunks + " is not a JSON object: " + abbreviate(chunk.toString()));
    }
    JsonNode usageNode = chunk.path("usage");
    if (usageNode.isObject()) {
      usage = new Reply.Usage(usageNode.path("prompt_tokens").asLong(), usageNode.path("completion_tokens").asLong(),
          usageNode.path("total_tokens").asLong());
    }
    JsonNode choices = chunk.path("choices");
    if (choices.isMissingNode() || choices.isNull()) {
      // The closing usage chunk; some servers leave choices out instead of sending [].
      if (!usageNode.isObject()) {
        throw malformed("chunk " + chunks + " has neither choices nor usage: " + abbreviate(chunk.toString()));
      }
      return;
    }
    if (!choices.isArray()) {
      throw malformed("chunk " + chunks + " has choices that are not a list: " + abbreviate(chunk.toString()));
    }
    for (JsonNode choice : choices) {
      if (choice.path("index").asInt(0) != 0) {
        continue;
      }
      JsonNode delta = choice.path("delta");
      if (delta.isObject()) {
        delta(delta);
      }
      JsonNode reason = choice.path("finish_reason");
      if (reason.isTextual() && !reason.asText().isEmpty()) {
        finishReason = reason.asText();
      }
    }
  }

  private void delta(JsonNode delta) throws LlmException {
    text(delta.path("content"));
    text(delta.path("refusal")); // a refusal is what the user gets to read instead of an answer
    JsonNode toolCalls = delta.path("tool_calls");
    if (toolCalls.isMissingNode() || toolCalls.isNull()) {
      return;
    }
    if (!toolCalls.isArray()) {
      throw malformed("chunk " + chunks + " has tool_calls that are not a list: " + abbreviate(delta.toString()));
    }
    for (JsonNode call : toolCalls) {
      toolCallDelta(call);
    }
  }

  private void text(JsonNode node) {
    if (node.isTextual() && !node.asText().isEmpty()) {
      content.append(node.asText());
      contentDeltas.accept(node.asText());
    }
  }

  private void toolCallDelta(JsonNode call) throws LlmException {
    String id = textOrNull(call.path("id"));
    int index;
    if (call.path("index").canConvertToInt()) {
      index = call.path("index").asInt();
    } else if (id != null && (lastIndex < 0 || !id.equals(calls.get(lastIndex).id))) {
      // Some servers leave out the index and send each call whole: a new id is a new call.
      index = lastIndex + 1;
    } else if (lastIndex >= 0) {
      index = lastIndex;
    } else {
      throw malformed("chunk " + chunks + " has a tool call delta with neither index nor id: " + abbreviate(call.toString()));
    }
    lastIndex = Math.max(lastIndex, index);
    PartialCall partial = calls.computeIfAbsent(index, i -> new PartialCall());
    if (id != null && partial.id == null) {
      partial.id = id;
    }
    JsonNode function = call.path("function");
    String name = textOrNull(function.path("name"));
    if (name != null && partial.name == null) {
      partial.name = name;
    }
    JsonNode arguments = function.path("arguments");
    if (arguments.isTextual()) {
      partial.arguments.append(arguments.asText());
    } else if (arguments.isObject()) {
      partial.arguments.append(arguments); // a few servers send the object itself, not its JSON text
    }
  }

  /** Whether the stream said why it stopped; a stream that ends before this was cut short. */
  boolean finished() {
    return finishReason != null;
  }

  int chunks() {
    return chunks;
  }

  /**
   * The reply so far; call once the stream has ended.
   *
   * @throws LlmException ({@link LlmException.Kind#MALFORMED}) when a tool call never got its name
   */
  Reply reply() throws LlmException {
    List<ToolCall> toolCalls = new ArrayList<>();
    for (Map.Entry<Integer, PartialCall> entry : calls.entrySet()) {
      PartialCall call = entry.getValue();
      if (call.name == null) {
        throw malformed("tool call " + entry.getKey() + " in the stream never named its function");
      }
      // Tool results must name their call; a server that sends no id gets one made up for it.
      String id = call.id != null ? call.id : "call_" + entry.getKey();
      toolCalls.add(new ToolCall(id, call.name, call.arguments.toString()));
    }
    return new Reply(content.toString(), toolCalls, finishReason, usage);
  }

  private static String textOrNull(JsonNode node) {
    return node.isTextual() && !node.asText().isEmpty() ? node.asText() : null;
  }

  private static LlmException malformed(String message) {
    return new LlmException(LlmException.Kind.MALFORMED, message);
  }

  static String abbreviate(String text) {
    return text.length() <= 300 ? text : text.substring(0, 300) + "...";
  }

  private static final class PartialCall {
    String id;
    String name;
    final StringBuilder arguments = new StringBuilder();
  }
}

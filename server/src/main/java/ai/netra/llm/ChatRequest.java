package ai.netra.llm;

import ai.netra.json.Json;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** The JSON body of a streaming {@code POST /chat/completions}, in the OpenAI wire format. */
final class ChatRequest {

  private ChatRequest() { }

  static String body(String model, List<Message> messages, List<ToolSpec> tools) {
    if (messages == null || messages.isEmpty()) {
      throw new IllegalArgumentException("a chat completion needs at least one message");
    }
    ObjectNode body = Json.mapper().createObjectNode();
    body.put("model", model);
    ArrayNode wireMessages = body.putArray("messages");
    for (Message message : messages) {
      wireMessages.add(message(message));
    }
    body.put("stream", true);
    body.putObject("stream_options").put("include_usage", true);
    if (tools != null && !tools.isEmpty()) {
      // tool_choice without tools is an error at OpenAI, so both are left out when there are none.
      ArrayNode wireTools = body.putArray("tools");
      for (ToolSpec tool : tools) {
        ObjectNode function = wireTools.addObject().put("type", "function").putObject("function");
        function.put("name", tool.name());
        function.put("description", tool.description());
        function.set("parameters", Json.mapper().valueToTree(tool.parameters()));
      }
      body.put("tool_choice", "auto");
    }
    return Json.write(body);
  }

  private static ObjectNode message(Message message) {
    ObjectNode node = Json.mapper().createObjectNode();
    node.put("role", message.role().wireName());
    switch (message.role()) {
      case ASSISTANT -> {
        if (message.toolCalls().isEmpty()) {
          node.put("content", message.content());
        } else {
          // A turn that only calls tools has null content; an empty tool_calls list is rejected.
          if (message.content().isEmpty()) {
            node.putNull("content");
          } else {
            node.put("content", message.content());
          }
          ArrayNode calls = node.putArray("tool_calls");
          for (ToolCall call : message.toolCalls()) {
            ObjectNode wire = calls.addObject().put("id", call.id()).put("type", "function");
            wire.putObject("function").put("name", call.name()).put("arguments", call.arguments());
          }
        }
      }
      case TOOL -> node.put("tool_call_id", message.toolCallId()).put("content", message.content());
      default -> node.put("content", message.content());
    }
    return node;
  }
}

package ai.netra.llm;

import ai.netra.json.Json;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model's request to run one tool: the call's id (which the tool result must name), the tool's
 * name, and the arguments exactly as the model wrote them (a JSON object, not checked yet).
 */
public record ToolCall(String id, String name, String arguments) {

  /** @throws IllegalArgumentException when the id or the name is missing */
  public ToolCall {
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("a tool call needs an id");
    }
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("tool call " + id + " needs a tool name");
    }
    arguments = arguments == null || arguments.isBlank() ? "{}" : arguments;
  }

  /**
   * The arguments as a map (nested objects as maps, arrays as lists, numbers as Integer, Long or
   * Double). Models write the JSON themselves, so it may be broken.
   *
   * @throws IllegalArgumentException when the arguments are not one JSON object; the message says
   *     what is wrong in words a model can act on, so it can be sent back as the tool result
   */
  @SuppressWarnings("unchecked")
  public Map<String, Object> parsedArguments() {
    JsonNode tree;
    try {
      tree = Json.mapper().readTree(arguments);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("the arguments of " + name + " are not valid JSON (" + e.getOriginalMessage()
          + "): " + abbreviate(arguments), e);
    }
    if (tree == null || !tree.isObject()) {
      throw new IllegalArgumentException("the arguments of " + name + " must be a JSON object, got: " + abbreviate(arguments));
    }
    return Json.mapper().convertValue(tree, LinkedHashMap.class);
  }

  private static String abbreviate(String text) {
    return text.length() <= 200 ? text : text.substring(0, 200) + "...";
  }
}

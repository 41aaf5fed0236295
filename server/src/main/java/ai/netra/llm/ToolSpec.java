package ai.netra.llm;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A tool offered to a chat model: its name, when to use it, and its arguments as a JSON Schema
 * object ({@code {"type": "object", "properties": {...}, "required": [...]}}).
 */
public record ToolSpec(String name, String description, Map<String, Object> parameters) {

  /** The names OpenAI accepts for a function; other endpoints are no looser. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  /** @throws IllegalArgumentException when the name is not 1-64 letters, digits, {@code _} or {@code -} */
  public ToolSpec {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("tool name '" + name + "' must be 1-64 letters, digits, '_' or '-'");
    }
    description = description == null ? "" : description;
    parameters = parameters == null || parameters.isEmpty()
        ? Map.of("type", "object", "properties", Map.of())
        : Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
  }
}

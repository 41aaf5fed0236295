package ai.netra.agent;

import ai.netra.llm.ToolSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** The tools an agent may call, by name, in the order they were given; immutable once built. */
public final class ToolRegistry {

  // OpenAI-compatible endpoints accept [a-zA-Z0-9_-]{1,64}; the project's names are snake_case.
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,63}");

  private final Map<String, Tool> tools;

  /** @throws IllegalArgumentException naming a tool whose name is not snake_case or is taken twice */
  public ToolRegistry(List<? extends Tool> tools) {
    Map<String, Tool> byName = new LinkedHashMap<>();
    for (Tool tool : tools) {
      String name = Objects.requireNonNull(tool, "tool").name();
      if (name == null || !NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("tool name " + name + " (" + tool.getClass().getName()
            + ") must be snake_case, at most 64 characters");
      }
      if (byName.putIfAbsent(name, tool) != null) {
        throw new IllegalArgumentException("two tools are named " + name + ": " + byName.get(name).getClass().getName() + " and "
            + tool.getClass().getName());
      }
    }
    this.tools = Collections.unmodifiableMap(byName);
  }

  /** The tool names, in registration order. */
  public Set<String> names() {
    return tools.keySet();
  }

  public Optional<Tool> tool(String name) {
    return Optional.ofNullable(tools.get(name));
  }

  /** Every tool's spec, in registration order, for an LLM's tool list. */
  public List<ToolSpec> specs() {
    List<ToolSpec> specs = new ArrayList<>();
    for (Tool tool : tools.values()) {
      specs.add(new ToolSpec(tool.name(), tool.description(), tool.parameters()));
    }
    return List.copyOf(specs);
  }

  /**
   * Runs the named tool for one user; null arguments mean none.
   *
   * @throws IllegalArgumentException for an unknown tool name (the message lists the known ones) or
   *     arguments the tool rejects
   * @throws Exception whatever else the tool throws, for example a failed query
   */
  public Tool.Result run(String name, String userId, Map<String, Object> arguments) throws Exception {
    Tool tool = tools.get(name);
    if (tool == null) {
      throw new IllegalArgumentException("unknown tool '" + name + "'; the tools are " + String.join(", ", tools.keySet()));
    }
    return tool.run(userId, arguments == null ? Map.of() : arguments);
  }
}

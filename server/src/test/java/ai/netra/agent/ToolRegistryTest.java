package ai.netra.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.netra.llm.ToolSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ToolRegistryTest {

  /** A tool that echoes whom it ran for and what it was sent. */
  private record Echo(String name) implements Tool {
    @Override
    public String description() {
      return "Echoes its arguments.";
    }

    @Override
    public Map<String, Object> parameters() {
      return Map.of("type", "object", "properties", Map.of());
    }

    @Override
    public Result run(String userId, Map<String, Object> arguments) {
      return new Result(name + " for " + userId, new Echoed(arguments));
    }
  }

  /** What {@link Echo} found: the arguments it was given. */
  record Echoed(Map<String, Object> arguments) { }

  @Test
  void specsListEveryToolInRegistrationOrder() {
    ToolRegistry registry = new ToolRegistry(List.of(new Echo("b_tool"), new Echo("a_tool")));

    assertThat(registry.specs()).extracting(ToolSpec::name).containsExactly("b_tool", "a_tool");
    assertThat(registry.specs().get(0).description()).isEqualTo("Echoes its arguments.");
    assertThat(registry.specs().get(0).parameters()).containsEntry("type", "object");
  }

  @Test
  void runsTheNamedToolForTheUserWithNoArgumentsAsAnEmptyMap() throws Exception {
    ToolRegistry registry = new ToolRegistry(List.of(new Echo("a_tool"), new Echo("b_tool")));

    Tool.Result result = registry.run("b_tool", "alice", null);

    assertThat(result.summary()).isEqualTo("b_tool for alice");
    assertThat(result.data()).isEqualTo(new Echoed(Map.of()));
  }

  @Test
  void anUnknownNameIsRefusedListingTheKnownOnes() {
    ToolRegistry registry = new ToolRegistry(List.of(new Echo("a_tool"), new Echo("b_tool")));

    assertThatThrownBy(() -> registry.run("c_tool", "alice", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown tool 'c_tool'; the tools are a_tool, b_tool");
    assertThat(registry.tool("c_tool")).isEmpty();
  }

  @Test
  void twoToolsCannotShareAName() {
    assertThatThrownBy(() -> new ToolRegistry(List.of(new Echo("a_tool"), new Echo("a_tool"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("two tools are named a_tool");
  }

  @Test
  void aNameAModelCannotCallIsRefused() {
    assertThatThrownBy(() -> new ToolRegistry(List.of(new Echo("Cost Breakdown"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be snake_case");
  }
}

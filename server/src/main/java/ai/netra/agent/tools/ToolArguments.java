package ai.netra.agent.tools;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Map;

/** One call's arguments after {@link ToolParameters#read} checked them, with defaults applied. */
final class ToolArguments {

  private final String tool;
  private final Map<String, Object> values;

  ToolArguments(String tool, Map<String, Object> values) {
    this.tool = tool;
    this.values = Map.copyOf(values);
  }

  /** The tool these arguments were sent to, for messages. */
  String tool() {
    return tool;
  }

  /** A date argument, or null when it was not sent. */
  LocalDate date(String name) {
    return (LocalDate) values.get(name);
  }

  /** A text or choice argument, or null when it was not sent and has no default. */
  String text(String name) {
    return (String) values.get(name);
  }

  /** An integer argument; declared integers always have a default. */
  int integer(String name) {
    return (Integer) values.get(name);
  }

  /** A number argument; declared numbers always have a default. */
  BigDecimal number(String name) {
    return (BigDecimal) values.get(name);
  }
}

package ai.netra.agent.tools;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The arguments one tool accepts, declared once: the JSON Schema sent to a model and the checks on
 * what a model sends are both derived from this declaration, so they cannot drift apart.
 */
final class ToolParameters {

  /** The JSON types a parameter can take. */
  enum Kind { DATE, TEXT, CHOICE, INTEGER, NUMBER }

  /** One declared argument; bounds and choices apply to the kinds they name. */
  record Parameter(String name, Kind kind, String description, boolean required, List<String> choices,
      BigDecimal minimum, boolean minimumExclusive, BigDecimal maximum, Object defaultValue) { }

  static final int MAX_TEXT_CHARS = 200;
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");
  private static final Pattern DATE = Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}");
  private static final String DATE_FORMAT = "a date like 2026-11-01 (yyyy-MM-dd, UTC)";

  private final String tool;
  private final Map<String, Parameter> parameters;
  private final Map<String, Object> schema;

  private ToolParameters(String tool, Map<String, Parameter> parameters) {
    this.tool = tool;
    this.parameters = parameters;
    this.schema = buildSchema();
  }

  static Builder of(String tool) {
    return new Builder(tool);
  }

  /** Collects parameters in the order a model will read them. */
  static final class Builder {
    private final String tool;
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();

    private Builder(String tool) {
      this.tool = tool;
    }

    Builder date(String name, String description) {
      return add(new Parameter(name, Kind.DATE, description, false, List.of(), null, false, null, null));
    }

    Builder text(String name, String description, boolean required) {
      return add(new Parameter(name, Kind.TEXT, description, required, List.of(), null, false, null, null));
    }

    Builder choice(String name, String description, List<String> choices, String defaultValue) {
      if (!choices.contains(defaultValue)) {
        throw new IllegalArgumentException(tool + "." + name + ": default " + defaultValue + " is not one of " + choices);
      }
      return add(new Parameter(name, Kind.CHOICE, description, false, List.copyOf(choices), null, false, null, defaultValue));
    }

    Builder integer(String name, String description, int minimum, int maximum, int defaultValue) {
      return add(new Parameter(name, Kind.INTEGER, description, false, List.of(), BigDecimal.valueOf(minimum), false,
          BigDecimal.valueOf(maximum), defaultValue));
    }

    /** A number in (minimum, maximum] when {@code minimumExclusive}, else in [minimum, maximum]. */
    Builder number(String name, String description, String minimum, boolean minimumExclusive, String maximum,
        String defaultValue) {
      return add(new Parameter(name, Kind.NUMBER, description, false, List.of(), new BigDecimal(minimum), minimumExclusive,
          new BigDecimal(maximum), new BigDecimal(defaultValue)));
    }

    private Builder add(Parameter parameter) {
      if (!NAME.matcher(parameter.name()).matches() || parameter.description().isBlank()) {
        throw new IllegalArgumentException(tool + ": parameter " + parameter.name() + " needs a snake_case name and a description");
      }
      if (parameters.putIfAbsent(parameter.name(), parameter) != null) {
        throw new IllegalArgumentException(tool + ": parameter " + parameter.name() + " is declared twice");
      }
      return this;
    }

    ToolParameters build() {
      return new ToolParameters(tool, new LinkedHashMap<>(parameters));
    }
  }

  /** The object schema of these parameters (JSON Schema 2020-12), as a tool's {@code parameters()}; immutable. */
  Map<String, Object> schema() {
    return schema;
  }

  private Map<String, Object> buildSchema() {
    Map<String, Object> properties = new LinkedHashMap<>();
    List<String> required = new ArrayList<>();
    for (Parameter p : parameters.values()) {
      Map<String, Object> property = new LinkedHashMap<>();
      switch (p.kind()) {
        case DATE -> {
          property.put("type", "string");
          property.put("format", "date");
          // Models often ignore "format"; the pattern says the same thing in a form they follow.
          property.put("pattern", "^" + DATE.pattern() + "$");
        }
        case TEXT -> {
          property.put("type", "string");
          property.put("minLength", 1);
          property.put("maxLength", MAX_TEXT_CHARS);
        }
        case CHOICE -> {
          property.put("type", "string");
          property.put("enum", p.choices());
        }
        case INTEGER -> {
          property.put("type", "integer");
          property.put("minimum", p.minimum().intValueExact());
          property.put("maximum", p.maximum().intValueExact());
        }
        case NUMBER -> {
          property.put("type", "number");
          property.put(p.minimumExclusive() ? "exclusiveMinimum" : "minimum", p.minimum());
          property.put("maximum", p.maximum());
        }
      }
      property.put("description", p.description());
      if (p.defaultValue() != null) {
        property.put("default", p.defaultValue());
      }
      properties.put(p.name(), Collections.unmodifiableMap(property));
      if (p.required()) {
        required.add(p.name());
      }
    }
    Map<String, Object> schema = new LinkedHashMap<>();
    schema.put("type", "object");
    schema.put("properties", Collections.unmodifiableMap(properties));
    schema.put("required", List.copyOf(required));
    schema.put("additionalProperties", false);
    return Collections.unmodifiableMap(schema);
  }

  /**
   * Checks what a model sent against the declaration and returns the values with defaults applied.
   * A null value counts as absent (models send {@code null} for optional arguments they skip).
   *
   * @throws IllegalArgumentException naming the argument, what it must be and what was sent
   */
  ToolArguments read(Map<String, Object> arguments) {
    Map<String, Object> given = arguments == null ? Map.of() : arguments;
    TreeSet<String> unknown = new TreeSet<>();
    for (String key : given.keySet()) {
      if (!parameters.containsKey(key)) {
        unknown.add(String.valueOf(key));
      }
    }
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(tool + ": unknown argument" + (unknown.size() == 1 ? " " : "s ") + String.join(", ", unknown)
          + "; it accepts " + String.join(", ", parameters.keySet()));
    }
    Map<String, Object> values = new HashMap<>();
    for (Parameter p : parameters.values()) {
      Object raw = given.get(p.name());
      if (raw == null) {
        if (p.required()) {
          throw new IllegalArgumentException(tool + ": " + p.name() + " is required (" + p.description() + ")");
        }
        if (p.defaultValue() != null) {
          values.put(p.name(), p.defaultValue());
        }
        continue;
      }
      values.put(p.name(), convert(p, raw));
    }
    return new ToolArguments(tool, values);
  }

  private Object convert(Parameter p, Object raw) {
    String where = tool + ": " + p.name();
    return switch (p.kind()) {
      case DATE -> {
        String text = requireString(where, raw, DATE_FORMAT);
        if (!DATE.matcher(text).matches()) {
          throw new IllegalArgumentException(where + " must be " + DATE_FORMAT + ", got " + quote(text));
        }
        try {
          yield LocalDate.parse(text);
        } catch (DateTimeParseException e) { // a day that does not exist, such as 2026-02-30
          throw new IllegalArgumentException(where + " must be " + DATE_FORMAT + ", got " + quote(text), e);
        }
      }
      case TEXT -> {
        String text = requireString(where, raw, "a non-empty string");
        if (text.isBlank() || text.length() > MAX_TEXT_CHARS) {
          throw new IllegalArgumentException(where + " must be a non-empty string of at most " + MAX_TEXT_CHARS + " characters, got "
              + quote(text.length() > 40 ? text.substring(0, 40) + "..." : text));
        }
        yield text;
      }
      case CHOICE -> {
        String text = requireString(where, raw, "one of " + String.join(", ", p.choices()));
        if (!p.choices().contains(text)) {
          throw new IllegalArgumentException(where + " must be one of " + String.join(", ", p.choices()) + ", got " + quote(text));
        }
        yield text;
      }
      case INTEGER -> {
        BigDecimal number = requireNumber(where, raw, "an integer from " + p.minimum() + " to " + p.maximum());
        if (number.stripTrailingZeros().scale() > 0 || number.compareTo(p.minimum()) < 0 || number.compareTo(p.maximum()) > 0) {
          throw new IllegalArgumentException(where + " must be an integer from " + p.minimum() + " to " + p.maximum() + ", got " + raw);
        }
        yield number.intValueExact();
      }
      case NUMBER -> {
        String range = (p.minimumExclusive() ? "greater than " + p.minimum() + " and at most " : "from " + p.minimum() + " to ")
            + p.maximum();
        BigDecimal number = requireNumber(where, raw, "a number " + range);
        int low = number.compareTo(p.minimum());
        if (low < 0 || (low == 0 && p.minimumExclusive()) || number.compareTo(p.maximum()) > 0) {
          throw new IllegalArgumentException(where + " must be a number " + range + ", got " + raw);
        }
        yield number;
      }
    };
  }

  private static String requireString(String where, Object raw, String expected) {
    if (raw instanceof String text) {
      return text;
    }
    throw new IllegalArgumentException(where + " must be " + expected + ", got " + describe(raw));
  }

  private static BigDecimal requireNumber(String where, Object raw, String expected) {
    BigDecimal number = switch (raw) {
      case Integer i -> BigDecimal.valueOf(i);
      case Long l -> BigDecimal.valueOf(l);
      case Short s -> BigDecimal.valueOf(s);
      case Byte b -> BigDecimal.valueOf(b);
      case java.math.BigInteger i -> new BigDecimal(i);
      case BigDecimal d -> d;
      case Double d when Double.isFinite(d) -> BigDecimal.valueOf(d);
      case Float f when Float.isFinite(f) -> new BigDecimal(Float.toString(f));
      default -> null;
    };
    if (number == null) {
      throw new IllegalArgumentException(where + " must be " + expected + ", got " + describe(raw));
    }
    return number;
  }

  private static String describe(Object raw) {
    return raw instanceof String text ? quote(text) + " (a string)" : raw + " (" + raw.getClass().getSimpleName() + ")";
  }

  private static String quote(String text) {
    return "'" + text + "'";
  }
}

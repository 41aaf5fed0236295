package ai.netra.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.JsonGeneratorDelegate;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.StringWriter;

/** The service's JSON mapper for its own wire shapes: snake_case names, records, ISO-8601 times, nulls kept. */
public final class Json {

  private static final ObjectMapper MAPPER = build();

  private Json() { }

  private static ObjectMapper build() {
    return JsonMapper.builder()
        .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
        .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
        .addModule(new JavaTimeModule())
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .build();
  }

  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /**
   * A mapper of its own with the same settings, for replies that must never wait for other work. The first time a
   * mapper meets a type it builds a serializer for it while holding its cache's lock, and every write through that
   * mapper meanwhile waits for the lock: on one CPU a chat run serializing its first events held health probes up
   * for 60 to 250 ms.
   */
  public static ObjectMapper separateMapper() {
    return build();
  }

  /**
   * Writes {@code value} as JSON.
   *
   * @throws IllegalArgumentException when the value cannot be written (a defect in a wire type)
   */
  public static String write(Object value) {
    return write(MAPPER, value);
  }

  /** {@link #write(Object)} with {@code mapper}, one of {@link #separateMapper()}. */
  public static String write(ObjectMapper mapper, Object value) {
    try {
      return mapper.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot write " + value.getClass().getName() + " as JSON: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * Writes {@code value} as JSON with U+0000 and lone surrogates in its strings as U+FFFD: PostgreSQL's
   * {@code jsonb} refuses the one, and UTF-8 has no form for the other, and both can come from a model's text.
   *
   * @throws IllegalArgumentException when the value cannot be written (a defect in a wire type)
   */
  public static String writeClean(Object value) {
    StringWriter out = new StringWriter(128);
    try (JsonGenerator g = new Cleaning(MAPPER.createGenerator(out))) {
      MAPPER.writeValue(g, value);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot write " + value.getClass().getName() + " as JSON: " + e.getMessage(), e);
    }
    return out.toString();
  }

  /** Replaces U+0000 and lone surrogates with U+FFFD; returns {@code s} itself when it has neither (the usual case). */
  public static String clean(String s) {
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (c == 0 || Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
          continue;
        }
        return repair(s);
      }
    }
    return s;
  }

  private static String repair(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        b.append(c).append(s.charAt(++i));
      } else {
        b.append(c == 0 || Character.isSurrogate(c) ? '\uFFFD' : c);
      }
    }
    return b.toString();
  }

  /** Every string and field name through {@link #clean}. */
  private static final class Cleaning extends JsonGeneratorDelegate {
    Cleaning(JsonGenerator g) {
      super(g, false);
    }

    @Override
    public void writeString(String text) throws IOException {
      super.writeString(text == null ? null : clean(text));
    }

    @Override
    public void writeFieldName(String name) throws IOException {
      super.writeFieldName(clean(name));
    }
  }

  /** Pretty-printed {@link #write}, for files and terminals. */
  public static String writePretty(Object value) {
    try {
      return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot write " + value.getClass().getName() + " as JSON: " + e.getOriginalMessage(), e);
    }
  }
}

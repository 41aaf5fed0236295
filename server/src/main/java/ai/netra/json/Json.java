package ai.netra.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

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

  /** Pretty-printed {@link #write}, for files and terminals. */
  public static String writePretty(Object value) {
    try {
      return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot write " + value.getClass().getName() + " as JSON: " + e.getOriginalMessage(), e);
    }
  }
}

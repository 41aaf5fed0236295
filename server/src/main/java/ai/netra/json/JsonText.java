package ai.netra.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializable;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.jsontype.TypeSerializer;
import java.io.IOException;
import java.util.Objects;

/**
 * A value already written as JSON, written again as it is wherever it is part of another value. A tool's figures
 * are written once and go out three times in a run: in {@code tool_completed}, to the model, and in
 * {@code agent_completed}; a result kept for a question asked again is not written again at all.
 *
 * @param json JSON as {@link Json#writeClean} writes it
 */
public record JsonText(String json) implements JsonSerializable {

  public JsonText {
    Objects.requireNonNull(json, "json");
  }

  /** {@code value} written by {@link Json#writeClean}. */
  public static JsonText of(Object value) {
    return new JsonText(Json.writeClean(value));
  }

  @Override
  public void serialize(JsonGenerator g, SerializerProvider serializers) throws IOException {
    g.writeRawValue(json);
  }

  @Override
  public void serializeWithType(JsonGenerator g, SerializerProvider serializers, TypeSerializer typeSer)
      throws IOException {
    serialize(g, serializers);
  }

  @Override
  public String toString() {
    return json;
  }
}

package ai.netra.chat;

import ai.netra.json.Json;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.JsonGeneratorDelegate;
import java.io.IOException;
import java.io.StringWriter;
import java.time.Instant;
import java.util.UUID;

/**
 * Writes chat events with the service's JSON mapper. Strings are written with U+0000 and lone
 * surrogates as U+FFFD: PostgreSQL's {@code jsonb} refuses the one, and UTF-8 has no form for the other,
 * and both can come from a model's text.
 */
final class EventJson {

  private EventJson() { }

  /** The wire event; {@code runId} and {@code threadId} are null for events outside a run or thread. */
  record Envelope(String type, long eventId, UUID runId, UUID threadId, Instant timestamp, Object payload) { }

  /** {@code {type, event_id, run_id, thread_id, timestamp, payload}} of an event outside the store (event id 0). */
  static String event(String type, UUID runId, UUID threadId, Instant timestamp, Object payload) {
    return write(new Envelope(type, 0, runId, threadId, timestamp, payload));
  }

  /** The payload alone, as stored. */
  static String write(Object payload) {
    StringWriter out = new StringWriter(128);
    try (JsonGenerator g = new Cleaning(Json.mapper().createGenerator(out))) {
      Json.mapper().writeValue(g, payload);
    } catch (IOException e) { // a payload type the mapper cannot write: a defect, caught by its serialization test
      throw new IllegalArgumentException("cannot write " + payload.getClass().getName() + " as JSON: " + e.getMessage(), e);
    }
    return out.toString();
  }

  /** Replaces U+0000 and lone surrogates with U+FFFD; returns {@code s} itself when it has neither (the usual case). */
  static String clean(String s) {
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
}

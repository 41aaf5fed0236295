package ai.netra.chat;

import ai.netra.json.Json;
import java.time.Instant;
import java.util.UUID;

/**
 * Writes chat events with the service's JSON mapper, strings with U+0000 and lone surrogates as U+FFFD
 * ({@link Json#writeClean}).
 */
final class EventJson {

  private EventJson() { }

  /** The wire event; {@code runId} and {@code threadId} are null for events outside a run or thread. */
  record Envelope(String type, long eventId, UUID runId, UUID threadId, Instant timestamp, Object payload) { }

  /** {@code {type, event_id, run_id, thread_id, timestamp, payload}} of an event outside the store (event id 0). */
  static String event(String type, UUID runId, UUID threadId, Instant timestamp, Object payload) {
    return write(new Envelope(type, 0, runId, threadId, timestamp, payload));
  }

  /** The payload alone, as stored: see {@link Json#writeClean}. */
  static String write(Object payload) {
    return Json.writeClean(payload);
  }
}

package ai.netra.chat;

import ai.netra.json.Json;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.UUID;

/** A frame from a client, read and checked: one of four messages, or the reason it was refused. */
sealed interface ClientMessage {

  /** The largest message a user may send, in characters. */
  int MAX_CONTENT = ChatStore.MAX_CONTENT_CHARS;

  record UserMessage(String content, UUID threadId) implements ClientMessage { }

  record Ping() implements ClientMessage { }

  record Resume(UUID threadId, long afterEventId) implements ClientMessage { }

  record StopAgent(UUID runId) implements ClientMessage { }

  /** A frame that is not a valid message; {@code code} is what the client's error event carries. */
  record Invalid(String code, String message) implements ClientMessage { }

  /**
   * A ping exactly as clients send it, recognised without building a JSON tree: pings are the one
   * frame a client may send many times a second. Any other spelling goes through the full parse.
   */
  String PING_FRAME = "{\"type\":\"ping\"}";

  /** Reads {@code {"type", "payload"}}; never throws. */
  static ClientMessage parse(String text) {
    if (PING_FRAME.equals(text)) {
      return new Ping(); // what Jackson would read, without building a tree
    }
    JsonNode frame;
    try {
      frame = Json.mapper().readTree(text);
    } catch (JsonProcessingException e) {
      return new Invalid("malformed_json", "the frame is not JSON: " + e.getOriginalMessage());
    }
    if (frame == null || !frame.isObject()) {
      return new Invalid("invalid_message", "a frame must be a JSON object {\"type\": ..., \"payload\": {...}}");
    }
    JsonNode type = frame.get("type");
    if (type == null || !type.isTextual()) {
      return new Invalid("invalid_message", "the frame has no \"type\" string");
    }
    JsonNode payload = frame.path("payload");
    if (!payload.isMissingNode() && !payload.isNull() && !payload.isObject()) {
      return new Invalid("invalid_message", "\"payload\" must be an object");
    }
    return switch (type.asText()) {
      case "ping" -> new Ping();
      case "user_message" -> userMessage(payload);
      case "resume" -> resume(payload);
      case "stop_agent" -> {
        Object run = uuid(payload, "run_id", true);
        yield run instanceof Invalid invalid ? invalid : new StopAgent((UUID) run);
      }
      default -> new Invalid("unknown_type", "unknown message type '" + truncate(type.asText())
          + "'; known: user_message, ping, resume, stop_agent");
    };
  }

  private static ClientMessage userMessage(JsonNode payload) {
    JsonNode content = payload.get("content");
    if (content == null || !content.isTextual() || content.asText().isBlank()) {
      return new Invalid("invalid_message", "user_message needs payload.content, a non-empty string");
    }
    if (content.asText().length() > MAX_CONTENT) {
      return new Invalid("message_too_long", "payload.content has " + content.asText().length() + " characters; the limit is "
          + MAX_CONTENT);
    }
    if (content.asText().indexOf('\0') >= 0) {
      return new Invalid("invalid_message", "payload.content must not contain NUL characters");
    }
    Object thread = uuid(payload, "thread_id", false);
    return thread instanceof Invalid invalid ? invalid : new UserMessage(content.asText(), (UUID) thread);
  }

  private static ClientMessage resume(JsonNode payload) {
    Object thread = uuid(payload, "thread_id", true);
    if (thread instanceof Invalid invalid) {
      return invalid;
    }
    JsonNode after = payload.get("after_event_id");
    if (after != null && !after.isNull() && (!after.canConvertToLong() || after.asLong() < 0 || !after.isIntegralNumber())) {
      return new Invalid("invalid_message", "resume needs payload.after_event_id, a whole number >= 0");
    }
    return new Resume((UUID) thread, after == null ? 0 : after.asLong());
  }

  /** The UUID in {@code payload.name}, null when absent and optional, or an {@link Invalid}. */
  private static Object uuid(JsonNode payload, String name, boolean required) {
    JsonNode value = payload.get(name);
    if (value == null || value.isNull()) {
      return required ? new Invalid("invalid_message", "payload." + name + " is required") : null;
    }
    try {
      return UUID.fromString(value.asText());
    } catch (IllegalArgumentException e) {
      return new Invalid("invalid_message", "payload." + name + " must be a UUID");
    }
  }

  private static String truncate(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }
}

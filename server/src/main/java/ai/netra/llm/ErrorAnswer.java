package ai.netra.llm;

import ai.netra.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.ConnectException;
import java.net.http.HttpHeaders;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * What an endpoint said when it did not answer 2xx: its status, its own error message (from
 * OpenAI's {@code {"error": {"message", "type", "code"}}} or the shapes other servers use, else the
 * start of the body), and how long it asked the client to wait ({@code Retry-After}).
 */
record ErrorAnswer(int status, String message, Duration retryAfter) {

  private static final int MAX_MESSAGE = 500;

  /** Reads an answer; {@code secret} (the API key) is cut out of the message if the server echoed it. */
  static ErrorAnswer of(int status, HttpHeaders headers, String body, String secret) {
    return new ErrorAnswer(status, redact(message(body), secret), retryAfter(headers, Instant.now()));
  }

  /** The provider's error message, or the start of the body when it is not a known JSON error shape. */
  static String message(String body) {
    if (body == null || body.isBlank()) {
      return "(no body)";
    }
    try {
      JsonNode tree = Json.mapper().readTree(body);
      JsonNode error = tree.path("error");
      String message = null;
      if (error.isObject()) {
        message = text(error.path("message"));
        String type = text(error.path("type"));
        String code = text(error.path("code"));
        String label = type != null ? type : code;
        if (message != null && label != null) {
          message = message + " [" + label + "]";
        } else if (message == null) {
          message = label;
        }
      } else if (error.isTextual()) {
        message = error.asText();
      }
      if (message == null) {
        message = Optional.ofNullable(text(tree.path("message"))).orElse(text(tree.path("detail")));
      }
      if (message != null) {
        return shorten(message);
      }
    } catch (Exception notJson) {
      // an HTML error page from a proxy, or plain text: shown as is, shortened
    }
    return shorten(body.strip());
  }

  /**
   * The wait the server asked for: {@code retry-after-ms} (OpenAI), else {@code Retry-After} in
   * seconds or as an HTTP date; null when absent or unreadable.
   */
  static Duration retryAfter(HttpHeaders headers, Instant now) {
    Optional<String> millis = headers.firstValue("retry-after-ms");
    if (millis.isPresent()) {
      try {
        double value = Double.parseDouble(millis.get().trim());
        if (value >= 0) {
          return Duration.ofMillis((long) Math.ceil(value));
        }
      } catch (NumberFormatException ignored) {
        // fall back to Retry-After
      }
    }
    Optional<String> header = headers.firstValue("retry-after");
    if (header.isEmpty()) {
      return null;
    }
    String value = header.get().trim();
    try {
      double seconds = Double.parseDouble(value);
      return seconds < 0 ? null : Duration.ofMillis((long) Math.ceil(seconds * 1000));
    } catch (NumberFormatException notSeconds) {
      try {
        Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        Duration wait = Duration.between(now, at);
        return wait.isNegative() ? Duration.ZERO : wait;
      } catch (DateTimeParseException unreadable) {
        return null;
      }
    }
  }

  /** {@code text} with every occurrence of {@code secret} replaced by a marker. */
  static String redact(String text, String secret) {
    // A very short "secret" would mangle ordinary words; real keys are long.
    if (text == null || secret == null || secret.length() < 6) {
      return text;
    }
    return text.replace(secret, "[LLM_API_KEY]");
  }

  /**
   * Why a request got no answer, in one line: the cause chain, with the JDK's bare exceptions
   * (a refused connection is a message-less ConnectException) put into words.
   */
  static String describe(Throwable failure) {
    StringBuilder text = new StringBuilder();
    for (Throwable t = failure; t != null && text.length() < MAX_MESSAGE; t = t.getCause()) {
      String words = t.getMessage() != null && !t.getMessage().isBlank() ? t.getMessage()
          : t instanceof UnresolvedAddressException ? "host name not found"
          : t instanceof ClosedChannelException ? "connection refused"
          : t instanceof ConnectException ? null
          : t.getClass().getSimpleName();
      if (words != null) {
        text.append(text.isEmpty() ? "" : ": ").append(words);
      }
    }
    return text.isEmpty() ? failure.getClass().getSimpleName() : text.toString();
  }

  private static String text(JsonNode node) {
    return node.isTextual() && !node.asText().isBlank() ? node.asText() : node.isNumber() ? node.asText() : null;
  }

  private static String shorten(String text) {
    String oneLine = text.replaceAll("\\s+", " ");
    return oneLine.length() <= MAX_MESSAGE ? oneLine : oneLine.substring(0, MAX_MESSAGE) + "...";
  }
}

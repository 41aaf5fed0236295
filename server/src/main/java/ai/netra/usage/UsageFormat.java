package ai.netra.usage;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.Locale;
import java.util.Optional;

/**
 * How an upload of usage rows is written: CSV with a header row, JSON lines (one object per line), or OpenAI's
 * organization usage export (pages of {@code /v1/organization/usage/completions}). JSON lines and the export are
 * told apart by their text, whichever of the two an upload is declared as (see {@link #ofJson}).
 */
public enum UsageFormat {
  CSV,
  JSONL,
  OPENAI_USAGE;

  /** The media types {@link #fromContentType} accepts, for error messages. */
  public static final String ACCEPTED_TYPES = "text/csv, application/x-ndjson, application/jsonl, application/json";

  /**
   * The format a {@code Content-Type} names: {@code text/csv}, or {@code application/x-ndjson},
   * {@code application/jsonl} (also {@code application/x-jsonlines}), or {@code application/json} (OpenAI's usage
   * export); a charset, if given, must be UTF-8. Empty for anything else.
   */
  public static Optional<UsageFormat> fromContentType(String contentType) {
    if (contentType == null) {
      return Optional.empty();
    }
    String[] parts = contentType.split(";");
    for (int i = 1; i < parts.length; i++) {
      String[] kv = parts[i].split("=", 2);
      if (kv[0].strip().equalsIgnoreCase("charset")) {
        String charset = kv.length > 1 ? kv[1].strip().replace("\"", "") : "";
        if (!charset.equalsIgnoreCase("utf-8") && !charset.equalsIgnoreCase("utf8")) {
          return Optional.empty();
        }
      }
    }
    return switch (parts[0].strip().toLowerCase(Locale.ROOT)) {
      case "text/csv" -> Optional.of(CSV);
      case "application/x-ndjson", "application/jsonl", "application/x-jsonlines", "application/jsonlines" ->
          Optional.of(JSONL);
      case "application/json" -> Optional.of(OPENAI_USAGE);
      default -> Optional.empty();
    };
  }

  /**
   * {@code csv}, {@code jsonl} (also {@code ndjson}), or {@code openai} (also {@code json}, the extension of the
   * export), as a user types it or a file ends; empty for anything else.
   */
  public static Optional<UsageFormat> fromName(String name) {
    return switch (name == null ? "" : name.strip().toLowerCase(Locale.ROOT)) {
      case "csv" -> Optional.of(CSV);
      case "jsonl", "ndjson", "jsonlines" -> Optional.of(JSONL);
      case "openai", "json" -> Optional.of(OPENAI_USAGE);
      default -> Optional.empty();
    };
  }

  /**
   * Which of the JSON formats a text is, from its start (a byte order mark and white space skipped): an array, or an
   * object whose first fields say it is a page ({@code "object": "page"}, or {@code data}, {@code has_more},
   * {@code next_page} before any other), is OpenAI's usage export; anything else, JSON lines, whose reading names
   * what is wrong with it.
   */
  static UsageFormat ofJson(String start) {
    int i = 0;
    while (i < start.length() && (start.charAt(i) == '\uFEFF' || Character.isWhitespace(start.charAt(i)))) {
      i++;
    }
    if (i == start.length()) {
      return JSONL;
    }
    if (start.charAt(i) == '[') {
      return OPENAI_USAGE;
    }
    try (JsonParser parser = SNIFFER.createParser(start.substring(i))) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return JSONL;
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        switch (name) {
          case "object" -> {
            return value == JsonToken.VALUE_STRING && parser.getText().equals("page") ? OPENAI_USAGE : JSONL;
          }
          case "data", "has_more", "next_page" -> {
            return OPENAI_USAGE;
          }
          default -> parser.skipChildren();
        }
      }
    } catch (IOException e) {
      // the start ends inside a value, or is not JSON: reading it as JSON lines says where
    }
    return JSONL;
  }

  private static final JsonFactory SNIFFER = new JsonFactory();
}

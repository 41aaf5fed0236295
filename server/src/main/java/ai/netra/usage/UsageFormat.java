package ai.netra.usage;

import java.util.Locale;
import java.util.Optional;

/** How an upload of usage rows is written: CSV with a header row, or JSON lines (one object per line). */
public enum UsageFormat {
  CSV,
  JSONL;

  /** The media types {@link #fromContentType} accepts, for error messages. */
  public static final String ACCEPTED_TYPES = "text/csv, application/x-ndjson, application/jsonl";

  /**
   * The format a {@code Content-Type} names: {@code text/csv}, or {@code application/x-ndjson},
   * {@code application/jsonl} (also {@code application/x-jsonlines}); a charset, if given, must be
   * UTF-8. Empty for anything else.
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
      default -> Optional.empty();
    };
  }

  /** {@code csv} or {@code jsonl} (also {@code ndjson}), as a user types it; empty for anything else. */
  public static Optional<UsageFormat> fromName(String name) {
    return switch (name == null ? "" : name.strip().toLowerCase(Locale.ROOT)) {
      case "csv" -> Optional.of(CSV);
      case "jsonl", "ndjson", "jsonlines" -> Optional.of(JSONL);
      default -> Optional.empty();
    };
  }
}

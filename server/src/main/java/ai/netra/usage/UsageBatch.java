package ai.netra.usage;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;

/**
 * One user's rows for {@code llm_usage}, already written in PostgreSQL's COPY text format, ready to
 * be sent in one COPY. Kept as bytes rather than objects: a row costs about its size in the upload
 * (~100 bytes) instead of several hundred bytes of objects, which bounds the memory of an import.
 */
final class UsageBatch {

  /** The columns each line holds, in order. */
  static final String COLUMNS =
      "user_id, occurred_at, provider, model, feature, prompt_tokens, completion_tokens, latency_ms, prompt_hash, status";

  private final String userId;
  private final String userField;
  private final StringBuilder line = new StringBuilder(256);
  private byte[] bytes = new byte[64 * 1024];
  private int size;
  private int rows;
  private Instant first;
  private Instant last;

  UsageBatch(String userId) {
    this.userId = userId;
    this.userField = escape(userId);
  }

  String userId() {
    return userId;
  }

  void add(UsageRecord r) {
    Instant at = r.occurredAt().truncatedTo(ChronoUnit.MICROS); // what timestamptz keeps
    line.setLength(0);
    line.append(userField).append('\t')
        .append(at).append('\t')
        .append(escape(r.provider())).append('\t')
        .append(escape(r.model())).append('\t')
        .append(escape(r.feature())).append('\t')
        .append(r.promptTokens()).append('\t')
        .append(r.completionTokens()).append('\t')
        .append(r.latencyMs() == null ? "\\N" : r.latencyMs().toString()).append('\t')
        .append(r.promptHash() == null ? "\\N" : escape(r.promptHash())).append('\t')
        .append(r.status()).append('\n');
    byte[] encoded = line.toString().getBytes(StandardCharsets.UTF_8);
    if (size + encoded.length > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + encoded.length));
    }
    System.arraycopy(encoded, 0, bytes, size, encoded.length);
    size += encoded.length;
    rows++;
    first = first == null || at.isBefore(first) ? at : first;
    last = last == null || at.isAfter(last) ? at : last;
  }

  /** Drops the rows kept so far (an import that will be refused need not hold them); the count stays. */
  void discard() {
    bytes = new byte[0];
    size = 0;
  }

  int rows() {
    return rows;
  }

  /** The earliest time of a row, or null when there is none. */
  Instant first() {
    return first;
  }

  /** The latest time of a row, or null when there is none. */
  Instant last() {
    return last;
  }

  /** The COPY text of every row kept. */
  InputStream copyText() {
    return new ByteArrayInputStream(bytes, 0, size);
  }

  /** COPY's text format: backslash, tab and line breaks are escaped; NUL is refused earlier, as text cannot hold it. */
  private static String escape(String value) {
    boolean plain = true;
    for (int i = 0; i < value.length() && plain; i++) {
      char c = value.charAt(i);
      plain = c != '\\' && c != '\t' && c != '\n' && c != '\r';
    }
    if (plain) {
      return value;
    }
    StringBuilder out = new StringBuilder(value.length() + 8);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '\t' -> out.append("\\t");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}

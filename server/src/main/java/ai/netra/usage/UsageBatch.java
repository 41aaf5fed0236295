package ai.netra.usage;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * One user's rows for {@code llm_usage}, already written in PostgreSQL's binary COPY format, ready
 * to be sent in one COPY. Kept as bytes rather than objects: a row costs about its size in an
 * upload (~150 bytes) instead of several hundred bytes of objects, which bounds the memory of an
 * import. Binary rather than text: no time or number formatting here and no parsing in the server,
 * which matters when a start seeds tens of thousands of rows.
 */
final class UsageBatch {

  /** The columns each row holds, in order. */
  static final String COLUMNS =
      "user_id, occurred_at, provider, model, feature, prompt_tokens, completion_tokens, latency_ms, prompt_hash, status,"
      + " cached_tokens, cache_write_tokens, reasoning_tokens, requests";
  private static final int FIELDS = 14;
  /** "PGCOPY\n\377\r\n\0", then flags and the length of the header extension, both 0. */
  private static final byte[] HEADER = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0, 0, 0, 0, 0, 0, 0, 0, 0};
  /** timestamptz is sent as microseconds since 2000-01-01T00:00:00Z. */
  private static final long POSTGRES_EPOCH_SECONDS = Instant.parse("2000-01-01T00:00:00Z").getEpochSecond();
  /** Distinct short values (provider, model, feature, status) whose bytes are kept; a few in practice. */
  private static final int CACHED_VALUES = 1_024;

  private final String userId;
  private final byte[] user;
  private final Map<String, byte[]> encoded = new HashMap<>();
  private byte[] bytes = new byte[64 * 1024];
  private int size;
  private int rows;
  private Instant first;
  private Instant last;

  UsageBatch(String userId) {
    this.userId = userId;
    this.user = userId.getBytes(StandardCharsets.UTF_8);
    reset();
  }

  String userId() {
    return userId;
  }

  void add(UsageRecord r) {
    Instant at = r.occurredAt();
    byte[] provider = cached(r.provider());
    byte[] model = cached(r.model());
    byte[] feature = cached(r.feature());
    byte[] status = cached(r.status());
    byte[] hash = r.promptHash() == null ? null : r.promptHash().getBytes(StandardCharsets.UTF_8);
    ensure(2 + FIELDS * 4 + user.length + 8 + provider.length + model.length + feature.length + 12
        + (hash == null ? 0 : hash.length) + status.length + 16);
    putShort(FIELDS);
    putText(user);
    putInt(8);
    putLong((at.getEpochSecond() - POSTGRES_EPOCH_SECONDS) * 1_000_000 + at.getNano() / 1_000);
    putText(provider);
    putText(model);
    putText(feature);
    putInt(4);
    putInt(r.promptTokens());
    putInt(4);
    putInt(r.completionTokens());
    if (r.latencyMs() == null) {
      putInt(-1);
    } else {
      putInt(4);
      putInt(r.latencyMs());
    }
    if (hash == null) {
      putInt(-1);
    } else {
      putText(hash);
    }
    putText(status);
    putInt(4);
    putInt(r.cachedTokens());
    putInt(4);
    putInt(r.cacheWriteTokens());
    putInt(4);
    putInt(r.reasoningTokens());
    putInt(4);
    putInt(r.requests());
    rows++;
    first = first == null || at.isBefore(first) ? at : first;
    last = last == null || at.isAfter(last) ? at : last;
  }

  /** Drops the rows kept so far (an import that will be refused need not hold them); the count stays. */
  void discard() {
    bytes = new byte[HEADER.length];
    reset();
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

  /** The COPY data of every row kept, with the trailer that ends it. */
  InputStream copyData() {
    ensure(2);
    int end = size;
    bytes[end] = (byte) 0xff; // the trailer: a field count of -1
    bytes[end + 1] = (byte) 0xff;
    return new ByteArrayInputStream(bytes, 0, end + 2);
  }

  private void reset() {
    System.arraycopy(HEADER, 0, bytes, 0, HEADER.length);
    size = HEADER.length;
  }

  private byte[] cached(String value) {
    byte[] found = encoded.get(value);
    if (found == null) {
      found = value.getBytes(StandardCharsets.UTF_8);
      if (encoded.size() < CACHED_VALUES) {
        encoded.put(value, found);
      }
    }
    return found;
  }

  private void ensure(int more) {
    if (size + more > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
    }
  }

  private void putText(byte[] text) {
    putInt(text.length);
    System.arraycopy(text, 0, bytes, size, text.length);
    size += text.length;
  }

  private void putShort(int v) {
    bytes[size++] = (byte) (v >>> 8);
    bytes[size++] = (byte) v;
  }

  private void putInt(int v) {
    bytes[size++] = (byte) (v >>> 24);
    bytes[size++] = (byte) (v >>> 16);
    bytes[size++] = (byte) (v >>> 8);
    bytes[size++] = (byte) v;
  }

  private void putLong(long v) {
    putInt((int) (v >>> 32));
    putInt((int) v);
  }
}

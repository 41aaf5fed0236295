package ai.netra.deploy;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as operators write timeouts ({@code 500ms}, {@code 20s}, {@code 1m30s}) and as the deploy tools print them. */
public final class DurationText {

  private static final Pattern PART = Pattern.compile("(\\d{1,9}(?:\\.\\d{1,3})?)(ms|s|m|h)");

  private DurationText() { }

  /**
   * The duration written in {@code text}; {@code 0} is allowed (it means "none" for latencies).
   *
   * @throws IllegalArgumentException naming the value when it is empty, unreadable or negative
   */
  public static Duration parse(String text) {
    String value = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
    if (value.isEmpty()) {
      throw new IllegalArgumentException("an empty duration; write e.g. 500ms, 20s, 4m or 1m30s");
    }
    if (value.startsWith("p")) {
      Duration iso;
      try {
        iso = Duration.parse(value.toUpperCase(Locale.ROOT));
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("'" + text + "' is not an ISO-8601 duration like PT20S");
      }
      if (iso.isNegative()) {
        throw new IllegalArgumentException("'" + text + "' is negative");
      }
      return iso;
    }
    if (value.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = PART.matcher(value);
    long nanos = 0;
    int end = 0;
    while (m.find() && m.start() == end) {
      double unitNanos = switch (m.group(2)) {
        case "ms" -> 1e6;
        case "s" -> 1e9;
        case "m" -> 60e9;
        default -> 3600e9;
      };
      nanos += Math.round(Double.parseDouble(m.group(1)) * unitNanos);
      end = m.end();
    }
    if (end == 0 || end != value.length()) {
      throw new IllegalArgumentException("'" + text + "' is not a duration; write e.g. 500ms, 20s, 1.5s, 4m or 1m30s");
    }
    return Duration.ofNanos(nanos);
  }

  /** {@code 850 ms}, {@code 1.25 s}, {@code 240 s}. */
  public static String format(Duration d) {
    return millis(d.toMillis());
  }

  /** {@link #format} for a count of milliseconds. */
  public static String millis(long ms) {
    if (Math.abs(ms) < 1000) {
      return ms + " ms";
    }
    if (ms % 1000 == 0) {
      return ms / 1000 + " s";
    }
    return String.format(Locale.ROOT, "%.2f s", ms / 1000.0);
  }
}

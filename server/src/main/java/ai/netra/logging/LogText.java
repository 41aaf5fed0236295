package ai.netra.logging;

import ai.netra.startup.Startup;
import org.slf4j.Marker;

/**
 * Keeps a text log line one line: whatever a log line prints (a user's id, a message, a driver's error)
 * cannot start a line of its own and pass for a record the service wrote.
 */
public final class LogText {

  /**
   * Marks a record written over several lines on purpose (the failure record, the diagnostics, the startup
   * table): the text layout keeps its line feeds, and its writer escapes every value it puts in.
   */
  public static final Marker BLOCK = Startup.MULTILINE;

  private LogText() { }

  /**
   * {@code text} with every control character written out: {@code \n}, {@code \r} and {@code \t} as
   * such, others (C0, DEL, C1, and the Unicode line and paragraph separators) as {@code \}{@code uXXXX};
   * null as {@code null}. Text without any comes back as it was.
   */
  public static String escape(CharSequence text) {
    return escape(text, false);
  }

  /** {@link #escape}, keeping line feeds when {@code keepLineFeeds}. */
  static String escape(CharSequence text, boolean keepLineFeeds) {
    if (text == null) {
      return "null";
    }
    int first = -1;
    for (int i = 0; i < text.length(); i++) {
      if (needsEscape(text.charAt(i), keepLineFeeds)) {
        first = i;
        break;
      }
    }
    if (first < 0) {
      return text.toString();
    }
    StringBuilder out = new StringBuilder(text.length() + 16).append(text, 0, first);
    for (int i = first; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!needsEscape(c, keepLineFeeds)) {
        out.append(c);
        continue;
      }
      switch (c) {
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> out.append(String.format("\\u%04x", (int) c));
      }
    }
    return out.toString();
  }

  private static boolean needsEscape(char c, boolean keepLineFeeds) {
    if (c == '\n') {
      return !keepLineFeeds;
    }
    return c < 0x20 || c >= 0x7f && c <= 0x9f || c == '\u2028' || c == '\u2029';
  }
}

package ai.netra.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.LayoutBase;
import java.util.List;
import org.slf4j.Marker;

/**
 * {@code HH:mm:ss.SSS LEVEL logger [component] - message} in UTC, with any exception below. Control
 * characters in the message, its arguments, the component and exception messages are escaped
 * ({@link LogText#escape}), so a newline in a user's text never starts a line; only a record marked
 * {@link LogText#BLOCK} keeps the line breaks its writer put in. Written
 * out here rather than as a logback pattern because compiling a PatternLayout registers some seventy
 * converters, about 100 ms of a one-CPU start that happens before the port is bound.
 */
final class TextLayout extends LayoutBase<ILoggingEvent> {

  @Override
  public String doLayout(ILoggingEvent event) {
    StringBuilder line = new StringBuilder(128);
    long ms = Math.floorMod(event.getTimeStamp(), 86_400_000L);
    pad(line, ms / 3_600_000, 2).append(':');
    pad(line, ms / 60_000 % 60, 2).append(':');
    pad(line, ms / 1000 % 60, 2).append('.');
    pad(line, ms % 1000, 3).append(' ');
    String level = event.getLevel().toString();
    line.append(level).append(" ".repeat(Math.max(1, 6 - level.length())));
    String logger = event.getLoggerName();
    line.append(logger, logger.lastIndexOf('.') + 1, logger.length());
    String component = event.getMDCPropertyMap().get("component");
    if (component != null) {
      line.append(" [").append(LogText.escape(component)).append(']');
    }
    line.append(" - ").append(message(event)).append('\n');
    for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
      line.append(t == event.getThrowableProxy() ? "" : "Caused by: ").append(t.getClassName()).append(": ")
          .append(LogText.escape(t.getMessage())).append('\n');
      for (StackTraceElementProxy frame : t.getStackTraceElementProxyArray()) {
        line.append("\tat ").append(frame.getStackTraceElement()).append('\n');
      }
    }
    return line.toString();
  }

  /** The message, escaped; a {@link LogText#BLOCK} keeps its line feeds (its writer escaped the values in it). */
  private static String message(ILoggingEvent event) {
    return LogText.escape(event.getFormattedMessage(), block(event.getMarkerList()));
  }

  private static boolean block(List<Marker> markers) {
    return markers != null && markers.stream().anyMatch(m -> m.getName().equals(LogText.BLOCK.getName()));
  }

  private static StringBuilder pad(StringBuilder out, long value, int width) {
    String digits = Long.toString(value);
    for (int i = digits.length(); i < width; i++) {
      out.append('0');
    }
    return out.append(digits);
  }
}

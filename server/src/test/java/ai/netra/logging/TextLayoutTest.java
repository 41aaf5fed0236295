package ai.netra.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 16: a user id with a newline forged lines in text logs. Whatever a text log line prints (the message,
 * its arguments, the component, an exception's messages), a control character in it never starts a new line.
 */
class TextLayoutTest {

  private final LoggerContext context = new LoggerContext();
  private final Logger logger = context.getLogger("ai.netra.chat.ChatService");
  private final TextLayout layout = new TextLayout();

  TextLayoutTest() {
    layout.setContext(context);
    layout.start();
  }

  private String line(String message, Object[] args, Throwable thrown, Map<String, String> mdc) {
    LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, Level.WARN, message, thrown, args);
    event.setMDCPropertyMap(mdc);
    return layout.doLayout(event);
  }

  /** Lines that start like a log record: a time, then a level. */
  private static long records(String text) {
    return text.lines().filter(l -> l.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} .*")).count();
  }

  @Test
  void aNewlineInAnArgumentTheMessageOrTheComponentStaysOnTheLine() {
    String forged = "eve\n00:00:00.000 INFO  Service - user admin signed in\r\u2028\u0007\u001b[31m";
    String text = line("user {} sent {}", new Object[] {forged, "a\tb"}, null, Map.of("component", "chat\nFAKE"));
    assertThat(text).as("one line, ended by the layout's own newline").endsWith("\n").hasLineCount(1);
    assertThat(text).contains("eve\\n00:00:00.000 INFO  Service - user admin signed in\\r\\u2028\\u0007\\u001b[31m",
        "a\\tb", "[chat\\nFAKE]");
    assertThat(line("built by concatenation: " + forged, null, null, Map.of())).hasLineCount(1);
  }

  @Test
  void exceptionMessagesAreEscapedAndTheStackTraceStillFollows() {
    Exception thrown = new IllegalStateException("bad sub 'eve\nINFO forged'", new RuntimeException("cause\r\nline"));
    String text = line("request failed", null, thrown, Map.of());
    assertThat(records(text)).as("one record").isEqualTo(1);
    assertThat(text).contains("java.lang.IllegalStateException: bad sub 'eve\\nINFO forged'",
        "Caused by: java.lang.RuntimeException: cause\\r\\nline", "\tat ai.netra.logging.TextLayoutTest");
    assertThat(text.lines().filter(l -> !l.startsWith("\tat ")).count()).as("the record line and one per cause")
        .isEqualTo(3);
  }

  @Test
  void aMultilineRecordKeepsItsLineBreaksButNotOtherControlCharacters() {
    String text = line("STARTUP FAILED\n  step: jwks\n  cause:\n    {}", new Object[] {LogText.escape("x\ny\u0007")},
        null, Map.of());
    assertThat(text).as("no BLOCK marker: one line").hasLineCount(1);
    LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, Level.ERROR,
        "STARTUP FAILED\n  step: jwks\n  cause:\n    {}\u0007", null, new Object[] {LogText.escape("x\ny")});
    event.addMarker(LogText.BLOCK);
    event.setMDCPropertyMap(Map.of());
    String block = layout.doLayout(event);
    assertThat(block.lines().toList()).as("the record's own lines; the value escaped by its writer")
        .hasSize(4).last().asString().isEqualTo("    x\\ny\\u0007");
  }

  @Test
  void plainTextIsUnchanged() {
    assertThat(LogText.escape("auth0|64b1f0 naïve ✓ C:\\path")).isEqualTo("auth0|64b1f0 naïve ✓ C:\\path");
  }
}

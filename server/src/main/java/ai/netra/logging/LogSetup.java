package ai.netra.logging;

import ai.netra.config.Settings;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import net.logstash.logback.encoder.LogstashEncoder;

/**
 * Configures logging in code (no XML to parse at startup): readable lines by default, one JSON
 * object per line with {@code severity}, {@code message}, {@code logger} and {@code time} (what
 * Cloud Logging parses) when {@code NETRA_LOG_FORMAT=json} or on Cloud Run.
 */
public final class LogSetup extends ContextAwareBase implements Configurator {

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.INFO);
    root.addAppender(console(context, Settings.processEnvironment()));
    context.getLogger("org.eclipse.jetty").setLevel(Level.WARN);
    context.getLogger("com.zaxxer.hikari").setLevel(Level.WARN);
    context.getLogger("org.flywaydb").setLevel(Level.WARN);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /**
   * Writes the log in the format {@code env} asks for from now on: {@code serve --env-file} reads its settings after
   * logging was set up from the process environment.
   */
  public static void use(java.util.Map<String, String> env) {
    if (org.slf4j.LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
      var previous = root.getAppender("console");
      root.addAppender(console(context, env));
      if (previous != null) {
        root.detachAppender(previous);
        previous.stop();
      }
    }
  }

  private static ConsoleAppender<ILoggingEvent> console(LoggerContext context, java.util.Map<String, String> env) {
    boolean json = Settings.logFormat(env) == Settings.LogFormat.JSON;
    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(context);
    console.setName("console");
    console.setEncoder(json ? jsonEncoder(context) : textEncoder(context));
    console.start();
    return console;
  }

  private static Encoder<ILoggingEvent> textEncoder(LoggerContext context) {
    TextLayout layout = new TextLayout();
    layout.setContext(context);
    layout.start();
    LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
    encoder.setContext(context);
    encoder.setLayout(layout);
    encoder.start();
    return encoder;
  }

  private static Encoder<ILoggingEvent> jsonEncoder(LoggerContext context) {
    LogstashEncoder encoder = new LogstashEncoder();
    encoder.setContext(context);
    encoder.getFieldNames().setLevel("severity");
    encoder.getFieldNames().setTimestamp("time");
    encoder.getFieldNames().setLevelValue("[ignore]");
    encoder.getFieldNames().setVersion("[ignore]");
    encoder.getFieldNames().setLogger("logger");
    encoder.getFieldNames().setThread("thread");
    encoder.start();
    return encoder;
  }
}

package ai.netra.boot;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** What the shutdown says about each thing it closes: closed, failed with the real cause, or not done in time. */
class OpenResourcesTest {

  private final Logger logger = (Logger) LoggerFactory.getLogger(OpenResources.class);
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

  @BeforeEach
  void listen() {
    lines.start();
    logger.addAppender(lines);
  }

  @AfterEach
  void stopListening() {
    logger.detachAppender(lines);
  }

  @Test
  void closesNewestFirstAndSaysWhatFailedAndWhatWasNotDoneInTime() {
    OpenResources resources = new OpenResources();
    resources.closeAtShutdown("database pool", () -> Thread.sleep(5_000));
    resources.closeAtShutdown("Redis", () -> {
      throw new IOException("connection reset");
    });
    resources.closeAtShutdown("event bus", () -> { });

    resources.closeAll(Duration.ofMillis(300));

    List<String> said = lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    assertThat(said).containsExactly(
        "closed event bus",
        "closing Redis failed: java.io.IOException: connection reset",
        said.get(2));
    assertThat(said.get(2)).startsWith("closing database pool: not done within the ")
        .endsWith(" ms of the shutdown left for it; the process exits without waiting longer");
  }
}

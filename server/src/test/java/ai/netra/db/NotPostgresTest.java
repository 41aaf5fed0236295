package ai.netra.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.netra.config.DatabaseSettings;
import ai.netra.config.PoolSettings;
import ai.netra.startup.DependencyException;
import ai.netra.testing.OneReplyServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A database address where something else answers (a web server, Redis, a proxy that is not PostgreSQL's): the
 * failure says so, instead of the driver's "An error occurred while setting up the SSL connection".
 */
class NotPostgresTest {

  @Test
  void anAddressWhereAWebServerAnswersIsNamedAsNotPostgres() throws IOException {
    try (OneReplyServer web = OneReplyServer.answering(
        "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII))) {
      DatabaseSettings settings = new DatabaseSettings("127.0.0.1", web.port(), "netra", "app", "secret", false,
          null, "DATABASE_URL");

      assertThatThrownBy(() -> Database.connect(settings, new PoolSettings(2, 0, 1, 100), Duration.ofSeconds(5)))
          .isInstanceOf(DependencyException.class)
          .hasMessageContaining("PostgreSQL at 127.0.0.1:" + web.port() + " not reachable: something answered"
              + " there, but not as PostgreSQL does")
          .satisfies(e -> assertThat(((DependencyException) e).hint())
              .contains("another service, or a proxy that does not speak PostgreSQL's protocol"));
    }
  }
}

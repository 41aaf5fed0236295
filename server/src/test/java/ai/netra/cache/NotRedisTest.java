package ai.netra.cache;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.netra.startup.DependencyException;
import ai.netra.testing.OneReplyServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A Redis address whose server hangs up without a word, as one that accepts only TLS does to a plain connection:
 * the failure says what that can mean, instead of Jedis's "Unexpected end of stream". And one where nothing listens:
 * the failure says the connection was refused, instead of Jedis's bare "Failed to connect".
 */
class NotRedisTest {

  @Test
  void aServerThatHangsUpIsNamedWithTheTlsPossibility() throws IOException {
    try (OneReplyServer hangsUp = OneReplyServer.hangingUp()) {
      assertThatThrownBy(() -> Redis.connect("redis://127.0.0.1:" + hangsUp.port(), "test:", Duration.ofSeconds(3)))
          .isInstanceOf(DependencyException.class)
          .hasMessageContaining("Redis at 127.0.0.1:" + hangsUp.port() + " not reachable: the server closed the"
              + " connection without answering: either it is not Redis, or it accepts only TLS (then use rediss:// in"
              + " REDIS_URL)");
    }
  }

  @Test
  void anAddressWhereNothingListensIsNamedAsRefused() throws IOException {
    int nothing;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      nothing = s.getLocalPort(); // free once closed: connects to it are refused
    }
    assertThatThrownBy(() -> Redis.connect("redis://127.0.0.1:" + nothing, "test:", Duration.ofSeconds(3)))
        .isInstanceOf(DependencyException.class)
        .hasMessageContaining("Redis at 127.0.0.1:" + nothing + " not reachable: the connection was refused (Connection refused)");
  }
}

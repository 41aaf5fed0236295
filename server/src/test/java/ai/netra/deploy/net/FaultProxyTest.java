package ai.netra.deploy.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** The fault proxy itself, against a tiny echo server: each mode does what the dependency tests rely on. */
class FaultProxyTest {

  @Test
  void forwardIsAPlainPipeBothWays() throws Exception {
    try (EchoServer echo = new EchoServer(); FaultProxy proxy = new FaultProxy("127.0.0.1", echo.port());
        Socket s = connect(proxy)) {
      assertThat(roundTrip(s, "hello")).as("echo through a forwarding proxy").isEqualTo("hello");
      assertThat(roundTrip(s, "again")).isEqualTo("again");
    }
  }

  @Test
  void absentRefusesConnectsAndListensAgainOnTheSamePortWhenSwitchedBack() throws Exception {
    try (EchoServer echo = new EchoServer(); FaultProxy proxy = new FaultProxy("127.0.0.1", echo.port(), FaultProxy.Mode.ABSENT)) {
      int port = proxy.port();
      assertThatThrownBy(() -> connect(proxy).close()).as("connect while absent").isInstanceOf(ConnectException.class);
      proxy.mode(FaultProxy.Mode.FORWARD);
      try (Socket s = connect(proxy)) {
        assertThat(roundTrip(s, "back")).isEqualTo("back");
      }
      proxy.mode(FaultProxy.Mode.ABSENT);
      assertThatThrownBy(() -> connect(proxy).close()).isInstanceOf(ConnectException.class);
      assertThat(proxy.port()).as("the port never changes").isEqualTo(port);
    }
  }

  @Test
  void refuseAcceptsThenClosesAtOnce() throws Exception {
    try (EchoServer echo = new EchoServer(); FaultProxy proxy = new FaultProxy("127.0.0.1", echo.port(), FaultProxy.Mode.REFUSE);
        Socket s = connect(proxy)) {
      s.setSoTimeout(2000);
      assertThat(s.getInputStream().read()).as("first read on a refused connection").isEqualTo(-1);
    }
  }

  @Test
  void slowWaitsItsDelayBeforeForwardingAnything() throws Exception {
    try (EchoServer echo = new EchoServer();
        FaultProxy proxy = new FaultProxy("127.0.0.1", echo.port(), FaultProxy.Mode.slow(Duration.ofMillis(600)));
        Socket s = connect(proxy)) {
      long begin = System.nanoTime();
      assertThat(roundTrip(s, "late")).isEqualTo("late");
      assertThat(Duration.ofNanos(System.nanoTime() - begin)).as("answer time through a 600 ms slow proxy")
          .isGreaterThanOrEqualTo(Duration.ofMillis(550));
    }
  }

  @Test
  void blackHoleSwallowsEverythingAndNeverAnswersNorCloses() throws Exception {
    try (EchoServer echo = new EchoServer(); FaultProxy proxy = new FaultProxy("127.0.0.1", echo.port(), FaultProxy.Mode.BLACK_HOLE);
        Socket s = connect(proxy)) {
      s.setSoTimeout(500);
      s.getOutputStream().write("anyone?".repeat(1000).getBytes(StandardCharsets.US_ASCII));
      assertThatThrownBy(() -> s.getInputStream().read()).as("a read on a black hole").isInstanceOf(SocketTimeoutException.class);
      assertThat(proxy.openConnections()).as("the black hole keeps the connection open").isEqualTo(1);
      assertThat(echo.accepted()).as("connections that reached the upstream").isZero();
    }
  }

  @Test
  void dropAllCutsEveryOpenConnectionAndKeepsTheMode() throws Exception {
    try (EchoServer echo = new EchoServer(); FaultProxy proxy = new FaultProxy("127.0.0.1", echo.port());
        Socket a = connect(proxy); Socket b = connect(proxy)) {
      assertThat(roundTrip(a, "a")).isEqualTo("a");
      assertThat(roundTrip(b, "b")).isEqualTo("b");
      proxy.dropAll();
      for (Socket s : new Socket[] {a, b}) {
        s.setSoTimeout(2000);
        assertThat(endOrReset(s)).as("a connection after dropAll").isTrue();
      }
      await("connections closed").atMost(Duration.ofSeconds(2)).until(() -> proxy.openConnections() == 0);
      assertThat(proxy.mode()).isEqualTo(FaultProxy.Mode.FORWARD);
      try (Socket c = connect(proxy)) {
        assertThat(roundTrip(c, "new")).as("a new connection after dropAll").isEqualTo("new");
      }
    }
  }

  @Test
  void closeLeavesNoThreadNoConnectionAndNoListener() throws Exception {
    FaultProxy proxy;
    try (EchoServer echo = new EchoServer()) {
      proxy = new FaultProxy("127.0.0.1", echo.port());
      Socket forwarded = connect(proxy);
      roundTrip(forwarded, "x");
      proxy.mode(FaultProxy.Mode.BLACK_HOLE);
      Socket swallowed = connect(proxy);
      proxy.mode(FaultProxy.Mode.slow(Duration.ofSeconds(30)));
      Socket waiting = connect(proxy);
      await().atMost(Duration.ofSeconds(2)).until(() -> proxy.openConnections() == 3);
      proxy.close();
      assertThat(proxy.liveThreads()).as("proxy threads alive after close").isZero();
      assertThat(proxy.openConnections()).as("connections open after close").isZero();
      assertThatThrownBy(() -> connect(proxy).close()).as("connect after close").isInstanceOf(ConnectException.class);
      forwarded.close();
      swallowed.close();
      waiting.close();
    }
  }

  private static Socket connect(FaultProxy proxy) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), proxy.port()), 1000);
    return s;
  }

  private static String roundTrip(Socket s, String text) throws IOException {
    s.setSoTimeout(3000);
    byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
    s.getOutputStream().write(bytes);
    return new String(s.getInputStream().readNBytes(bytes.length), StandardCharsets.US_ASCII);
  }

  private static boolean endOrReset(Socket s) {
    try {
      return s.getInputStream().read() == -1;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // connection reset
    }
  }

  /** Echoes every byte back; counts the connections it accepted. */
  private static final class EchoServer implements AutoCloseable {
    private final ServerSocket server;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile int accepted;

    EchoServer() throws IOException {
      server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
      acceptor = Thread.ofVirtual().start(() -> {
        while (!server.isClosed()) {
          try {
            Socket s = server.accept();
            accepted++;
            open.add(s);
            Thread.ofVirtual().start(() -> echo(s));
          } catch (IOException e) {
            return;
          }
        }
      });
    }

    int port() {
      return server.getLocalPort();
    }

    int accepted() {
      return accepted;
    }

    private void echo(Socket s) {
      try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
        in.transferTo(out);
      } catch (IOException e) {
        // peer gone
      } finally {
        open.remove(s);
      }
    }

    @Override
    public void close() throws Exception {
      server.close();
      for (Socket s : open) {
        s.close();
      }
      acceptor.join(2000);
    }
  }
}

package ai.netra.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * Something at a dependency's address that is not that dependency: on 127.0.0.1, every connection's
 * first bytes are read, answered with a fixed reply (none at all: the server just hangs up), and the
 * connection closed.
 */
public final class OneReplyServer implements AutoCloseable {

  private final ServerSocket socket;

  private OneReplyServer(byte[] reply) throws IOException {
    socket = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
    Thread.ofVirtual().start(() -> {
      while (!socket.isClosed()) {
        try (Socket s = socket.accept(); OutputStream out = s.getOutputStream()) {
          s.getInputStream().read(new byte[64]);
          out.write(reply);
        } catch (IOException e) {
          return;
        }
      }
    });
  }

  /** Answers every connection's first bytes with {@code reply}, then closes it. */
  public static OneReplyServer answering(byte[] reply) throws IOException {
    return new OneReplyServer(reply.clone());
  }

  /** Reads every connection's first bytes and closes it without a word. */
  public static OneReplyServer hangingUp() throws IOException {
    return new OneReplyServer(new byte[0]);
  }

  public int port() {
    return socket.getLocalPort();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}

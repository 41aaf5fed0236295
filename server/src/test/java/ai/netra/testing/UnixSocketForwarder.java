package ai.netra.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A unix socket that forwards every connection to a TCP port: a PostgreSQL listening on TCP (the
 * machine's or the embedded one) reached the way Cloud SQL is, through {@code <folder>/.s.PGSQL.5432}.
 */
public final class UnixSocketForwarder implements AutoCloseable {

  private final Path socket;
  private final ServerSocketChannel server;
  private final List<SocketChannel> open = new CopyOnWriteArrayList<>();
  private final Thread acceptor;

  private UnixSocketForwarder(Path socket, ServerSocketChannel server, InetSocketAddress target) {
    this.socket = socket;
    this.server = server;
    this.acceptor = Thread.ofVirtual().name("unix-forwarder").start(() -> accept(target));
  }

  /** Listens on {@code folder/.s.PGSQL.<port>} (the name the PostgreSQL driver looks for) and forwards to 127.0.0.1:{@code tcpPort}. */
  public static UnixSocketForwarder postgres(Path folder, int tcpPort) {
    try {
      Files.createDirectories(folder);
      Path socket = folder.resolve(".s.PGSQL.5432");
      Files.deleteIfExists(socket);
      ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      server.bind(UnixDomainSocketAddress.of(socket));
      return new UnixSocketForwarder(socket, server, new InetSocketAddress("127.0.0.1", tcpPort));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void accept(InetSocketAddress target) {
    while (server.isOpen()) {
      try {
        SocketChannel client = server.accept();
        SocketChannel upstream = SocketChannel.open(target);
        open.add(client);
        open.add(upstream);
        Thread.ofVirtual().start(() -> pump(client, upstream));
        Thread.ofVirtual().start(() -> pump(upstream, client));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private static void pump(SocketChannel from, SocketChannel to) {
    ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
    try {
      while (from.read(buffer) >= 0) {
        buffer.flip();
        while (buffer.hasRemaining()) {
          to.write(buffer);
        }
        buffer.clear();
      }
    } catch (IOException e) {
      // one side went away: close both below
    }
    closeQuietly(from);
    closeQuietly(to);
  }

  private static void closeQuietly(SocketChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    open.forEach(UnixSocketForwarder::closeQuietly);
    acceptor.interrupt();
    Files.deleteIfExists(socket);
  }
}

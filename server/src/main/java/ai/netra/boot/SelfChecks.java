package ai.netra.boot;

import static ai.netra.config.SettingNames.PORT;

import ai.netra.startup.DependencyException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/** Checks that prove the running service works end to end, not just that its parts were built. */
final class SelfChecks {

  private SelfChecks() { }

  /**
   * Asks this process's own {@code /health/live} over loopback, proving the port serves requests.
   *
   * @throws DependencyException when the port does not answer 200 within {@code deadline}
   */
  static String ownHealth(int port, Duration deadline) throws IOException {
    long start = System.nanoTime();
    int timeout = (int) Math.max(1, Math.min(deadline.toMillis(), Integer.MAX_VALUE));
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), timeout);
      socket.setSoTimeout(timeout);
      OutputStream out = socket.getOutputStream();
      out.write(("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] head = in.readNBytes(12);
      String status = new String(head, StandardCharsets.US_ASCII);
      if (!status.startsWith("HTTP/1.1 200")) {
        throw new DependencyException("own /health/live on port " + port + " answered '" + status.trim() + "'",
            "the HTTP server is bound but not serving; check the log lines above for Jetty errors", List.of(PORT), null);
      }
    }
    return "GET /health/live on port " + port + " answered 200 in " + (System.nanoTime() - start) / 1_000_000 + " ms";
  }
}

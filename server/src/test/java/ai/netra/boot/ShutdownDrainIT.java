package ai.netra.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.netra.auth.SigningKey;
import ai.netra.auth.Tokens;
import ai.netra.config.Settings;
import ai.netra.testing.ServiceProcess;
import ai.netra.testing.TestDependencies;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM with a request in flight: readiness answers 503 at once, so the platform stops sending traffic,
 * the request still gets its answer, and the process exits 0 within Cloud Run's 10 s grace period.
 */
class ShutdownDrainIT {

  private static final String SECRET = "shutdown-drain-it-secret-0123456789abcdefgh";

  @Test
  void sigtermWithAnUploadInFlightTurnsReadinessTo503AndStillAnswersTheUpload() throws Exception {
    try (ServiceProcess service = ServiceProcess.start(Map.of("JWT_SECRET_KEY", SECRET))) {
      service.awaitStatus("/health/ready", 200, Duration.ofSeconds(60));
      String token = new Tokens(SigningKey.load(Settings.read(Map.of("JWT_SECRET_KEY", SECRET))))
          .mint("drain-" + TestDependencies.RUN, Duration.ofMinutes(10));
      byte[] body = ("occurred_at,provider,model,feature,prompt_tokens,completion_tokens\n"
          + "2025-06-01T14:30:00Z,openai,gpt-4o,support-chat,1200,250\n"
          + "2025-06-01T14:31:00Z,openai,gpt-4o,support-chat,900,120\n").getBytes(StandardCharsets.UTF_8);
      int half = body.length / 2;

      try (Socket upload = new Socket("127.0.0.1", service.port()); Socket probe = new Socket("127.0.0.1", service.port())) {
        upload.setSoTimeout(10_000);
        probe.setSoTimeout(10_000);
        OutputStream out = upload.getOutputStream();
        out.write(("POST /api/usage HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
            + "\r\nContent-Type: text/csv\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body, 0, half); // the request is in flight: its handler waits for the rest of the body
        out.flush();
        assertThat(status(ask(probe, "GET /health/ready"))).as("ready before SIGTERM, on a kept-alive connection")
            .isEqualTo(200);

        service.terminate();
        long sigterm = System.nanoTime();
        // Readiness turns at once; the probe's connection was open before, so it reaches the draining server.
        String drained = await("readiness answers 503 while the upload is in flight").atMost(Duration.ofSeconds(3))
            .until(() -> ask(probe, "GET /health/ready"), answer -> status(answer) == 503);
        assertThat(service.alive()).as("still running while the upload is in flight").isTrue();

        out.write(body, half, body.length - half);
        out.flush();
        String answer = read(upload.getInputStream());
        assertThat(status(answer)).as("the upload in flight was answered after SIGTERM: %s", answer).isEqualTo(200);
        assertThat(answer).contains("\"imported\":2");
        assertThat(drained).as("the drain answer").contains("503");

        assertThat(service.awaitExit(Duration.ofSeconds(10))).as("exit code after the drain").isZero();
        assertThat(Duration.ofNanos(System.nanoTime() - sigterm)).as("SIGTERM to exit").isLessThan(Duration.ofSeconds(10));
      }
    }
  }

  /** Sends {@code requestLine} on the open connection and returns the response head and body. */
  private static String ask(Socket socket, String requestLine) throws IOException {
    socket.getOutputStream().write((requestLine + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().flush();
    return read(socket.getInputStream());
  }

  /** One response: the head, then a body of Content-Length bytes. */
  private static String read(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("the connection ended before a whole response: " + head);
      }
      head.write(b);
    }
    String text = head.toString(StandardCharsets.US_ASCII);
    int length = 0;
    for (String line : text.split("\r\n")) {
      if (line.toLowerCase().startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    return text + new String(in.readNBytes(length), StandardCharsets.UTF_8);
  }

  private static int status(String response) {
    return Integer.parseInt(response.substring(9, 12));
  }
}

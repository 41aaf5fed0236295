package ai.netra.boot;

import ai.netra.chat.EventJson;
import ai.netra.json.Json;
import ai.netra.startup.DependencyException;
import ai.netra.startup.Outcome;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Checks that prove the running service works end to end, not just that its parts were built. */
final class SelfChecks {

  private SelfChecks() { }

  private record SampleEvent(Outcome state, Instant timestamp, Duration took, Map<String, Object> payload) { }

  /**
   * Writes, with the chat socket's own writer, and reads back an event holding the kinds of values
   * that once broke the chat socket (an enum state, times, nested records and maps).
   *
   * @throws IllegalStateException when the event does not come back as the event it was
   */
  static String serialization() throws IOException {
    SampleEvent payload = new SampleEvent(Outcome.READY, Instant.now(), Duration.ofMillis(1500),
        Map.of("nested", new SampleEvent(Outcome.DEGRADED, Instant.EPOCH, Duration.ZERO, Map.of()), "list", List.of(1, "two")));
    EventJson writer = new EventJson();
    String json = writer.event(new EventJson.ChatEvent("agent_thinking", 1, UUID.randomUUID(), UUID.randomUUID(),
        Instant.now(), payload));
    JsonNode back = Json.mapper().readTree(json);
    if (!"agent_thinking".equals(back.path("type").asText()) || !"ready".equals(back.path("payload").path("state").asText())
        || !back.path("payload").path("timestamp").isTextual() || writer.fallbacks() > 0) {
      throw new IllegalStateException("a chat event did not round-trip through JSON: " + json);
    }
    return "a chat event with enum, java.time, record and map values writes as JSON (" + json.length() + " bytes)";
  }

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
            "the HTTP server is bound but not serving; check the log lines above for Jetty errors", List.of("PORT"), null);
      }
    }
    return "GET /health/live on port " + port + " answered 200 in " + (System.nanoTime() - start) / 1_000_000 + " ms";
  }
}

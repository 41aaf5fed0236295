package ai.netra.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.netra.auth.SigningKey;
import ai.netra.auth.Tokens;
import ai.netra.config.Settings;
import ai.netra.testing.RawWebSocket;
import ai.netra.testing.RawWebSocket.Frame;
import ai.netra.testing.ServiceProcess;
import ai.netra.testing.TestDependencies;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Frames a careless or hostile client sends: broken WebSocket framing ends the socket with a protocol
 * code, bad content gets an {@code error} event and the socket keeps serving, and nothing closes it with
 * 1011, the code kept for the server's own faults (the old service closed with it on an enum it could not
 * write). The service's own count of 1011 closes stays zero.
 */
class ChatHostileFramesIT {

  private static final String SECRET = "hostile-frames-it-secret-0123456789abcdefgh";
  private static final Duration WAIT = Duration.ofSeconds(10);
  /** What a client's broken framing may end with: protocol error, unsupported data, bad payload, policy, size. */
  private static final List<Integer> PROTOCOL_CODES = List.of(1002, 1003, 1007, 1008, 1009);
  private static ServiceProcess service;
  private static String token;

  @BeforeAll
  static void start() throws Exception {
    service = ServiceProcess.start(Map.of("JWT_SECRET_KEY", SECRET));
    service.awaitStatus("/health/ready", 200, Duration.ofSeconds(60));
    token = new Tokens(SigningKey.load(Settings.read(Map.of("JWT_SECRET_KEY", SECRET))))
        .mint("hostile-" + TestDependencies.RUN, Duration.ofMinutes(10));
  }

  @AfterAll
  static void stop() throws Exception {
    if (service != null) {
      try {
        await("the metrics are up").atMost(WAIT).ignoreExceptions()
            .until(() -> service.get("/metrics").statusCode() == 200);
        assertThat(service.get("/metrics").body()).as("sockets the server closed with 1011, as it counts them")
            .doesNotContain("netra_websocket_closes_total{code=\"1011\"}");
      } finally {
        service.close();
      }
    }
  }

  /** A socket past its {@code connection_established}. */
  private static RawWebSocket open() throws IOException {
    RawWebSocket socket = RawWebSocket.connect(service.port(), "/ws/chat", token, 0);
    assertThat(nextText(socket).path("type").asText()).isEqualTo("connection_established");
    return socket;
  }

  /** The next text frame as JSON, past the server's pings; fails on a close. */
  private static JsonNode nextText(RawWebSocket socket) throws IOException {
    while (true) {
      Frame frame = socket.next(WAIT);
      if (frame.opcode() == RawWebSocket.TEXT) {
        return ServiceProcess.parse(frame.text());
      }
      assertThat(frame.opcode()).as("a frame other than text or ping: close %s", frame.opcode() == RawWebSocket.CLOSE
          ? frame.closeCode() : "-").isEqualTo(RawWebSocket.PING);
    }
  }

  /** The close code the server ends with: its close frame's, or none when it only dropped the connection. */
  private static Integer closeCode(RawWebSocket socket) throws IOException {
    while (true) {
      Frame frame;
      try {
        frame = socket.next(WAIT);
      } catch (EOFException e) {
        return null;
      }
      if (frame.opcode() == RawWebSocket.CLOSE) {
        return frame.closeCode();
      }
    }
  }

  static Stream<Arguments> brokenFraming() {
    byte[] notUtf8 = {'{', (byte) 0xc3, '(', '}'};
    return Stream.of(
        Arguments.of("a text frame that is not UTF-8", 0x81, notUtf8, true),
        Arguments.of("a reserved data opcode (0x3)", 0x83, "x".getBytes(StandardCharsets.UTF_8), true),
        Arguments.of("a reserved control opcode (0xB)", 0x8B, new byte[0], true),
        Arguments.of("RSV1 set with no extension agreed", 0xC1, "{}".getBytes(StandardCharsets.UTF_8), true),
        Arguments.of("an unmasked frame from a client", 0x81, "{\"type\":\"ping\"}".getBytes(StandardCharsets.UTF_8), false),
        Arguments.of("a continuation with nothing to continue", 0x80, "x".getBytes(StandardCharsets.UTF_8), true),
        Arguments.of("a fragmented ping", 0x09, new byte[0], true),
        Arguments.of("a ping of 126 bytes (control frames carry at most 125)", 0x89, new byte[126], true));
  }

  @ParameterizedTest(name = "{0} ends the socket with a protocol code, never 1011")
  @MethodSource("brokenFraming")
  void brokenFramingEndsTheSocketWithAProtocolCodeNever1011(String what, int firstByte, byte[] payload, boolean masked)
      throws Exception {
    try (RawWebSocket socket = open()) {
      socket.sendFrame(firstByte, payload, masked);

      Integer code = closeCode(socket);
      assertThat(code).as("close code after %s", what).isNotEqualTo(1011);
      if (code != null) {
        assertThat(code).as("close code after %s", what).isIn(PROTOCOL_CODES);
      }
    }
  }

  @Test
  void aBinaryFrameGetsAnErrorEventAndTheSocketKeepsServing() throws Exception {
    try (RawWebSocket socket = open()) {
      byte[] noise = new byte[512];
      new Random(7).nextBytes(noise);
      socket.sendFrame(0x82, noise, true);

      JsonNode error = nextText(socket);
      assertThat(error.path("type").asText()).isEqualTo("error");
      assertThat(error.path("payload").path("code").asText()).isEqualTo("unknown_type");
      socket.sendText("{\"type\":\"ping\"}");
      assertThat(nextText(socket).path("type").asText()).as("the socket still serves").isEqualTo("pong");
    }
  }

  @Test
  void deeplyNestedJsonGetsAnErrorEventAndTheSocketKeepsServing() throws Exception {
    try (RawWebSocket socket = open()) {
      int depth = 20_000; // 40 KB, under the frame limit; far past any parser's nesting limit
      socket.sendText("{\"type\":\"ping\",\"payload\":" + "[".repeat(depth) + "]".repeat(depth) + "}");
      assertThat(nextText(socket).path("type").asText()).isEqualTo("error");
      socket.sendText("{\"type\":\"stop_agent\",\"payload\":" + "{\"a\":".repeat(5_000) + "1" + "}".repeat(5_000) + "}");
      assertThat(nextText(socket).path("type").asText()).isEqualTo("error");

      socket.sendText("{\"type\":\"ping\"}");
      assertThat(nextText(socket).path("type").asText()).as("the socket still serves").isEqualTo("pong");
    }
  }

  @Test
  void randomJsonIsAnsweredFrameByFrameWithAnErrorOrAPongAndNeverEndsTheSocket() throws Exception {
    Random random = new Random(20_260_101L);
    try (RawWebSocket socket = open()) {
      for (int i = 0; i < 300; i++) {
        String frame = randomFrame(random);
        socket.sendText(frame);

        JsonNode answer = nextText(socket);
        assertThat(answer.path("type").asText()).as("the answer to %s", frame).isIn("error", "pong");
      }
      socket.sendText("{\"type\":\"ping\"}");
      assertThat(nextText(socket).path("type").asText()).as("the socket still serves").isEqualTo("pong");
    }
  }

  /** A random JSON document: mostly an object with a type (never user_message, which would run the agent) and a payload. */
  private static String randomFrame(Random random) {
    if (random.nextInt(10) == 0) {
      return randomValue(random, 0); // a bare value: a number, a string, an array
    }
    List<String> types = List.of("ping", "resume", "stop_agent", "\"", "", "PING", "user_message ", "\u0000", "💥");
    String type = random.nextInt(4) == 0 ? randomValue(random, 3) : quote(types.get(random.nextInt(types.size())));
    return "{\"type\":" + type + ",\"payload\":" + randomValue(random, 0) + "}";
  }

  private static String randomValue(Random random, int depth) {
    int kind = depth > 4 ? random.nextInt(5) : random.nextInt(7);
    return switch (kind) {
      case 0 -> "null";
      case 1 -> random.nextBoolean() ? "true" : "false";
      case 2 -> List.of("0", "-1", "1e308", "-1e999", "12345678901234567890123", "0.000000000000000000001", "3.5")
          .get(random.nextInt(7));
      case 3, 4 -> quote(randomText(random));
      case 5 -> {
        String[] items = new String[random.nextInt(5)];
        Arrays.setAll(items, i -> randomValue(random, depth + 1));
        yield "[" + String.join(",", items) + "]";
      }
      default -> {
        List<String> keys = List.of("thread_id", "after_event_id", "run_id", "content", "x", "");
        String[] fields = new String[random.nextInt(5)];
        Arrays.setAll(fields, i -> quote(keys.get(random.nextInt(keys.size()))) + ":" + randomValue(random, depth + 1));
        yield "{" + String.join(",", fields) + "}";
      }
    };
  }

  private static String randomText(Random random) {
    StringBuilder text = new StringBuilder();
    for (int i = random.nextInt(40); i > 0; i--) {
      int pick = random.nextInt(10);
      text.appendCodePoint(pick < 6 ? 0x20 + random.nextInt(0x5f) : pick < 8 ? random.nextInt(0x20)
          : pick < 9 ? 0xa0 + random.nextInt(0xd000) : 0x1f300 + random.nextInt(0x300));
    }
    return text.toString();
  }

  /** {@code text} as a JSON string, control characters escaped. */
  private static String quote(String text) {
    StringBuilder quoted = new StringBuilder("\"");
    text.codePoints().forEach(c -> {
      if (c == '"' || c == '\\') {
        quoted.append('\\').appendCodePoint(c);
      } else if (c < 0x20) {
        quoted.append(String.format("\\u%04x", c));
      } else {
        quoted.appendCodePoint(c);
      }
    });
    return quoted.append('"').toString();
  }
}

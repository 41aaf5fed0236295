package ai.netra.chat;

import static ai.netra.testing.FakeOpenAiServer.stream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.netra.auth.SigningKey;
import ai.netra.auth.Tokens;
import ai.netra.config.Settings;
import ai.netra.testing.ChatClient;
import ai.netra.testing.FakeOpenAiServer;
import ai.netra.testing.RawWebSocket;
import ai.netra.testing.ServiceProcess;
import ai.netra.testing.TestDependencies;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The chat socket when things go wrong outside the protocol: a peer that vanished without closing,
 * a shutdown in the middle of a run, a client that stops reading while events pile up. Each test
 * starts its own service.
 */
class ChatResilienceIT {

  private static final String SECRET = "chat-resilience-it-secret-0123456789abcdefgh";
  private static final String KEY = "sk-test-resilience-5e1b7d";
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Duration START = Duration.ofSeconds(60);
  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\\{[^}]*\\})?) (\\S+)$", Pattern.MULTILINE);
  private static final String OPEN = "netra_websocket_open";
  private static final String CLOSES = "netra_websocket_closes_total{code=\"";

  private static String token(String user) throws Exception {
    return new Tokens(SigningKey.load(Settings.read(Map.of("JWT_SECRET_KEY", SECRET))))
        .mint(user + "-" + TestDependencies.RUN, Duration.ofMinutes(10));
  }

  private static URI ws(ServiceProcess service) {
    return URI.create("ws://127.0.0.1:" + service.port() + "/ws/chat");
  }

  private static Map<String, String> llmEnv(FakeOpenAiServer llm, String databaseUrl) {
    Map<String, String> env = new HashMap<>(Map.of("JWT_SECRET_KEY", SECRET, "LLM_BASE_URL", llm.baseUrl(),
        "LLM_API_KEY", KEY, "LLM_MODEL", "gpt-4o-mini"));
    if (databaseUrl != null) {
      env.put("DATABASE_URL", databaseUrl);
    }
    return env;
  }

  /** Every sample of one scrape of {@code /metrics}, by series (name with labels as printed). */
  private static Map<String, Double> scrape(ServiceProcess service) throws Exception {
    var response = service.get("/metrics");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    Map<String, Double> samples = new HashMap<>();
    Matcher m = SAMPLE.matcher(response.body());
    while (m.find()) {
      samples.put(m.group(1), Double.parseDouble(m.group(2)));
    }
    return samples;
  }

  /** The first scrape, once the metrics are up (they start just after the service turns ready). */
  private static Map<String, Double> scrapeWhenUp(ServiceProcess service) {
    return await("metrics up").atMost(WAIT).ignoreExceptions().until(() -> scrape(service), s -> s.containsKey(OPEN));
  }

  /** How many more sockets closed with each code in {@code after} than in {@code before}. */
  private static Map<Integer, Double> closesSince(Map<String, Double> before, Map<String, Double> after) {
    Map<Integer, Double> more = new HashMap<>();
    after.forEach((series, count) -> {
      if (series.startsWith(CLOSES)) {
        double added = count - before.getOrDefault(series, 0.0);
        if (added > 0) {
          more.put(Integer.parseInt(series.substring(CLOSES.length(), series.indexOf('"', CLOSES.length()))), added);
        }
      }
    });
    return more;
  }

  private static JsonNode getJson(ServiceProcess service, String path, String token) throws Exception {
    var response = service.send(HttpRequest.newBuilder(service.uri(path)).header("Authorization", "Bearer " + token)
        .timeout(WAIT).GET().build());
    assertThat(response.statusCode()).as("%s: %s", path, response.body()).isEqualTo(200);
    return ServiceProcess.parse(response.body());
  }

  /** Events until the first {@code agent_thinking} with text from the model (not the triage note), inclusive. */
  private static List<JsonNode> untilModelThinking(ChatClient chat) throws Exception {
    List<JsonNode> seen = new ArrayList<>();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      JsonNode e = chat.next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      seen.add(e);
      if (e.path("type").asText().equals("agent_thinking") && e.path("payload").path("stage").asText().equals("model")) {
        return seen;
      }
      assertThat(e.path("type").asText()).as("no end before the model speaks: %s", seen).isNotIn("agent_completed", "error");
    }
  }

  @Test
  void aPeerThatVanishedIsDroppedWithinTheIdleTimeoutWhileALiveIdleClientStays() throws Exception {
    try (ServiceProcess service = ServiceProcess.start(Map.of("JWT_SECRET_KEY", SECRET))) {
      service.awaitStatus("/health/ready", 200, START);
      Map<String, Double> before = scrapeWhenUp(service);
      double open = before.getOrDefault(OPEN, 0.0);
      try (ChatClient live = ChatClient.connect(ws(service), token("idle-live"), null)) {
        assertThat(live.next(WAIT).path("type").asText()).isEqualTo("connection_established");
        long lastSent;
        try (RawWebSocket dead = RawWebSocket.connect(service.port(), "/ws/chat", token("idle-dead"), 0)) {
          lastSent = System.nanoTime(); // the upgrade request is the last thing this peer ever sends
          RawWebSocket.Frame hello = dead.next(WAIT);
          assertThat(hello.text()).contains("\"connection_established\"");
          assertThat(scrape(service).get(OPEN)).as("both sockets counted").isEqualTo(open + 2);

          // From here on the peer neither reads nor writes: it answers none of the server's pings.
          Duration limit = Duration.ofSeconds(90);
          await("the silent socket dropped").atMost(limit.minusNanos(System.nanoTime() - lastSent))
              .pollInterval(Duration.ofMillis(250)).until(() -> scrape(service).get(OPEN) == open + 1);
          Duration silent = Duration.ofNanos(System.nanoTime() - lastSent);
          assertThat(silent).as("dropped after the idle timeout of %s, not before", ChatLimits.IDLE_TIMEOUT)
              .isGreaterThanOrEqualTo(Duration.ofSeconds(55));
          assertThat(dead.endsWithin(WAIT)).as("the server closed the TCP connection too, not only forgot it").isTrue();
        }
        Map<Integer, Double> closes = closesSince(before, scrape(service));
        assertThat(closes.values().stream().mapToDouble(Double::doubleValue).sum()).as("one close counted: %s", closes)
            .isEqualTo(1.0);
        assertThat(closes).as("a vanished peer is not a server fault (1011)").doesNotContainKey(1011);
        // 1001 is what the server sends (and what the connection's own idle timeout uses), 1006 what
        // a connection dropped without a close handshake is reported as.
        assertThat(closes.keySet()).as("the close code counted").isSubsetOf(1001, 1006);

        // The live client did nothing either, but its WebSocket stack answered every ping.
        live.send("{\"type\":\"ping\"}");
        assertThat(live.next(WAIT).path("type").asText()).as("the idle but live client is still served").isEqualTo("pong");
        assertThat(scrape(service).get(OPEN)).isEqualTo(open + 1);
      }
    }
  }

  @Test
  void aRunInterruptedByShutdownIsRecordedAndItsEventsReplayAfterRestart() throws Exception {
    String databaseUrl = TestDependencies.freshDatabaseUrl("chat_interrupted");
    String jdbcUrl = "jdbc:postgresql://127.0.0.1:" + TestDependencies.postgresPort()
        + databaseUrl.substring(databaseUrl.lastIndexOf('/')) + "?user=postgres";
    String token = token("interrupted");
    String question = "what did the last week cost, by model?";
    String threadId;
    List<JsonNode> live;
    try (FakeOpenAiServer llm = new FakeOpenAiServer()) {
      llm.reply(stream().role().content("Looking at last week's usage, model by model.\n").stall());
      try (ServiceProcess service = ServiceProcess.start(llmEnv(llm, databaseUrl))) {
        service.awaitStatus("/health/ready", 200, START);
        try (ChatClient chat = ChatClient.connect(ws(service), token, null)) {
          chat.next(WAIT); // connection_established
          chat.send("{\"type\":\"user_message\",\"payload\":{\"content\":\"" + question + "\"}}");
          live = untilModelThinking(chat);
          threadId = live.getFirst().path("thread_id").asText();
          await("the reply held open").atMost(WAIT).until(() -> llm.stalledNow() == 1);

          long sigterm = System.nanoTime();
          service.terminate();
          assertThat(chat.closeCode(WAIT)).as("close code at shutdown").isEqualTo(1001);
          assertThat(Duration.ofNanos(System.nanoTime() - sigterm)).as("the socket closed promptly").isLessThan(WAIT);
          assertThat(service.awaitExit(WAIT)).as("exit code after SIGTERM").isZero();
          assertThat(service.outputText()).as("the service stored the end of the run without a storage error")
              .doesNotContain("could not record");
          assertThat(Duration.ofNanos(System.nanoTime() - sigterm)).as("exited within the grace period")
              .isLessThanOrEqualTo(WAIT);
        }
      }

      List<String> runs = new ArrayList<>();
      try (Connection c = DriverManager.getConnection(jdbcUrl);
          PreparedStatement s = c.prepareStatement("select status, finished_at is not null from agent_runs where thread_id = ?")) {
        s.setObject(1, UUID.fromString(threadId));
        try (ResultSet r = s.executeQuery()) {
          while (r.next()) {
            runs.add(r.getString(1) + (r.getBoolean(2) ? ", finished" : ", no finish time"));
          }
        }
      }
      assertThat(runs).as("the run on the thread, as stored").containsExactly("interrupted, finished");

      try (ServiceProcess again = ServiceProcess.start(llmEnv(llm, databaseUrl))) {
        again.awaitStatus("/health/ready", 200, START);
        JsonNode stored = getJson(again, "/api/threads/" + threadId + "/events", token).path("events");
        List<Long> storedIds = new ArrayList<>();
        stored.forEach(e -> storedIds.add(e.path("event_id").asLong()));
        assertThat(storedIds).as("everything sent live before the shutdown is stored")
            .containsAll(live.stream().map(e -> e.path("event_id").asLong()).toList());

        try (ChatClient chat = ChatClient.connect(ws(again), token, null)) {
          chat.next(WAIT); // connection_established
          chat.send("{\"type\":\"resume\",\"payload\":{\"thread_id\":\"" + threadId + "\",\"after_event_id\":0}}");
          List<JsonNode> replayed = new ArrayList<>();
          for (int i = 0; i < stored.size(); i++) {
            replayed.add(chat.next(WAIT));
          }
          assertThat(chat.silentFor(Duration.ofMillis(500))).as("nothing replayed beyond the stored events").isTrue();
          assertThat(replayed).extracting(e -> e.path("event_id").asLong()).as("resume replays the stored events")
              .containsExactlyElementsOf(storedIds);
          assertThat(replayed.subList(0, live.size())).as("byte for byte what was sent live").isEqualTo(live);
          assertThat(replayed.toString()).contains("Looking at last week's usage, model by model.");
          JsonNode last = replayed.getLast();
          assertThat(last.path("type").asText() + " " + last.path("payload").path("status").asText())
              .as("a resuming client learns that the run ended, and how").isEqualTo("agent_completed interrupted");
        }
        JsonNode messages = getJson(again, "/api/threads/" + threadId + "/messages", token).path("messages");
        assertThat(messages.toString()).as("the user's message was stored before the run began").contains(question);
      }
    }
  }

  @Test
  void aClientThatStopsReadingIsClosedWith1008AndNobodyElseNotices() throws Exception {
    // A model turn that thinks aloud in ~1,500 agent_thinking events before it calls a tool: the
    // large ones fill the TCP buffers of the socket that does not read, the many small ones then pile
    // up in the server past its send queue limit. The answer after the tool is short.
    FakeOpenAiServer.Stream thinking = stream().role();
    String large = "x".repeat(32 * 1024 - 1) + "\n";
    for (int i = 0; i < 200; i++) {
      thinking.content(large);
    }
    for (int i = 0; i < ChatSocket.MAX_QUEUED_SENDS + 300; i++) {
      thinking.content("line " + i + " " + "y".repeat(160) + "\n");
    }
    String from = LocalDate.now(ZoneOffset.UTC).minusDays(6).toString();
    thinking.toolCall(0, "call_sum", "usage_summary").arguments(0, "{\"from\": \"" + from + "\"}").finish("tool_calls")
        .usage(40, 1500).done();
    try (FakeOpenAiServer llm = new FakeOpenAiServer()) {
      llm.reply(thinking, FakeOpenAiServer.text("That was a lot of thinking for no usage at all."));
      try (ServiceProcess service = ServiceProcess.start(llmEnv(llm, null))) {
        service.awaitStatus("/health/ready", 200, START);
        Map<String, Double> before = scrapeWhenUp(service);
        double open = before.getOrDefault(OPEN, 0.0);
        String token = token("backlog");
        try (ChatClient reader = ChatClient.connect(ws(service), token, null);
            ChatClient bystander = ChatClient.connect(ws(service), token("backlog-bystander"), null);
            RawWebSocket stuck = RawWebSocket.connect(service.port(), "/ws/chat", token, 4096)) {
          reader.next(WAIT);
          bystander.next(WAIT);
          assertThat(stuck.next(WAIT).text()).contains("\"connection_established\"");
          // From here on `stuck` reads nothing until the run is over.

          reader.send("{\"type\":\"user_message\",\"payload\":{\"content\":\"write me a very long answer\"}}");
          List<JsonNode> events = reader.until("agent_completed", Duration.ofSeconds(60));
          assertThat(events.getLast().path("payload").path("status").asText()).as("the reading socket got the whole run")
              .isEqualTo("completed");
          assertThat(events.stream().filter(e -> e.path("type").asText().equals("agent_thinking")).count())
              .isGreaterThan(ChatSocket.MAX_QUEUED_SENDS + 200);

          assertThat(service.get("/health/ready").statusCode()).isEqualTo(200);
          bystander.send("{\"type\":\"ping\"}");
          assertThat(bystander.next(WAIT).path("type").asText()).as("another user's socket is served").isEqualTo("pong");

          // Now read what the stuck socket was sent: a prefix of the run, then the close.
          int texts = 0;
          RawWebSocket.Frame frame;
          do {
            frame = stuck.next(WAIT);
            if (frame.opcode() == RawWebSocket.TEXT) {
              texts++;
            }
            assertThat(frame.text()).as("the stuck socket was cut off before the end of the run")
                .doesNotContain("\"agent_completed\"");
          } while (frame.opcode() != RawWebSocket.CLOSE);
          assertThat(frame.closeCode()).as("close code for a client that stopped reading, after %d events", texts)
              .isEqualTo(1008);
          stuck.sendClose(1008);
          assertThat(stuck.endsWithin(WAIT)).isTrue();

          await("the stuck socket counted as closed").atMost(WAIT)
              .until(() -> closesSince(before, scrape(service)).getOrDefault(1008, 0.0) == 1.0);
          Map<String, Double> after = scrape(service);
          assertThat(after.get(OPEN)).as("the other two sockets are still open").isEqualTo(open + 2);
          assertThat(closesSince(before, after)).as("no other close, no server fault").containsOnlyKeys(1008);

          reader.send("{\"type\":\"ping\"}");
          assertThat(reader.next(WAIT).path("type").asText()).as("the same user's reading socket is served").isEqualTo("pong");
        }
      }
    }
  }
}

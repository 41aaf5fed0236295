package ai.netra.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.netra.auth.SigningKey;
import ai.netra.auth.Tokens;
import ai.netra.config.Settings;
import ai.netra.testing.ChatClient;
import ai.netra.testing.ServiceProcess;
import ai.netra.testing.TestDependencies;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The chat socket against the real service: auth before the upgrade, the five events, resume, isolation, bad input. */
@Tag("fast")
class ChatIT {

  private static final String SECRET = "chat-it-secret-0123456789abcdefghijklmnop";
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final List<String> FIVE = List.of("agent_started", "agent_thinking", "tool_executing", "tool_completed",
      "agent_completed");
  private static ServiceProcess service;
  private static Tokens tokens;

  @BeforeAll
  static void start() throws Exception {
    service = ServiceProcess.start(Map.of("JWT_SECRET_KEY", SECRET));
    service.awaitStatus("/health/ready", 200, Duration.ofSeconds(60));
    tokens = new Tokens(SigningKey.load(Settings.read(Map.of("JWT_SECRET_KEY", SECRET))));
  }

  @AfterAll
  static void stop() {
    if (service != null) {
      service.close();
    }
  }

  /** The run's events are the five kinds only, each present, first seen in the order the frontend relies on. */
  private static void assertFiveInOrder(List<JsonNode> events) {
    List<String> types = events.stream().map(e -> e.path("type").asText()).toList();
    assertThat(types).as("only the five kinds").allMatch(FIVE::contains);
    assertThat(FIVE.stream().map(types::indexOf).toList()).as("each kind, first seen in order, in %s", types)
        .doesNotContain(-1).isSorted();
    assertThat(types.getFirst()).isEqualTo("agent_started");
    assertThat(types.getLast()).isEqualTo("agent_completed");
  }

  private static URI ws(ServiceProcess s) {
    return URI.create("ws://127.0.0.1:" + s.port() + "/ws/chat");
  }

  private static String user(String name) {
    return name + "-" + TestDependencies.RUN;
  }

  @Test
  void goldenPathDeliversTheFiveEventsInOrderAndResumeReplaysThemExactly() throws Exception {
    String token = tokens.mint(user("alice"), Duration.ofMinutes(5));
    List<String> live;
    String threadId;
    try (ChatClient chat = ChatClient.connect(ws(service), token, null)) {
      JsonNode hello = chat.next(WAIT);
      assertThat(hello.path("type").asText()).isEqualTo("connection_established");
      assertThat(hello.path("payload").path("user_id").asText()).isEqualTo(user("alice"));
      assertThat(hello.path("payload").path("limits").path("max_frame_bytes").asInt()).isEqualTo(65536);

      chat.send("{\"type\":\"user_message\",\"payload\":{\"content\":\"how much did we spend?\"}}");
      List<JsonNode> events = chat.until("agent_completed", WAIT);
      assertFiveInOrder(events);
      threadId = events.getFirst().path("thread_id").asText();
      long previous = 0;
      for (JsonNode e : events) {
        assertThat(e.path("thread_id").asText()).as("one thread").isEqualTo(threadId);
        assertThat(e.path("run_id").asText()).as("one run").isEqualTo(events.getFirst().path("run_id").asText());
        assertThat(e.path("event_id").asLong()).as("event ids increase").isGreaterThan(previous);
        assertThat(e.path("timestamp").asText()).isNotEmpty();
        previous = e.path("event_id").asLong();
      }
      assertThat(events.stream().filter(e -> e.path("type").asText().equals("tool_executing")).findFirst().orElseThrow()
          .path("payload").path("tool").asText()).isEqualTo("usage_summary");
      assertThat(events.getLast().path("payload").path("answer").asText()).as("a new user has no usage yet")
          .contains("no usage recorded");
      live = events.stream().map(JsonNode::toString).toList();
    }
    HashMapHolder.threads.put("alice", threadId);

    try (ChatClient again = ChatClient.connect(ws(service), token, null)) {
      again.next(WAIT); // connection_established
      again.send("{\"type\":\"resume\",\"payload\":{\"thread_id\":\"" + threadId + "\",\"after_event_id\":0}}");
      List<JsonNode> replayed = again.until("agent_completed", WAIT);
      assertThat(replayed.stream().map(JsonNode::toString).toList()).as("resume replays exactly the stored events").isEqualTo(live);

      again.send("{\"type\":\"resume\",\"payload\":{\"thread_id\":\"" + threadId + "\",\"after_event_id\":3}}");
      List<JsonNode> tail = again.until("agent_completed", WAIT);
      assertThat(tail).extracting(e -> e.path("event_id").asLong()).as("only the events after 3")
          .containsExactlyElementsOf(replayed.stream().map(e -> e.path("event_id").asLong()).filter(id -> id > 3).toList());
    }
    JsonNode messages = ServiceProcess.parse(service.send(java.net.http.HttpRequest.newBuilder(
        service.uri("/api/threads/" + threadId + "/messages")).header("Authorization", "Bearer " + token).build()).body());
    assertThat(messages.toString()).as("the answer is persisted").contains("how much did we spend?", "no usage recorded");
  }

  /**
   * A question asked again over unchanged usage gets the same figures from the tools' kept results; after an upload,
   * the next answer counts the new requests.
   */
  @Test
  void aQuestionAskedAgainCountsTheRequestsUploadedMeanwhile() throws Exception {
    String token = tokens.mint(user("carol"), Duration.ofMinutes(5));
    String yesterday = java.time.LocalDate.now(java.time.ZoneOffset.UTC).minusDays(1) + "T10:00:00Z";
    String row = yesterday + ",openai,gpt-4o,support-chat,1200,250\n";
    upload(token, "occurred_at,provider,model,feature,prompt_tokens,completion_tokens\n" + row + row);
    try (ChatClient chat = ChatClient.connect(ws(service), token, null)) {
      chat.next(WAIT);
      JsonNode first = summary(chat);
      assertThat(first.path("requests").asLong()).as("usage_summary of %s", first).isEqualTo(2);
      assertThat(summary(chat)).as("the same question on the same data").isEqualTo(first);

      upload(token, "occurred_at,provider,model,feature,prompt_tokens,completion_tokens\n" + row);

      assertThat(summary(chat).path("requests").asLong()).as("after one more request was uploaded").isEqualTo(3);
    }
  }

  private static void upload(String token, String csv) throws Exception {
    java.net.http.HttpResponse<String> response = service.send(java.net.http.HttpRequest.newBuilder(
            service.uri("/api/usage")).header("Authorization", "Bearer " + token).header("Content-Type", "text/csv")
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(csv)).timeout(WAIT).build());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }

  /** Asks how much was spent and returns the figures of the run's usage_summary call. */
  private static JsonNode summary(ChatClient chat) throws Exception {
    chat.send("{\"type\":\"user_message\",\"payload\":{\"content\":\"how much did we spend?\"}}");
    return chat.until("agent_completed", WAIT).stream()
        .filter(e -> e.path("type").asText().equals("tool_completed"))
        .filter(e -> e.path("payload").path("tool").asText().equals("usage_summary"))
        .map(e -> e.path("payload").path("result")).findFirst().orElseThrow();
  }

  @Test
  void browsersAuthenticateWithTheSubprotocolPairAndOnlyJwtAuthIsSelected() throws Exception {
    String token = tokens.mint(user("browser"), Duration.ofMinutes(5));
    try (ChatClient chat = ChatClient.connect(ws(service), null, "http://localhost:3000", "jwt-auth", "jwt." + token)) {
      assertThat(chat.subprotocol()).isEqualTo("jwt-auth");
      assertThat(chat.next(WAIT).path("type").asText()).isEqualTo("connection_established");
    }
    String encoded = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(token.getBytes());
    try (ChatClient chat = ChatClient.connect(ws(service), null, null, "jwt-auth", "jwt." + encoded)) {
      assertThat(chat.next(WAIT).path("payload").path("user_id").asText()).isEqualTo(user("browser"));
    }
  }

  @Test
  void badTokensAreRefusedBeforeTheUpgradeWithAReason() {
    assertThatThrownBy(() -> ChatClient.connect(ws(service), null, null)).isInstanceOfSatisfying(ChatClient.Refused.class,
        r -> assertThat(r.status).as("no token").isEqualTo(401));
    String expired = new Tokens(tokens == null ? null : keyFor(SECRET), java.time.Clock.offset(java.time.Clock.systemUTC(),
        Duration.ofHours(-2))).mint(user("late"), Duration.ofMinutes(1));
    assertThatThrownBy(() -> ChatClient.connect(ws(service), expired, null)).isInstanceOfSatisfying(ChatClient.Refused.class,
        r -> assertThat(r.status).as("expired token").isEqualTo(401));
    String none = base64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + base64("{\"sub\":\"mallory\",\"exp\":9999999999}") + ".";
    assertThatThrownBy(() -> ChatClient.connect(ws(service), none, null)).isInstanceOfSatisfying(ChatClient.Refused.class,
        r -> assertThat(r.status).as("alg none").isEqualTo(401));
    String wrongKey = new Tokens(keyFor("another-secret-0123456789abcdefghijklmnop")).mint(user("eve"), Duration.ofMinutes(1));
    assertThatThrownBy(() -> ChatClient.connect(ws(service), wrongKey, null)).isInstanceOfSatisfying(ChatClient.Refused.class,
        r -> assertThat(r.status).as("token signed with another key").isEqualTo(401));
  }

  @Test
  void socketFromAnotherSiteIsRefusedWith403() {
    String token = tokens.mint(user("victim"), Duration.ofMinutes(5));
    assertThatThrownBy(() -> ChatClient.connect(ws(service), token, "https://evil.example"))
        .isInstanceOfSatisfying(ChatClient.Refused.class, r -> assertThat(r.status).isEqualTo(403));
  }

  @Test
  void aUserNeverSeesAnotherUsersThreadOrEvents() throws Exception {
    String alice = tokens.mint(user("iso-alice"), Duration.ofMinutes(5));
    String bob = tokens.mint(user("iso-bob"), Duration.ofMinutes(5));
    try (ChatClient a = ChatClient.connect(ws(service), alice, null);
        ChatClient b = ChatClient.connect(ws(service), bob, null)) {
      a.next(WAIT);
      b.next(WAIT);
      a.send("{\"type\":\"user_message\",\"payload\":{\"content\":\"alice's private question\"}}");
      String thread = a.until("agent_completed", WAIT).getFirst().path("thread_id").asText();
      assertThat(b.silentFor(Duration.ofMillis(500))).as("bob receives none of alice's events").isTrue();
      b.send("{\"type\":\"resume\",\"payload\":{\"thread_id\":\"" + thread + "\",\"after_event_id\":0}}");
      JsonNode refused = b.next(WAIT);
      assertThat(refused.path("type").asText()).isEqualTo("error");
      assertThat(refused.path("payload").path("code").asText()).isEqualTo("not_found");
      b.send("{\"type\":\"user_message\",\"payload\":{\"content\":\"hijack\",\"thread_id\":\"" + thread + "\"}}");
      assertThat(b.next(WAIT).path("payload").path("code").asText()).as("writing into alice's thread").isEqualTo("not_found");
    }
  }

  @Test
  void badInputGetsAClearErrorAndTheSocketKeepsServing() throws Exception {
    String token = tokens.mint(user("sloppy"), Duration.ofMinutes(5));
    try (ChatClient chat = ChatClient.connect(ws(service), token, null)) {
      chat.next(WAIT);
      Map<String, String> cases = new HashMap<>();
      cases.put("{not json", "malformed_json");
      cases.put("[1,2,3]", "invalid_message");
      cases.put("{\"type\":\"teleport\",\"payload\":{}}", "unknown_type");
      cases.put("{\"type\":\"user_message\",\"payload\":{}}", "invalid_message");
      cases.put("{\"type\":\"user_message\",\"payload\":{\"content\":\"hi\",\"thread_id\":\"nope\"}}", "invalid_message");
      cases.put("{\"type\":\"resume\",\"payload\":{\"thread_id\":\"" + java.util.UUID.randomUUID() + "\"}}", "not_found");
      cases.put("{\"type\":\"stop_agent\",\"payload\":{\"run_id\":\"" + java.util.UUID.randomUUID() + "\"}}", "not_found");
      for (Map.Entry<String, String> c : cases.entrySet()) {
        chat.send(c.getKey());
        JsonNode error = chat.next(WAIT);
        assertThat(error.path("type").asText()).as("answer to " + c.getKey()).isEqualTo("error");
        assertThat(error.path("payload").path("code").asText()).as("error code for " + c.getKey()).isEqualTo(c.getValue());
      }
      chat.send("{\"type\":\"ping\"}");
      assertThat(chat.next(WAIT).path("type").asText()).as("still serving after bad input").isEqualTo("pong");
    }
  }

  @Test
  void frameOverTheLimitClosesWith1009() {
    String token = tokens.mint(user("big"), Duration.ofMinutes(5));
    try (ChatClient chat = ChatClient.connect(ws(service), token, null)) {
      chat.nextText(WAIT);
      chat.socket().sendText("{\"type\":\"user_message\",\"payload\":{\"content\":\"" + "x".repeat(70_000) + "\"}}", true);
      assertThat(chat.closeCode(WAIT)).as("close code for a 70 KB frame").isEqualTo(1009);
    }
  }

  @Test
  void frameJustUnderTheLimitIsReadWholeAcrossManyReads() throws Exception {
    String token = tokens.mint(user("long"), Duration.ofMinutes(5));
    try (ChatClient chat = ChatClient.connect(ws(service), token, null)) {
      chat.next(WAIT);
      // 64,002 bytes of two-byte characters: many socket reads, some of them ending inside a character.
      String content = "é".repeat(ClientMessage.MAX_CONTENT + 1);
      chat.send("{\"type\":\"user_message\",\"payload\":{\"content\":\"" + content + "\"}}");
      JsonNode error = chat.next(WAIT);
      assertThat(error.path("payload").path("code").asText()).isEqualTo("message_too_long");
      assertThat(error.path("payload").path("message").asText()).startsWith("payload.content has 32001 characters");
    }
  }

  @Test
  void floodOfMessagesIsRateLimitedPerUser() throws Exception {
    String token = tokens.mint(user("flood"), Duration.ofMinutes(5));
    try (ChatClient chat = ChatClient.connect(ws(service), token, null)) {
      chat.next(WAIT);
      for (int i = 0; i < 40; i++) {
        chat.send("{\"type\":\"user_message\",\"payload\":{\"content\":\"spam " + i + "\"}}");
      }
      boolean limited = false;
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (!limited && System.nanoTime() < deadline) {
        JsonNode e = chat.next(WAIT);
        limited = "error".equals(e.path("type").asText()) && "rate_limited".equals(e.path("payload").path("code").asText());
      }
      assertThat(limited).as("40 messages at once exceed the burst of 20").isTrue();
    }
  }

  @Test
  void eventsReachTheUsersSocketOnAnotherInstance() throws Exception {
    TestDependencies.requireRedis();
    Map<String, String> env = Map.of("JWT_SECRET_KEY", SECRET, "REDIS_URL", TestDependencies.redisUrl(),
        "REDIS_KEY_PREFIX", TestDependencies.redisPrefix("two-instances"));
    try (ServiceProcess a = ServiceProcess.start(env); ServiceProcess b = ServiceProcess.start(env)) {
      a.awaitStatus("/health/ready", 200, Duration.ofSeconds(60));
      b.awaitStatus("/health/ready", 200, Duration.ofSeconds(60));
      String token = tokens.mint(user("roaming"), Duration.ofMinutes(5));
      String other = tokens.mint(user("bystander"), Duration.ofMinutes(5));
      try (ChatClient onA = ChatClient.connect(ws(a), token, null);
          ChatClient onB = ChatClient.connect(ws(b), token, null);
          ChatClient bystander = ChatClient.connect(ws(b), other, null)) {
        onA.next(WAIT);
        onB.next(WAIT);
        bystander.next(WAIT);
        onA.send("{\"type\":\"user_message\",\"payload\":{\"content\":\"sent on instance A\"}}");
        List<JsonNode> seenOnB = onB.until("agent_completed", WAIT);
        assertFiveInOrder(seenOnB);
        assertThat(bystander.silentFor(Duration.ofMillis(500))).as("another user on B sees nothing").isTrue();
      }
    }
  }

  @Test
  void shutdownClosesSocketsWithGoingAway() throws Exception {
    try (ServiceProcess own = ServiceProcess.start(Map.of("JWT_SECRET_KEY", SECRET))) {
      own.awaitStatus("/health/ready", 200, Duration.ofSeconds(60));
      try (ChatClient chat = ChatClient.connect(ws(own), tokens.mint(user("leaving"), Duration.ofMinutes(5)), null)) {
        chat.next(WAIT);
        own.terminate();
        assertThat(chat.closeCode(WAIT)).as("close code when the server shuts down").isEqualTo(1001);
        assertThat(own.awaitExit(Duration.ofSeconds(10))).isZero();
      }
    }
  }

  private static SigningKey keyFor(String secret) {
    try {
      return SigningKey.load(Settings.read(Map.of("JWT_SECRET_KEY", secret)));
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String base64(String json) {
    return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes());
  }

  /** Threads made by one test, for tests that want to look at them. */
  private static final class HashMapHolder {
    static final Map<String, String> threads = new java.util.concurrent.ConcurrentHashMap<>();
  }
}

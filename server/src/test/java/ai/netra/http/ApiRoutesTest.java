package ai.netra.http;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.auth.SigningKey;
import ai.netra.auth.Tokens;
import ai.netra.cache.LocalRateLimiter;
import ai.netra.config.Settings;
import ai.netra.db.ChatRepository;
import ai.netra.db.Migrations;
import ai.netra.testing.TestDependencies;
import ai.netra.config.IngestSettings;
import ai.netra.usage.OtlpReceiver;
import ai.netra.usage.PriceCatalog;
import ai.netra.usage.UsageImport;
import ai.netra.usage.UsageStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiRoutesTest {

  private static final String SECRET = "api-test-secret-0123456789abcdefghijklmnopqrstuvwxyz";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> ORIGINS = List.of("https://app.example.com", "http://localhost:*");
  /** Limits of the server that takes only small uploads. */
  private static final int SMALL_UPLOAD_BYTES = 64 * 1024;
  private static final int SMALL_UPLOAD_ROWS = 50;
  /** The rate limit is ApiLimitsIT's subject; here it never gets in the way. */
  private static final ApiRoutes.Limits UNLIMITED = new ApiRoutes.Limits(new LocalRateLimiter(100_000, 100_000), 100_000,
      100_000, 1, Duration.ofSeconds(30));

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private HikariDataSource dataSource;
  private ChatRepository chats;
  private SigningKey key;
  private Tokens tokens;
  private Server server;
  private Server brokenStorageServer;
  private Server smallUploadsServer;
  private String base;
  private String brokenBase;
  private String smallBase;

  @BeforeAll
  void start() throws Exception {
    HikariConfig config = TestDependencies.freshDatabasePool("api", 8);
    dataSource = new HikariDataSource(config);
    new Migrations(dataSource).migrate();
    chats = new ChatRepository(dataSource, Clock.systemUTC());
    key = SigningKey.load(Settings.read(Map.of("JWT_SECRET_KEY", SECRET)));
    tokens = new Tokens(key);

    PriceCatalog prices = PriceCatalog.bundled();
    UsageImport usage = new UsageImport(new UsageStore(dataSource), prices, Clock.systemUTC());
    server = serve(new ApiRoutes(tokens, chats, usage, new OtlpReceiver(usage, IngestSettings.DEFAULT), new OriginPolicy(ORIGINS, false), UNLIMITED));
    base = "http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    UsageImport brokenUsage = new UsageImport(new UsageStore(failingDataSource()), prices, Clock.systemUTC());
    brokenStorageServer = serve(new ApiRoutes(tokens, new ChatRepository(failingDataSource(), Clock.systemUTC()), brokenUsage,
        new OtlpReceiver(brokenUsage, IngestSettings.DEFAULT), new OriginPolicy(ORIGINS, false), UNLIMITED));
    brokenBase = "http://127.0.0.1:" + ((ServerConnector) brokenStorageServer.getConnectors()[0]).getLocalPort();
    UsageImport smallUsage = new UsageImport(new UsageStore(dataSource), prices, Clock.systemUTC(),
        new UsageImport.Limits(SMALL_UPLOAD_BYTES, SMALL_UPLOAD_ROWS));
    smallUploadsServer = serve(new ApiRoutes(tokens, chats, smallUsage, new OtlpReceiver(smallUsage, IngestSettings.DEFAULT), new OriginPolicy(ORIGINS, false), UNLIMITED));
    smallBase = "http://127.0.0.1:" + ((ServerConnector) smallUploadsServer.getConnectors()[0]).getLocalPort();
  }

  @AfterAll
  void stop() throws Exception {
    for (Server s : new Server[] {server, brokenStorageServer, smallUploadsServer}) {
      if (s != null) {
        s.stop();
      }
    }
    if (dataSource != null) {
      dataSource.close();
    }
  }

  /** A server shaped like the service's: the routes, then a 404 for whatever they did not take, on virtual threads. */
  private static Server serve(ApiRoutes routes) throws Exception {
    QueuedThreadPool threads = new QueuedThreadPool(50, 2);
    threads.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
    Server server = new Server(threads);
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    server.setHandler(new Handler.Sequence(routes, new FallThrough()));
    server.start();
    return server;
  }

  /** Answers what ApiRoutes declined, with a code the test can tell apart from the routes' own 404. */
  private static final class FallThrough extends Handler.Abstract.NonBlocking {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      return Replies.error(response, callback, 404, "fell_through", "not an API path");
    }
  }

  /** A database that refuses every connection with a message quoting SQL, which must never reach a client. */
  private static DataSource failingDataSource() {
    return (DataSource) Proxy.newProxyInstance(ApiRoutesTest.class.getClassLoader(), new Class<?>[] {DataSource.class},
        (proxy, method, args) -> {
          if (method.getName().equals("getConnection")) {
            throw new SQLException("select secret_column from threads where user_id = 'alice'", "08001");
          }
          if (method.getName().equals("toString")) {
            return "failing data source";
          }
          throw new UnsupportedOperationException(method.getName());
        });
  }

  // --- helpers ---

  private static String user() {
    return "user-" + UUID.randomUUID();
  }

  private String token(String userId) {
    return tokens.mint(userId, Duration.ofHours(1));
  }

  private HttpResponse<String> send(String root, String method, String path, String token, String... headers)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(root + path)).timeout(Duration.ofSeconds(20))
        .method(method, HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private HttpResponse<String> get(String path, String token, String... headers) throws Exception {
    return send(base, "GET", path, token, headers);
  }

  private static JsonNode body(HttpResponse<String> response) throws Exception {
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
    assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
    return JSON.readTree(response.body());
  }

  private static void assertError(HttpResponse<String> response, int status, String code) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    JsonNode error = body(response).path("error");
    assertThat(error.path("code").asText()).isEqualTo(code);
    assertThat(error.path("message").asText()).isNotBlank();
  }

  private static List<String> texts(JsonNode array, String field) {
    List<String> values = new ArrayList<>();
    array.forEach(n -> values.add(n.path(field).asText()));
    return values;
  }

  private static String b64(String s) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  // --- identity ---

  @Test
  void meAnswersTheTokensUserAndExpiry() throws Exception {
    String alice = user();
    Instant expiry = Instant.now().plus(Duration.ofHours(1));

    HttpResponse<String> response = get("/api/me", token(alice));

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode me = body(response);
    assertThat(me.path("user_id").asText()).isEqualTo(alice);
    Instant expiresAt = Instant.parse(me.path("token_expires_at").asText());
    assertThat(expiresAt).isBetween(expiry.minusSeconds(5), expiry.plusSeconds(5));
  }

  // --- threads, messages, events ---

  @Test
  void threadsListsOnlyTheCallersThreadsNewestFirst() throws Exception {
    String alice = user();
    String bob = user();
    UUID first = chats.saveUserMessage(alice, null, "first question").threadId();
    UUID second = chats.saveUserMessage(alice, null, "second question").threadId();
    UUID bobs = chats.saveUserMessage(bob, null, "bob's question").threadId();

    HttpResponse<String> response = get("/api/threads", token(alice));

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode threads = body(response).path("threads");
    assertThat(texts(threads, "id")).containsExactly(second.toString(), first.toString()).doesNotContain(bobs.toString());
    JsonNode newest = threads.get(0);
    assertThat(newest.path("title").asText()).isEqualTo("second question");
    assertThat(Instant.parse(newest.path("created_at").asText())).isBeforeOrEqualTo(Instant.now());
    assertThat(Instant.parse(newest.path("updated_at").asText())).isBeforeOrEqualTo(Instant.now());
    assertThat(newest.path("last_event_id").isNumber()).isTrue();
    assertThat(newest.path("last_event_id").asLong()).isZero();

    JsonNode none = body(get("/api/threads", token(user())));
    assertThat(none.path("threads").isArray()).isTrue();
    assertThat(none.path("threads")).isEmpty();
  }

  @Test
  void messagesOfTheCallersThreadOldestFirst() throws Exception {
    String alice = user();
    UUID thread = chats.saveUserMessage(alice, null, "what did we spend?").threadId();
    chats.saveAssistantMessage(thread, "You spent $12.40.");

    HttpResponse<String> response = get("/api/threads/" + thread + "/messages", token(alice));

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode reply = body(response);
    assertThat(reply.path("thread_id").asText()).isEqualTo(thread.toString());
    JsonNode messages = reply.path("messages");
    assertThat(texts(messages, "role")).containsExactly("user", "assistant");
    assertThat(texts(messages, "content")).containsExactly("what did we spend?", "You spent $12.40.");
    assertThat(messages.get(0).path("id").asLong()).isLessThan(messages.get(1).path("id").asLong());
    assertThat(Instant.parse(messages.get(0).path("created_at").asText())).isBeforeOrEqualTo(Instant.now());

    // An upper-case id names the same thread.
    assertThat(get("/api/threads/" + thread.toString().toUpperCase() + "/messages", token(alice)).statusCode())
        .isEqualTo(200);
  }

  @Test
  void eventsAfterAnIdWithTheirPayloadEmbeddedAsJson() throws Exception {
    String alice = user();
    UUID thread = chats.saveUserMessage(alice, null, "any anomalies?").threadId();
    UUID run = chats.startRun(alice, thread);
    Instant at = Instant.parse("2025-06-01T12:00:00.123456Z");
    chats.appendEvent(thread, run, "agent_started", at, "{\"agent\": \"supervisor\"}");
    chats.appendEvent(thread, run, "tool_executing", at.plusSeconds(1), "{\"tool\": \"usage_summary\", \"args\": {\"days\": 7}}");
    chats.appendEvent(thread, run, "agent_completed", at.plusSeconds(2), "{\"answer\": \"none\", \"tokens\": [1, 2]}");
    chats.appendEvent(thread, null, "error", at.plusSeconds(3), "{}");

    HttpResponse<String> all = get("/api/threads/" + thread + "/events", token(alice));
    assertThat(all.statusCode()).isEqualTo(200);
    JsonNode allEvents = body(all).path("events");
    assertThat(texts(allEvents, "event_id")).containsExactly("1", "2", "3", "4");

    HttpResponse<String> response = get("/api/threads/" + thread + "/events?after=1", token(alice));

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode reply = body(response);
    assertThat(reply.path("thread_id").asText()).isEqualTo(thread.toString());
    JsonNode events = reply.path("events");
    assertThat(texts(events, "type")).containsExactly("tool_executing", "agent_completed", "error");
    JsonNode tool = events.get(0);
    assertThat(tool.path("event_id").asLong()).isEqualTo(2);
    assertThat(tool.path("run_id").asText()).isEqualTo(run.toString());
    assertThat(tool.path("thread_id").asText()).isEqualTo(thread.toString());
    assertThat(Instant.parse(tool.path("timestamp").asText())).isEqualTo(at.plusSeconds(1));
    assertThat(tool.path("payload").isObject()).as("payload is embedded JSON, not a string").isTrue();
    assertThat(tool.path("payload").path("tool").asText()).isEqualTo("usage_summary");
    assertThat(tool.path("payload").path("args").path("days").asInt()).isEqualTo(7);
    assertThat(events.get(1).path("payload").path("tokens").isArray()).isTrue();
    assertThat(events.get(2).path("run_id").isNull()).isTrue();
    assertThat(events.get(2).path("payload").isObject()).isTrue();
    assertThat(tool.fieldNames()).toIterable()
        .containsExactlyInAnyOrder("type", "event_id", "run_id", "thread_id", "timestamp", "payload");

    JsonNode limited = body(get("/api/threads/" + thread + "/events?after=1&limit=1", token(alice))).path("events");
    assertThat(texts(limited, "event_id")).containsExactly("2");
    JsonNode caughtUp = body(get("/api/threads/" + thread + "/events?after=4", token(alice))).path("events");
    assertThat(caughtUp).isEmpty();
  }

  @Test
  void anotherUsersThreadIsNotFoundExactlyLikeARandomId() throws Exception {
    String alice = user();
    String mallory = user();
    UUID alices = chats.saveUserMessage(alice, null, "private").threadId();
    chats.appendEvent(alices, null, "error", Instant.now(), "{\"secret\": true}");
    UUID random = UUID.randomUUID();

    for (String what : List.of("messages", "events", "events?after=0")) {
      HttpResponse<String> someoneElses = get("/api/threads/" + alices + "/" + what, token(mallory));
      HttpResponse<String> missing = get("/api/threads/" + random + "/" + what, token(mallory));

      assertError(someoneElses, 404, "not_found");
      assertError(missing, 404, "not_found");
      assertThat(someoneElses.body().replace(alices.toString(), "ID")).isEqualTo(missing.body().replace(random.toString(), "ID"));
      assertThat(someoneElses.body()).doesNotContain("private", "secret");
    }
  }

  /** Issue 19: netra verify's golden path left a thread in the real user's history; its owner can now delete it. */
  @Test
  void theOwnerDeletesAThreadWithItsMessagesAndEventsAndNobodyElseCan() throws Exception {
    String alice = user();
    String mallory = user();
    UUID thread = chats.saveUserMessage(alice, null, "Summarize my LLM usage").threadId();
    chats.saveAssistantMessage(thread, "You spent $12.40.");
    chats.appendEvent(thread, null, "agent_completed", Instant.now(), "{\"answer\": \"You spent $12.40.\"}");
    UUID kept = chats.saveUserMessage(alice, null, "keep me").threadId();

    assertError(send(base, "DELETE", "/api/threads/" + thread, token(mallory)), 404, "not_found");
    assertError(send(base, "DELETE", "/api/threads/" + UUID.randomUUID(), token(alice)), 404, "not_found");
    assertThat(get("/api/threads/" + thread + "/messages", token(alice)).statusCode())
        .as("the thread after another user's delete").isEqualTo(200);

    HttpResponse<String> deleted = send(base, "DELETE", "/api/threads/" + thread, token(alice));
    assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(204);
    assertError(get("/api/threads/" + thread + "/messages", token(alice)), 404, "not_found");
    assertError(get("/api/threads/" + thread + "/events?after=0", token(alice)), 404, "not_found");
    assertError(send(base, "DELETE", "/api/threads/" + thread, token(alice)), 404, "not_found");
    try (var c = dataSource.getConnection(); var st = c.prepareStatement(
        "select (select count(*) from messages where thread_id = ?) + (select count(*) from run_events where thread_id = ?)")) {
      st.setObject(1, thread);
      st.setObject(2, thread);
      try (var rs = st.executeQuery()) {
        rs.next();
        assertThat(rs.getLong(1)).as("messages and events left of the deleted thread").isZero();
      }
    }
    assertThat(texts(body(get("/api/threads", token(alice))).path("threads"), "id")).as("alice's threads")
        .containsExactly(kept.toString());
    assertError(send(base, "DELETE", "/api/threads/not-a-uuid", token(alice)), 400, "bad_request");
    assertThat(send(base, "DELETE", "/api/threads", token(alice)).statusCode()).as("DELETE of the list").isEqualTo(405);
    assertThat(send(base, "DELETE", "/api/threads/" + kept, null).statusCode()).as("DELETE without a token").isEqualTo(401);
  }

  /** Issue 17: a thread is renamed by its owner; its place in the list stays, and nobody else can rename it. */
  @Test
  void theOwnerRenamesAThreadAndItKeepsItsPlace() throws Exception {
    String alice = user();
    String mallory = user();
    UUID older = chats.saveUserMessage(alice, null, "how much did I spend last week?").threadId();
    UUID newer = chats.saveUserMessage(alice, null, "any anomalies?").threadId();

    HttpResponse<String> renamed = rename(older, "  Weekly spend \u2014 review  ", token(alice));
    assertThat(renamed.statusCode()).as(renamed.body()).isEqualTo(200);
    assertThat(body(renamed).path("title").asText()).as("the title, trimmed").isEqualTo("Weekly spend \u2014 review");
    JsonNode threads = body(get("/api/threads", token(alice))).path("threads");
    assertThat(texts(threads, "id")).as("the order: a rename is not an update of the conversation")
        .containsExactly(newer.toString(), older.toString());
    assertThat(texts(threads, "title")).contains("Weekly spend \u2014 review");

    assertError(rename(older, "mine now", token(mallory)), 404, "not_found");
    assertError(rename(UUID.randomUUID(), "nothing", token(alice)), 404, "not_found");
    assertError(rename(older, "   ", token(alice)), 400, "invalid_title");
    assertError(rename(older, "x".repeat(81), token(alice)), 400, "invalid_title");
    assertError(rename(older, "two\nlines", token(alice)), 400, "invalid_title");
    assertError(sendJson(base, "PATCH", "/api/threads/" + older, "{\"name\": \"wrong field\"}", token(alice)), 400,
        "bad_request");
    assertError(sendJson(base, "PATCH", "/api/threads/" + older, "not json", token(alice)), 400, "bad_request");
    assertError(sendJson(base, "PATCH", "/api/threads/" + older, "{\"title\": \"" + "a".repeat(5000) + "\"}",
        token(alice)), 413, "too_large");
    assertThat(texts(body(get("/api/threads", token(alice))).path("threads"), "title")).as("after the refusals")
        .contains("Weekly spend \u2014 review").doesNotContain("mine now");
  }

  private HttpResponse<String> rename(UUID thread, String title, String token) throws Exception {
    return sendJson(base, "PATCH", "/api/threads/" + thread, JSON.writeValueAsString(java.util.Map.of("title", title)),
        token);
  }

  private HttpResponse<String> sendJson(String root, String method, String path, String json, String token)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(root + path)).timeout(Duration.ofSeconds(20))
        .method(method, HttpRequest.BodyPublishers.ofString(json)).header("Content-Type", "application/json");
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  // --- authentication ---

  @Test
  void aMissingTokenIsRefusedWithAChallenge() throws Exception {
    HttpResponse<String> none = get("/api/threads", null);
    assertError(none, 401, "missing_token");
    assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");

    HttpResponse<String> basic = get("/api/me", null, "Authorization", "Basic YWxpY2U6c2VjcmV0");
    assertError(basic, 401, "missing_token");
  }

  @Test
  void anExpiredTokenIsRefusedWithItsCodeAndNeverEchoed() throws Exception {
    Tokens anHourAgo = new Tokens(key, Clock.fixed(Instant.now().minus(Duration.ofHours(2)), ZoneOffset.UTC));
    String expired = anHourAgo.mint("alice", Duration.ofHours(1));

    HttpResponse<String> response = get("/api/me", expired);

    assertError(response, 401, "expired");
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
    assertThat(response.body()).doesNotContain(expired).doesNotContain(expired.substring(expired.lastIndexOf('.') + 1));
  }

  @Test
  void algNoneAndForeignSignaturesAreRefused() throws Exception {
    long exp = Instant.now().plusSeconds(3600).getEpochSecond();
    String unsigned = b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + b64("{\"sub\":\"alice\",\"exp\":" + exp + "}") + ".";
    assertError(get("/api/me", unsigned), 401, "unsupported_algorithm");

    Tokens otherKey = new Tokens(SigningKey.load(Settings.read(Map.of("JWT_SECRET_KEY", "another-secret-0123456789abcdefghijklmnop"))));
    assertError(get("/api/me", otherKey.mint("alice", Duration.ofHours(1))), 401, "bad_signature");

    assertError(get("/api/me", "not-a-jwt"), 401, "malformed");
  }

  @Test
  void authIsCheckedBeforeAnythingIsRead() throws Exception {
    assertError(get("/api/threads/" + UUID.randomUUID() + "/messages", null), 401, "missing_token");
    assertError(get("/api/threads/not-a-uuid/events?after=x", null), 401, "missing_token");
  }

  // --- bad input, unknown paths, methods ---

  @Test
  void aMalformedThreadIdIsABadRequestNamingIt() throws Exception {
    String token = token(user());
    for (String id : List.of("not-a-uuid", "1-2-3-4-5", "123e4567e89b12d3a456426614174000", "%20")) {
      HttpResponse<String> response = get("/api/threads/" + id + "/messages", token);
      assertError(response, 400, "bad_request");
      JsonNode body = JSON.readTree(response.body());
      assertThat(body.path("parameter").asText()).isEqualTo("thread_id");
      assertThat(body.path("error").path("message").asText()).contains("thread id");
    }
  }

  @Test
  void badNumbersAreBadRequestsNamingTheParameter() throws Exception {
    String alice = user();
    String token = token(alice);
    UUID thread = chats.saveUserMessage(alice, null, "hello").threadId();
    String events = "/api/threads/" + thread + "/events";
    Map<String, String> cases = Map.of(
        events + "?after=abc", "after",
        events + "?after=-1", "after",
        events + "?after=1.5", "after",
        events + "?after=99999999999999999999999", "after",
        events + "?after=1&after=2", "after",
        events + "?limit=", "limit",
        "/api/threads?limit=ten", "limit");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      HttpResponse<String> response = get(c.getKey(), token);
      assertError(response, 400, "bad_request");
      assertThat(JSON.readTree(response.body()).path("parameter").asText()).as(c.getKey()).isEqualTo(c.getValue());
      assertThat(JSON.readTree(response.body()).path("error").path("message").asText()).contains(c.getValue());
    }
  }

  @Test
  void limitsAreBounded() throws Exception {
    String alice = user();
    String token = token(alice);
    UUID thread = null;
    for (int i = 0; i < 3; i++) {
      thread = chats.saveUserMessage(alice, null, "question " + i).threadId();
    }
    for (int i = 0; i < 3; i++) {
      chats.appendEvent(thread, null, "agent_thinking", Instant.now(), "{\"n\": " + i + "}");
    }
    String events = "/api/threads/" + thread + "/events";

    assertThat(body(get("/api/threads?limit=1", token)).path("threads")).hasSize(1);
    assertThat(body(get("/api/threads?limit=500", token)).path("threads")).hasSize(3);
    assertThat(body(get("/api/threads", token)).path("threads")).hasSize(3);
    assertError(get("/api/threads?limit=0", token), 400, "bad_request");
    assertError(get("/api/threads?limit=501", token), 400, "bad_request");
    assertThat(JSON.readTree(get("/api/threads?limit=501", token).body()).path("error").path("message").asText())
        .contains("1 to 500");

    assertThat(body(get(events + "?limit=2", token)).path("events")).hasSize(2);
    assertThat(body(get(events + "?limit=500", token)).path("events")).hasSize(3);
    assertError(get(events + "?limit=0", token), 400, "bad_request");
    assertError(get(events + "?limit=501", token), 400, "bad_request");
    String messages = "/api/threads/" + thread + "/messages";
    assertThat(body(get(messages + "?limit=500", token)).path("messages")).hasSize(1);
    assertError(get(messages + "?limit=501", token), 400, "bad_request");
  }

  /** A long thread came back whole in one reply: its size had no bound. */
  @Test
  void everyListComesInPagesWithANextCursorThatIsNullOnTheLastPage() throws Exception {
    String alice = user();
    String token = token(alice);
    UUID thread = chats.saveUserMessage(alice, null, "m0").threadId();
    for (int i = 1; i < 5; i++) {
      chats.saveUserMessage(alice, thread, "m" + i);
      chats.saveUserMessage(alice, null, "other " + i);
      chats.appendEvent(thread, null, "agent_thinking", Instant.now(), "{\"n\": " + i + "}");
    }
    chats.appendEvent(thread, null, "agent_thinking", Instant.now(), "{\"n\": 5}");

    List<String> contents = new ArrayList<>();
    List<String> cursors = new ArrayList<>();
    String cursor = null;
    do {
      JsonNode page = body(get("/api/threads/" + thread + "/messages?limit=2" + (cursor == null ? "" : "&cursor=" + cursor), token));
      assertThat(page.has("next_cursor")).as("next_cursor is always there").isTrue();
      assertThat(page.path("messages").size()).isBetween(1, 2);
      contents.addAll(texts(page.path("messages"), "content"));
      cursor = page.path("next_cursor").isNull() ? null : page.path("next_cursor").asText();
      cursors.add(cursor);
    } while (cursor != null);
    assertThat(contents).containsExactly("m0", "m1", "m2", "m3", "m4");
    assertThat(cursors).as("2 + 2 + 1, the last page's cursor null").hasSize(3).endsWith((String) null);

    List<String> eventIds = new ArrayList<>();
    JsonNode page = body(get("/api/threads/" + thread + "/events?after=0&limit=3", token));
    eventIds.addAll(texts(page.path("events"), "event_id"));
    page = body(get("/api/threads/" + thread + "/events?cursor=" + page.path("next_cursor").asText() + "&limit=3", token));
    eventIds.addAll(texts(page.path("events"), "event_id"));
    assertThat(eventIds).containsExactly("1", "2", "3", "4", "5");
    assertThat(page.path("next_cursor").isNull()).isTrue();
    assertError(get("/api/threads/" + thread + "/events?after=1&cursor=1", token), 400, "bad_request");

    List<String> threadIds = new ArrayList<>();
    cursor = null;
    do {
      page = body(get("/api/threads?limit=2" + (cursor == null ? "" : "&cursor=" + cursor), token));
      threadIds.addAll(texts(page.path("threads"), "id"));
      cursor = page.path("next_cursor").isNull() ? null : page.path("next_cursor").asText();
    } while (cursor != null);
    assertThat(threadIds).hasSize(5).doesNotHaveDuplicates()
        .containsExactlyElementsOf(texts(body(get("/api/threads", token)).path("threads"), "id"));
    HttpResponse<String> forged = get("/api/threads?cursor=not-a-cursor", token);
    assertError(forged, 400, "bad_request");
    assertThat(JSON.readTree(forged.body()).path("parameter").asText()).isEqualTo("cursor");
  }

  @Test
  void unknownApiPathsAreNotFoundAndOtherPathsAreLeftToTheNextHandler() throws Exception {
    String token = token(user());
    assertError(get("/api/nope", token), 404, "not_found");
    assertError(get("/api", token), 404, "not_found");
    // A thread's own path answers DELETE and PATCH only.
    HttpResponse<String> getThread = get("/api/threads/" + UUID.randomUUID(), token);
    assertError(getThread, 405, "method_not_allowed");
    assertThat(getThread.headers().firstValue("Allow")).hasValue("DELETE, PATCH");
    assertError(get("/api/threads/" + UUID.randomUUID() + "/other", token), 404, "not_found");

    assertError(get("/apinope", token), 404, "fell_through");
    assertError(get("/health", token), 404, "fell_through");
  }

  @Test
  void otherMethodsOnKnownPathsAreNotAllowed() throws Exception {
    String token = token(user());
    for (String method : List.of("POST", "PUT", "DELETE", "PATCH")) {
      HttpResponse<String> response = send(base, method, "/api/threads", token);
      assertError(response, 405, "method_not_allowed");
      assertThat(response.headers().firstValue("Allow")).hasValue("GET");
    }
    HttpResponse<String> post = send(base, "POST", "/api/threads/" + UUID.randomUUID() + "/messages", token);
    assertError(post, 405, "method_not_allowed");
    assertThat(post.headers().firstValue("Allow")).hasValue("GET");
  }

  // --- CORS ---

  @Test
  void anAllowedOriginMayReadTheReply() throws Exception {
    HttpResponse<String> response = get("/api/me", token(user()), "Origin", "https://app.example.com");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://app.example.com");
    assertThat(response.headers().allValues("Vary")).anySatisfy(v -> assertThat(v).contains("Origin"));

    // Errors too, so the page can show what went wrong.
    HttpResponse<String> refused = get("/api/me", null, "Origin", "https://app.example.com");
    assertError(refused, 401, "missing_token");
    assertThat(refused.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://app.example.com");
  }

  @Test
  void localhostOnAnyPortMatchesTheWildcardEntry() throws Exception {
    String token = token(user());
    for (String origin : List.of("http://localhost:5173", "http://localhost:3000", "http://localhost")) {
      HttpResponse<String> response = get("/api/me", token, "Origin", origin);
      assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).as(origin).hasValue(origin);
    }
    for (String origin : List.of("https://localhost:5173", "http://localhost.evil.example:5173",
        "http://localhost:5173.evil.example", "http://127.0.0.1:5173")) {
      HttpResponse<String> response = get("/api/me", token, "Origin", origin);
      assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).as(origin).isEmpty();
    }
  }

  @Test
  void aDisallowedOriginGetsNoCorsHeaders() throws Exception {
    for (String origin : List.of("https://evil.example", "https://app.example.com.evil.example", "null")) {
      HttpResponse<String> response = get("/api/me", token(user()), "Origin", origin);
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).as(origin).isEmpty();
      assertThat(response.headers().firstValue("Access-Control-Allow-Methods")).isEmpty();
    }
  }

  @Test
  void preflightsAreAnsweredForAllowedOriginsAndRefusedForOthers() throws Exception {
    HttpResponse<String> allowed = send(base, "OPTIONS", "/api/threads", null,
        "Origin", "http://localhost:5173",
        "Access-Control-Request-Method", "GET",
        "Access-Control-Request-Headers", "authorization");

    assertThat(allowed.statusCode()).isEqualTo(204);
    assertThat(allowed.headers().firstValue("Access-Control-Allow-Origin")).hasValue("http://localhost:5173");
    assertThat(allowed.headers().firstValue("Access-Control-Allow-Methods")).hasValue("GET, OPTIONS");
    assertThat(allowed.headers().firstValue("Access-Control-Allow-Headers")).hasValue("Authorization, Content-Type");
    assertThat(allowed.headers().firstValue("Access-Control-Max-Age")).hasValue("600");
    assertThat(allowed.headers().allValues("Vary")).anySatisfy(v -> assertThat(v).contains("Origin"));
    assertThat(allowed.body()).isEmpty();

    HttpResponse<String> refused = send(base, "OPTIONS", "/api/threads", null,
        "Origin", "https://evil.example",
        "Access-Control-Request-Method", "GET");

    assertError(refused, 403, "origin_not_allowed");
    assertThat(refused.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    assertThat(refused.headers().firstValue("Access-Control-Allow-Methods")).isEmpty();
  }

  // --- storage failures ---

  @Test
  void aStorageFailureIsA503WithRetryAfterAndNoSql() throws Exception {
    String token = token(user());
    for (String path : List.of("/api/threads", "/api/threads/" + UUID.randomUUID() + "/messages",
        "/api/threads/" + UUID.randomUUID() + "/events?after=3")) {
      HttpResponse<String> response = send(brokenBase, "GET", path, token, "Origin", "https://app.example.com");

      assertError(response, 503, "storage_unavailable");
      assertThat(response.headers().firstValue("Retry-After")).hasValue("2");
      assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://app.example.com");
      assertThat(response.body()).doesNotContainIgnoringCase("select").doesNotContain("secret_column", "SQLState");
    }
    // /api/me reads no storage.
    assertThat(send(brokenBase, "GET", "/api/me", token).statusCode()).isEqualTo(200);
  }

  // --- usage uploads ---

  private static final String USAGE_HEADER = "occurred_at,provider,model,feature,prompt_tokens,completion_tokens,"
      + "latency_ms,prompt_hash,status\n";
  private static final String USAGE_ROW = "2025-09-01T10:00:00Z,openai,gpt-4o-mini,summarize,1200,150,900,,ok\n";

  private HttpResponse<String> post(String root, String path, String token, String contentType, String body,
      String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(root + path)).timeout(Duration.ofSeconds(20))
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  /**
   * Sends a request the server answers before reading its whole body, on a client of its own: the server then
   * closes the connection, which must not be left in the shared client's pool for the next test.
   */
  private static HttpResponse<String> sendOnItsOwnConnection(HttpRequest request) throws Exception {
    try (HttpClient own = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
      return own.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }
  }

  private long usageRows(String userId) throws Exception {
    try (Connection c = dataSource.getConnection();
        PreparedStatement s = c.prepareStatement("select count(*) from llm_usage where user_id = ?")) {
      s.setString(1, userId);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  @Test
  void aCsvUploadIsImportedForTheTokensUser() throws Exception {
    String alice = user();
    String csv = USAGE_HEADER + USAGE_ROW + "2025-09-02 08:30:00,anthropic,claude-sonnet-4,support-chat,900,300,,,\n";

    HttpResponse<String> response = post(base, "/api/usage", token(alice), "text/csv", csv);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode imported = body(response);
    assertThat(imported.path("imported").asInt()).isEqualTo(2);
    assertThat(imported.path("first").asText()).isEqualTo("2025-09-01T10:00:00Z");
    assertThat(imported.path("last").asText()).isEqualTo("2025-09-02T08:30:00Z");
    assertThat(usageRows(alice)).as("rows stored for the token's user").isEqualTo(2);
  }

  @Test
  void jsonLinesAreImportedUnderEitherMediaType() throws Exception {
    String bob = user();
    String line = "{\"occurred_at\": \"2025-09-01T10:00:00Z\", \"provider\": \"google\", \"model\": \"gemini-2.0-flash\","
        + " \"feature\": \"summarize\", \"prompt_tokens\": 3000, \"completion_tokens\": 250}\n";
    for (String type : List.of("application/x-ndjson", "application/jsonl; charset=utf-8")) {
      HttpResponse<String> response = post(base, "/api/usage", token(bob), type, line + line);
      assertThat(response.statusCode()).as(type + ": " + response.body()).isEqualTo(200);
      assertThat(body(response).path("imported").asInt()).as(type).isEqualTo(2);
    }
    assertThat(usageRows(bob)).isEqualTo(4);
  }

  @Test
  void oneBadRowRefusesTheWholeUploadWithEveryProblemListed() throws Exception {
    String carol = user();
    String csv = USAGE_HEADER + USAGE_ROW
        + "2025-09-01T10:00:00Z,openai,gpt-4o-mini,summarize,-3,150,900,,ok\n"
        + "2025-09-01T10:00:00Z,openai,GPT 7,summarize,1,1,,,later\n"
        + USAGE_ROW;

    HttpResponse<String> response = post(base, "/api/usage", token(carol), "text/csv", csv);

    assertError(response, 422, "invalid_rows");
    JsonNode refusal = JSON.readTree(response.body());
    assertThat(refusal.path("total_problems").asInt()).isEqualTo(3);
    assertThat(refusal.path("rows")).hasSize(3);
    JsonNode first = refusal.path("rows").get(0);
    assertThat(first.path("line").asInt()).isEqualTo(3);
    assertThat(first.path("field").asText()).isEqualTo("prompt_tokens");
    assertThat(first.path("message").asText()).contains("negative");
    assertThat(texts(refusal.path("rows"), "field")).containsExactly("prompt_tokens", "model", "status");
    assertThat(usageRows(carol)).as("rows stored after a refused upload").isZero();
  }

  @Test
  void openAisUsageExportIsImportedAsJsonOrAsJsonLinesAndABadResultIsNamed() throws Exception {
    String erin = user();
    String export;
    try (java.io.InputStream in = getClass().getResourceAsStream("/usage/openai-completions-usage.json")) {
      export = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    for (String type : List.of("application/json", "application/x-ndjson")) {
      HttpResponse<String> response = post(base, "/api/usage", token(erin), type, export);
      assertThat(response.statusCode()).as(type + ": " + response.body()).isEqualTo(200);
      assertThat(body(response).path("imported").asInt()).as(type).isEqualTo(5);
      assertThat(body(response).path("first").asText()).isEqualTo("2025-09-01T00:00:00Z");
    }
    assertThat(usageRows(erin)).isEqualTo(10);

    String frank = user();
    HttpResponse<String> refused = post(base, "/api/usage", token(frank), "application/json",
        export.replace("\"model\": \"gpt-4o-mini-2024-07-18\"", "\"model\": null"));
    assertError(refused, 422, "invalid_rows");
    JsonNode problem = JSON.readTree(refused.body()).path("rows").get(0);
    assertThat(problem.path("field").asText()).isEqualTo("data[0].results[1].model");
    assertThat(problem.path("message").asText()).contains("group_by=model");
    assertThat(usageRows(frank)).as("rows stored after a refused export").isZero();
  }

  @Test
  void otherContentTypesAre415NamingTheAcceptedOnes() throws Exception {
    String token = token(user());
    for (String type : new String[] {"application/xml", "text/plain", "text/csv; charset=iso-8859-1", null}) {
      HttpResponse<String> response = post(base, "/api/usage", token, type, USAGE_HEADER + USAGE_ROW);
      assertError(response, 415, "unsupported_media_type");
      assertThat(JSON.readTree(response.body()).path("error").path("message").asText()).as(String.valueOf(type))
          .contains("text/csv", "application/x-ndjson", "application/jsonl", "application/json");
    }
  }

  @Test
  void usageAnswersPostOnlyAndOnlyWithAToken() throws Exception {
    HttpResponse<String> get = get("/api/usage", token(user()));
    assertError(get, 405, "method_not_allowed");
    assertThat(get.headers().firstValue("Allow")).hasValue("POST");

    assertError(post(base, "/api/usage", null, "text/csv", USAGE_HEADER + USAGE_ROW), 401, "missing_token");

    HttpResponse<String> preflight = send(base, "OPTIONS", "/api/usage", null,
        "Origin", "http://localhost:5173", "Access-Control-Request-Method", "POST");
    assertThat(preflight.statusCode()).isEqualTo(204);
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods")).hasValue("POST, OPTIONS");
  }

  @Test
  void anUploadDeclaringMoreThanTheLimitIs413BeforeItsBodyIsSent() throws Exception {
    String dave = user();
    long fiftyMegabytes = 50L * 1024 * 1024;
    AtomicLong sent = new AtomicLong();
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/api/usage")).timeout(Duration.ofSeconds(20))
        .expectContinue(true)
        .header("Authorization", "Bearer " + token(dave))
        .header("Content-Type", "text/csv")
        .POST(HttpRequest.BodyPublishers.fromPublisher(
            HttpRequest.BodyPublishers.ofInputStream(() -> new Rows(fiftyMegabytes, sent, USAGE_ROW)), fiftyMegabytes))
        .build();

    HttpResponse<String> response = sendOnItsOwnConnection(request);

    assertError(response, 413, "too_large");
    assertThat(sent.get()).as("bytes of the 50 MiB body the client had to send").isLessThan(1024 * 1024);
    assertThat(usageRows(dave)).isZero();
  }

  @Test
  void anUploadOfUnknownLengthIsRefusedOnceItPassesTheLimit() throws Exception {
    String erin = user();
    AtomicLong sent = new AtomicLong();
    long body = 200L * 1024 * 1024;
    // Wide rows (~300 bytes), so the 20 MiB limit comes before the row limit.
    String wide = "2025-09-01T10:00:00Z,openai,gpt-4o-mini," + "f".repeat(100) + ",1200,150,900," + "a".repeat(128) + ",ok\n";
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/api/usage")).timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + token(erin))
        .header("Content-Type", "text/csv")
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new Rows(body, sent, wide))) // chunked: no length
        .build();

    HttpResponse<String> response = sendOnItsOwnConnection(request);

    assertError(response, 413, "too_large");
    // The limit, plus what the socket buffers on both sides took while the refusal was on its way.
    assertThat(sent.get()).as("bytes of the 200 MiB body sent before the refusal stopped the client").isLessThan(body / 4);
    assertThat(usageRows(erin)).isZero();
  }

  @Test
  void moreRowsThanTheLimitIs413() throws Exception {
    String frank = user();
    String csv = USAGE_HEADER + USAGE_ROW.repeat(SMALL_UPLOAD_ROWS + 1);

    HttpResponse<String> response = post(smallBase, "/api/usage", token(frank), "text/csv", csv);

    assertError(response, 413, "too_many_rows");
    assertThat(usageRows(frank)).isZero();
    assertThat(post(smallBase, "/api/usage", token(frank), "text/csv", USAGE_HEADER + USAGE_ROW.repeat(SMALL_UPLOAD_ROWS))
        .statusCode()).as("exactly the row limit").isEqualTo(200);
  }

  @Test
  void aUsageStorageFailureIsA503AndNothingOfTheDriversMessage() throws Exception {
    HttpResponse<String> response = post(brokenBase, "/api/usage", token(user()), "text/csv", USAGE_HEADER + USAGE_ROW);

    assertError(response, 503, "storage_unavailable");
    assertThat(response.headers().firstValue("Retry-After")).hasValue("2");
    assertThat(response.body()).doesNotContainIgnoringCase("select").doesNotContain("secret_column", "SQLState");
  }

  /** Valid usage rows, made up as they are read, up to {@code total} bytes; counts what was read. */
  private static final class Rows extends InputStream {
    private final long total;
    private final AtomicLong sent;
    private final byte[] row;
    private byte[] current = USAGE_HEADER.getBytes(StandardCharsets.UTF_8);
    private int position;

    Rows(long total, AtomicLong sent, String row) {
      this.total = total;
      this.sent = sent;
      this.row = row.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      long left = total - sent.get();
      if (left <= 0) {
        return -1;
      }
      if (position == current.length) {
        current = row;
        position = 0;
      }
      int n = (int) Math.min(Math.min(len, current.length - position), left);
      System.arraycopy(current, position, b, off, n);
      position += n;
      sent.addAndGet(n);
      return n;
    }
  }
}

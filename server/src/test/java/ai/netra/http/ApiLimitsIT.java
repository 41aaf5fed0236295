package ai.netra.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.netra.auth.SigningKey;
import ai.netra.auth.Tokens;
import ai.netra.config.Settings;
import ai.netra.testing.ServiceProcess;
import ai.netra.testing.TestDependencies;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The REST API's per-user limits, through the real jar: the request rate, with Redis and without. */
class ApiLimitsIT {

  private static final String SECRET = "api-limits-it-secret-0123456789abcdefghijkl";
  private static final Duration START = Duration.ofSeconds(90);

  private static String token(String user) throws Exception {
    return new Tokens(SigningKey.load(Settings.read(Map.of("JWT_SECRET_KEY", SECRET))))
        .mint(user + "-" + TestDependencies.RUN, Duration.ofMinutes(10));
  }

  private static HttpResponse<String> get(ServiceProcess service, String path, String token) throws Exception {
    return service.send(HttpRequest.newBuilder(service.uri(path)).header("Authorization", "Bearer " + token)
        .timeout(Duration.ofSeconds(20)).GET().build());
  }

  /** REST had no rate limit: one user could keep every pooled connection busy with list requests. */
  @Test
  void aUserOverTheRequestRateGets429WithRetryAfterWhileOthersAreServedInProcess() throws Exception {
    assertRateLimited(new HashMap<>());
  }

  /** The same limit, counted in Redis so every instance shares it. */
  @Test
  void aUserOverTheRequestRateGets429WithRetryAfterWhileOthersAreServedWithRedis() throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("REDIS_URL", TestDependencies.requireRedis());
    env.put("REDIS_KEY_PREFIX", TestDependencies.redisPrefix("api-rate"));
    assertRateLimited(env);
  }

  private static final String HEADER = "occurred_at,provider,model,feature,prompt_tokens,completion_tokens\n";
  private static final String ROW = "2025-09-01T10:00:00Z,openai,gpt-4o,support-chat,1200,250\n";

  /**
   * A client that trickled its upload held one of the instance's two upload slots for as long as it liked, and one
   * user could hold both: uploads were refused for everyone.
   */
  @Test
  @SuppressWarnings("unchecked")
  void slowUploadsAreCutOffAndEachUserHasUploadSlotsOfTheirOwn() throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("JWT_SECRET_KEY", SECRET);
    env.put("USAGE_UPLOAD_MIN_BYTES_PER_S", "1000");
    env.put("USAGE_UPLOAD_RATE_WINDOW_S", "2");
    try (ServiceProcess service = ServiceProcess.start(env)) {
      service.awaitStatus("/health/ready", 200, START);

      // A trickle: the header, then one row a second (57 bytes/s against a floor of 1000).
      String trickler = "trickler-" + TestDependencies.RUN;
      try (SlowUpload upload = SlowUpload.open(service.port(), token("trickler"), 100_000)) {
        long started = System.nanoTime();
        upload.send(HEADER);
        String answer = null;
        for (int i = 0; i < 20 && answer == null; i++) {
          upload.sendQuietly(ROW);
          answer = upload.answerWithin(Duration.ofSeconds(1));
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(answer).as("an answer while trickling").isNotNull();
        assertThat(answer).startsWith("HTTP/1.1 408").containsIgnoringCase("connection: close")
            .contains("\"code\":\"upload_too_slow\"").contains("below the minimum of 1000 bytes a second")
            .contains("nothing was imported");
        assertThat(took).as("cut off within the 2 s window, plus slack for a loaded machine").isLessThan(Duration.ofSeconds(6));
      }
      // Silence after the headers is the slowest trickle of all.
      try (SlowUpload upload = SlowUpload.open(service.port(), token("silent"), 1_000)) {
        assertThat(upload.answerWithin(Duration.ofSeconds(8))).as("a silent upload").startsWith("HTTP/1.1 408");
      }
      assertThat(usageRows("trickler")).as("rows of the cut-off upload stored").isZero();

      // Alice's upload runs (2,400 bytes at once, then 3,000 bytes/s: above the floor of 2,000 per 2 s window);
      // her second is refused, Bob's goes through.
      StringBuilder csv = new StringBuilder(HEADER);
      while (csv.length() < 9_000) {
        csv.append(ROW);
      }
      byte[] body = csv.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
      int rows = (body.length - HEADER.length()) / ROW.length();
      try (SlowUpload alice = SlowUpload.open(service.port(), token("alice"), body.length)) {
        alice.send(new String(body, 0, 2_400, java.nio.charset.StandardCharsets.UTF_8));
        // Until alice's first upload holds its slot, a second one is answered 422 (no rows: nothing stored).
        HttpResponse<String>[] second = new HttpResponse[1];
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100)).until(() -> {
          second[0] = upload(service, token("alice"), HEADER);
          return second[0].statusCode() != 422;
        });
        assertThat(second[0].statusCode()).as(second[0].body()).isEqualTo(429);
        assertThat(second[0].headers().firstValue("Retry-After")).isPresent();
        assertThat(ServiceProcess.parse(second[0].body()).path("error").path("code").asText()).isEqualTo("too_many_imports");
        assertThat(second[0].body()).contains("you already have 1 upload running");
        HttpResponse<String> bobs = upload(service, token("bob"), HEADER + ROW);
        assertThat(bobs.statusCode()).as("another user's upload meanwhile: %s", bobs.body()).isEqualTo(200);
        for (int at = 2_400; at < body.length; at += 300) {
          Thread.sleep(100); // the pace is the subject: 300 bytes every 100 ms
          alice.send(new String(body, at, Math.min(300, body.length - at), java.nio.charset.StandardCharsets.UTF_8));
        }
        String answer = alice.answerWithin(Duration.ofSeconds(20));
        assertThat(answer).as("alice's paced upload").startsWith("HTTP/1.1 200").contains("\"imported\":" + rows);
      }
      assertThat(usageRows("alice")).isEqualTo(rows);
    }
  }

  private static HttpResponse<String> upload(ServiceProcess service, String token, String csv) throws Exception {
    return service.send(HttpRequest.newBuilder(service.uri("/api/usage")).header("Authorization", "Bearer " + token)
        .header("Content-Type", "text/csv").timeout(Duration.ofSeconds(20))
        .POST(HttpRequest.BodyPublishers.ofString(csv)).build());
  }

  private static long usageRows(String user) throws Exception {
    java.net.URI url = java.net.URI.create(TestDependencies.postgresUrl());
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:postgresql://" + url.getHost() + ":" + url.getPort()
        + url.getPath() + "?user=" + url.getUserInfo());
        java.sql.PreparedStatement s = c.prepareStatement("select count(*) from llm_usage where user_id = ?")) {
      s.setString(1, user + "-" + TestDependencies.RUN);
      try (java.sql.ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** An upload over a raw socket, sent at whatever pace the test likes, and its answer read raw. */
  private static final class SlowUpload implements AutoCloseable {
    private final java.net.Socket socket;
    private final java.io.ByteArrayOutputStream received = new java.io.ByteArrayOutputStream();

    private SlowUpload(java.net.Socket socket) {
      this.socket = socket;
    }

    static SlowUpload open(int port, String token, int contentLength) throws Exception {
      java.net.Socket socket = new java.net.Socket("127.0.0.1", port);
      SlowUpload upload = new SlowUpload(socket);
      upload.send("POST /api/usage HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nAuthorization: Bearer " + token
          + "\r\nContent-Type: text/csv\r\nContent-Length: " + contentLength + "\r\n\r\n");
      return upload;
    }

    void send(String text) throws Exception {
      socket.getOutputStream().write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      socket.getOutputStream().flush();
    }

    /** Sends unless the server has already answered and closed. */
    void sendQuietly(String text) {
      try {
        send(text);
      } catch (Exception closed) {
        // the answer is read next
      }
    }

    /** Everything the server sent until it closed, when it starts within {@code within}; null when nothing came. */
    String answerWithin(Duration within) throws Exception {
      socket.setSoTimeout((int) within.toMillis());
      byte[] buffer = new byte[8192];
      try {
        for (int n; (n = socket.getInputStream().read(buffer)) >= 0; ) {
          received.write(buffer, 0, n);
          socket.setSoTimeout(5_000); // once it answers, the rest follows at once
        }
      } catch (java.net.SocketTimeoutException e) {
        if (received.size() == 0) {
          return null;
        }
      } catch (java.net.SocketException reset) {
        // closed after the answer
      }
      return received.size() == 0 ? null : received.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws Exception {
      socket.close();
    }
  }

  private static void assertRateLimited(Map<String, String> env) throws Exception {
    env.put("JWT_SECRET_KEY", SECRET);
    env.put("API_REQUESTS_BURST", "5");
    env.put("API_REQUESTS_PER_S", "1");
    try (ServiceProcess service = ServiceProcess.start(env)) {
      service.awaitStatus("/health/ready", 200, START);
      String flooder = token("flooder");
      int ok = 0;
      HttpResponse<String> refused = null;
      long started = System.nanoTime();
      for (int i = 0; i < 12 && refused == null; i++) {
        HttpResponse<String> r = get(service, "/api/threads", flooder);
        if (r.statusCode() == 200) {
          ok++;
        } else {
          refused = r;
        }
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      assertThat(refused).as("a 429 within 12 requests (%d answered 200 in %.1f s)", ok, seconds).isNotNull();
      assertThat(ok).as("the burst, plus at most what the rate refilled meanwhile").isBetween(5, 5 + (int) Math.ceil(seconds));
      assertThat(refused.statusCode()).isEqualTo(429);
      assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
      assertThat(refused.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
      JsonNode body = ServiceProcess.parse(refused.body());
      assertThat(body.path("error").path("code").asText()).as(refused.body()).isEqualTo("rate_limited");
      assertThat(body.path("error").path("message").asText()).contains("at most 1 a second after a burst of 5");

      assertThat(get(service, "/api/threads", token("bystander")).statusCode()).as("another user").isEqualTo(200);
      long refusedAt = System.nanoTime();
      await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(250))
          .until(() -> get(service, "/api/threads", flooder).statusCode() == 200);
      assertThat(Duration.ofNanos(System.nanoTime() - refusedAt)).as("served again once the rate refilled a token")
          .isLessThan(Duration.ofSeconds(3));
    }
  }
}

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

package ai.netra.http;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.auth.SigningKey;
import ai.netra.auth.Tokens;
import ai.netra.config.Settings;
import ai.netra.testing.ServiceProcess;
import ai.netra.testing.TestDependencies;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 16: the public health endpoints showed the database's host, user and name, file paths and the LLM's base
 * URL, in details and in cause chains. They keep components, statuses, timings and error kinds; the log keeps the
 * rest. And every reply, the API's and the errors' included, says nosniff as the pages do.
 */
class PublicHealthIT {

  private static final String SECRET = "public-health-it-secret-0123456789abcdefgh";

  @Test
  void healthShowsWhatFailedButNoAddressPathOrNameAndEveryReplySaysNosniff() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    String llmUrl = "http://127.0.0.1:" + closed + "/v1/tenant-acme-7731";
    String database = TestDependencies.postgresUrl().substring(TestDependencies.postgresUrl().lastIndexOf('/') + 1);
    // Development: the LLM endpoint check is optional, so its failure (with a cause chain) stays in the report.
    try (ServiceProcess service = ServiceProcess.start(Map.of("JWT_SECRET_KEY", SECRET, "LLM_MODEL", "gpt-4o-mini",
        "LLM_BASE_URL", llmUrl, "LLM_API_KEY", "sk-public-health-0123456789", "STARTUP_TIMEOUT_LLM_S", "2"))) {
      service.awaitStatus("/health/ready", 200, Duration.ofSeconds(90));
      JsonNode startup = service.json("/health/startup");
      JsonNode llm = ServiceProcess.step(startup, "llm-endpoint");
      assertThat(llm.path("status").asText()).as("the failed optional step, in %s", startup).isEqualTo("FAILED");
      assertThat(llm.path("error").asText()).as("its error kind").contains("unreachable");
      assertThat(ServiceProcess.step(startup, "database").path("status").asText()).isEqualTo("OK");
      assertThat(ServiceProcess.step(startup, "database").path("end_ms").asLong()).isPositive();
      for (String path : List.of("/health", "/health/ready", "/health/startup")) {
        String body = service.get(path).body();
        assertThat(body).as("%s", path).contains("database")
            .doesNotContain(llmUrl, "tenant-acme-7731", "127.0.0.1", ":" + closed, database, "user=postgres",
                service.dataDir().toString(), "http://");
      }
      assertThat(service.outputText()).as("the log keeps the details").contains(llmUrl, database);

      String token = new Tokens(SigningKey.load(Settings.read(Map.of("JWT_SECRET_KEY", SECRET))))
          .mint("nosniff-" + TestDependencies.RUN, Duration.ofMinutes(5));
      for (String path : List.of("/health", "/health/live", "/health/ready", "/health/startup", "/api/me",
          "/api/threads", "/api/no-such-route", "/no-such-page", "/metrics", "/openapi.json", "/")) {
        for (boolean signedIn : new boolean[] {false, true}) {
          HttpRequest.Builder request = HttpRequest.newBuilder(service.uri(path)).timeout(Duration.ofSeconds(5)).GET();
          if (signedIn) {
            request.header("Authorization", "Bearer " + token);
          }
          HttpResponse<String> response = service.send(request.build());
          assertThat(response.headers().firstValue("X-Content-Type-Options")).as("%s (%s) answered %d", path,
              signedIn ? "signed in" : "no token", response.statusCode()).contains("nosniff");
        }
      }
      HttpResponse<String> refused = service.send(HttpRequest.newBuilder(service.uri("/health/live"))
          .method("DELETE", HttpRequest.BodyPublishers.noBody()).build());
      assertThat(refused.statusCode()).isEqualTo(405);
      assertThat(refused.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
    }
  }
}

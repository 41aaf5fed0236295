package ai.netra.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.netra.testing.ChatClient;
import ai.netra.testing.IdentityProvider;
import ai.netra.testing.ServiceProcess;
import ai.netra.testing.TestDependencies;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 16: real deployments sign users in with an identity provider, not a shared HS256 secret. The jar in
 * production with only {@code AUTH_JWKS_URL}, {@code AUTH_ISSUER} and {@code AUTH_AUDIENCE}: the chat socket
 * and the REST API take the provider's tokens; the JWKS endpoint down at start is a failed dependency (exit 3).
 */
class IdentityProviderIT {

  private static final Duration WAIT = Duration.ofSeconds(15);

  private static Map<String, String> production(IdentityProvider idp) {
    Map<String, String> env = ServiceProcess.deployedEnv("production");
    env.remove("JWT_SECRET_KEY");
    env.put("AUTH_JWKS_URL", idp.jwksUrl());
    env.put("AUTH_ISSUER", IdentityProvider.ISSUER);
    env.put("AUTH_AUDIENCE", IdentityProvider.AUDIENCE);
    return env;
  }

  private static HttpResponse<String> me(ServiceProcess service, String token) throws Exception {
    return service.send(HttpRequest.newBuilder(service.uri("/api/me")).header("Authorization", "Bearer " + token)
        .timeout(Duration.ofSeconds(5)).GET().build());
  }

  @Test
  void chatSocketAndRestAcceptTheProvidersTokensAndKeepDoingSoWhenItGoesDown() throws Exception {
    String user = "idp-user-" + TestDependencies.RUN;
    try (IdentityProvider idp = IdentityProvider.start();
        ServiceProcess service = ServiceProcess.start(production(idp))) {
      service.awaitStatus("/health/ready", 200, Duration.ofSeconds(60));
      JsonNode jwks = ServiceProcess.step(service.json("/health/startup"), "jwks");
      assertThat(jwks.path("status").asText()).as("the JWKS step in the startup report").isEqualTo("OK");
      assertThat(service.outputText()).as("where the keys come from, in the log")
          .contains("identity provider: 2 RS256/ES256 signing keys from http://127.0.0.1:");
      assertThat(service.get("/health/startup").body()).as("the public report names no host")
          .contains("2 RS256/ES256 signing keys from the identity provider").doesNotContain("127.0.0.1:" + URI.create(
              idp.jwksUrl()).getPort());

      String rs256 = idp.rs256(user);
      HttpResponse<String> rest = me(service, rs256);
      assertThat(rest.statusCode()).as("GET /api/me with an RS256 token: %s", rest.body()).isEqualTo(200);
      assertThat(ServiceProcess.parse(rest.body()).path("user_id").asText()).isEqualTo(user);

      URI ws = URI.create("ws://127.0.0.1:" + service.port() + "/ws/chat");
      try (ChatClient chat = ChatClient.connect(ws, null, null, "jwt-auth", "jwt." + idp.es256(user))) {
        JsonNode hello = chat.next(WAIT);
        assertThat(hello.path("type").asText()).as("a browser's socket with an ES256 token").isEqualTo("connection_established");
        assertThat(hello.path("payload").path("user_id").asText()).isEqualTo(user);
        chat.send("{\"type\":\"user_message\",\"payload\":{\"content\":\"how much did we spend?\"}}");
        List<JsonNode> events = chat.until("agent_completed", WAIT);
        assertThat(events.getLast().path("type").asText()).isEqualTo("agent_completed");
      }

      HttpResponse<String> forged = me(service, idp.rs256("eve\nINFO  Service - forged line"));
      assertThat(forged.statusCode()).as("a sub with a newline").isEqualTo(401);
      assertThat(ServiceProcess.parse(forged.body()).path("error").path("code").asText()).isEqualTo("invalid_subject");
      HttpResponse<String> otherApp = me(service, idp.rs256(user, c -> c.audience("another-app")));
      assertThat(ServiceProcess.parse(otherApp.body()).path("error").path("code").asText()).isEqualTo("wrong_audience");
      Tokens shared = new Tokens(SigningKey.load(ai.netra.config.Settings.read(Map.of("JWT_SECRET_KEY",
          "jwt-secret-0123456789abcdefghijklmnopqrstuv"))));
      HttpResponse<String> hs256 = me(service, shared.mint(user, Duration.ofMinutes(5)));
      assertThat(ServiceProcess.parse(hs256.body()).path("error").path("code").asText())
          .as("no JWT_SECRET_KEY: HS256 tokens are refused").isEqualTo("unsupported_algorithm");

      idp.down(true);
      assertThat(me(service, idp.rs256(user)).statusCode()).as("the provider down: the cached keys still verify")
          .isEqualTo(200);
      assertThatThrownBy(() -> ChatClient.connect(ws, idp.rs256(user, c -> c.issuer("https://evil.example/")), null))
          .isInstanceOfSatisfying(ChatClient.Refused.class, r -> assertThat(r.status).as("another issuer").isEqualTo(401));
      assertThat(service.outputText()).as("the JWKS URL's path and query never reach the log")
          .doesNotContain(IdentityProvider.URL_SECRET).doesNotContain("forged line\n");
    }
  }

  @Test
  void theJwksEndpointDownAtStartExits3NamingTheStepAndOnlyTheHost() throws Exception {
    try (IdentityProvider idp = IdentityProvider.start()) {
      idp.down(true);
      Map<String, String> env = production(idp);
      env.put("STARTUP_TIMEOUT_JWKS_S", "2");
      try (ServiceProcess service = ServiceProcess.start(env)) {
        int exit = service.awaitExit(Duration.ofSeconds(60));
        String log = service.outputText();
        assertThat(exit).as("a critical dependency unavailable within its budget:\n%s", log).isEqualTo(3);
        String host = "127.0.0.1:" + URI.create(idp.jwksUrl()).getPort();
        assertThat(log).as("the failure record").contains("STARTUP FAILED", "exit_code: 3", "phase: DEPENDENCIES",
            "step: jwks", "component: jwks", "the identity provider's keys at http://" + host, "HTTP response code: 503",
            "AUTH_JWKS_URL = http://" + host + " (path and query not shown)", "STARTUP_TIMEOUT_JWKS_S = 2");
        assertThat(log).as("the URL's path and query (which may carry a key) are never logged")
            .doesNotContain(IdentityProvider.URL_SECRET).doesNotContain("/keys?");
        assertThat(idp.failedRequests()).as("the step retried within its 2 s").isGreaterThan(1);
      }
    }
  }
}

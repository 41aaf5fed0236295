package ai.netra.llm;

import static ai.netra.testing.FakeOpenAiServer.error;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.netra.config.LlmSettings;
import ai.netra.startup.ConfigurationException;
import ai.netra.startup.DependencyException;
import ai.netra.testing.FakeOpenAiServer;
import ai.netra.testing.FakeOpenAiServer.RecordedRequest;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The startup check of the LLM endpoint: reachable, key accepted, LLM_MODEL served. */
@Timeout(30) // a guard against hangs, not a speed assertion
class LlmEndpointCheckTest {

  private static final String KEY = "sk-test-check-9876543210SECRET";
  private static final Duration WITHIN = Duration.ofSeconds(5);

  private final FakeOpenAiServer fake = new FakeOpenAiServer();

  @AfterEach
  void close() {
    fake.close();
  }

  private String check(String baseUrl, String model, Duration within) {
    return new LlmEndpointCheck(new LlmSettings(baseUrl, KEY, model)).verify(within);
  }

  @Test
  void aListedModelPassesAndTheRequestCarriesTheKey() {
    fake.listModels("gpt-4o", "gpt-4o-mini", "text-embedding-3-small");

    String detail = check(fake.baseUrl(), "gpt-4o-mini", WITHIN);

    assertThat(detail).contains("gpt-4o-mini", fake.baseUrl(), "3 models listed");
    RecordedRequest request = fake.requests().getFirst();
    assertThat(request.method() + " " + request.path()).isEqualTo("GET /v1/models");
    assertThat(request.header("Authorization")).isEqualTo("Bearer " + KEY);
  }

  @Test
  void aModelListedUnderAModelsPrefixCountsAsListed() {
    fake.listModels("models/gemini-2.0-flash", "models/gemini-1.5-pro");

    assertThat(check(fake.baseUrl(), "gemini-2.0-flash", WITHIN)).contains("gemini-2.0-flash");
  }

  @Test
  void aModelNotListedIsAConfigurationErrorNamingTheModelsOnOffer() {
    fake.listModels("llama3.1:8b", "qwen2.5:7b");

    assertThatThrownBy(() -> check(fake.baseUrl(), "gpt-4o-mini", WITHIN))
        .isInstanceOfSatisfying(ConfigurationException.class, e -> {
          assertThat(e.getMessage()).contains("LLM_MODEL=gpt-4o-mini is not served by", "2 models: llama3.1:8b, qwen2.5:7b");
          assertThat(e.settings()).containsExactly("LLM_MODEL");
        });
  }

  @Test
  void aRejectedKeyIsAConfigurationErrorThatNeverShowsTheKey() {
    fake.modelsAnswer(error(401, "Incorrect API key provided: " + KEY + ".", "invalid_request_error", "invalid_api_key"));

    assertThatThrownBy(() -> check(fake.baseUrl(), "gpt-4o-mini", WITHIN))
        .isInstanceOfSatisfying(ConfigurationException.class, e -> {
          assertThat(e.getMessage()).contains("rejected LLM_API_KEY (401)", "Incorrect API key provided")
              .doesNotContain(KEY).doesNotContain("9876543210");
          assertThat(e.hint()).doesNotContain(KEY);
          assertThat(e.settings()).containsExactly("LLM_API_KEY");
        });
  }

  @Test
  void aForbiddenKeyIsRejectedToo() {
    fake.modelsAnswer(error(403, "Project does not have access to model listing", "invalid_request_error", null));

    assertThatThrownBy(() -> check(fake.baseUrl(), "gpt-4o-mini", WITHIN))
        .isInstanceOfSatisfying(ConfigurationException.class,
            e -> assertThat(e.getMessage()).contains("rejected LLM_API_KEY (403)", "Project does not have access"));
  }

  @Test
  void aServerErrorIsADependencyFailure() {
    fake.modelsAnswer(error(503, "The engine is currently overloaded, please try again later", "server_error", null));

    assertThatThrownBy(() -> check(fake.baseUrl(), "gpt-4o-mini", WITHIN))
        .isInstanceOfSatisfying(DependencyException.class,
            e -> assertThat(e.getMessage()).contains("answered 503", "currently overloaded"));
  }

  @Test
  void aBaseUrlWithoutModelsIsAConfigurationErrorAboutTheBaseUrl() {
    assertThatThrownBy(() -> check("http://127.0.0.1:" + fake.port() + "/wrong/path", "gpt-4o-mini", WITHIN))
        .isInstanceOfSatisfying(ConfigurationException.class, e -> {
          assertThat(e.getMessage()).contains("has no /models (404)");
          assertThat(e.settings()).containsExactly("LLM_BASE_URL");
        });
  }

  @Test
  void anAnswerThatIsNotAModelListIsAConfigurationError() {
    fake.modelsAnswer(new FakeOpenAiServer.Fixed(200, Map.of("Content-Type", "text/html"), "<html>Welcome to nginx!</html>"));

    assertThatThrownBy(() -> check(fake.baseUrl(), "gpt-4o-mini", WITHIN))
        .isInstanceOfSatisfying(ConfigurationException.class,
            e -> assertThat(e.getMessage()).contains("something other than a model list", "Welcome to nginx"));
  }

  @Test
  void anEndpointThatRefusesConnectionsIsADependencyFailure() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }

    assertThatThrownBy(() -> check("http://127.0.0.1:" + closedPort, "gpt-4o-mini", WITHIN))
        .isInstanceOfSatisfying(DependencyException.class, e -> {
          assertThat(e.getMessage()).contains("http://127.0.0.1:" + closedPort + "/v1 is unreachable", "connection refused");
          assertThat(e.settings()).containsExactly("LLM_BASE_URL");
        });
  }

  @Test
  void anEndpointThatNeverFinishesAnsweringTimesOutAsADependencyFailure() {
    fake.modelsAnswer(FakeOpenAiServer.stream().contentType("application/json").stall());

    assertThatThrownBy(() -> check(fake.baseUrl(), "gpt-4o-mini", Duration.ofMillis(500)))
        .isInstanceOfSatisfying(DependencyException.class,
            // the check keeps 250 ms of the 0.5 s for itself, so that its own timeout and reason come first
            e -> assertThat(e.getMessage()).contains("did not answer GET /models within 0.3 s"));
  }
}

package ai.netra.llm;

import ai.netra.config.LlmSettings;
import ai.netra.json.Json;
import ai.netra.startup.ConfigurationException;
import ai.netra.startup.DependencyException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Checks before traffic arrives that the LLM endpoint answers and serves {@code LLM_MODEL}: one
 * {@code GET <base>/models} with the key. A model listed as {@code models/<name>} (as some
 * providers list them) counts as {@code <name>}.
 */
public final class LlmEndpointCheck {

  private static final int MAX_LISTED = 40;

  private final LlmSettings settings;

  public LlmEndpointCheck(LlmSettings settings) {
    this.settings = settings;
  }

  /**
   * Runs the check, waiting at most {@code within} in all.
   *
   * @return one line for the startup report: the model is served, by whom, among how many
   * @throws DependencyException when the endpoint cannot be reached, does not answer in time, or
   *     answers 429 or 5xx (exit code 3: it may come back)
   * @throws ConfigurationException when the key is rejected (401/403), {@code LLM_BASE_URL} is not
   *     an OpenAI-compatible API, or {@code LLM_MODEL} is not among the models listed, which the
   *     message names (exit code 2: a setting must change)
   * @throws IllegalArgumentException when the settings select the offline model or {@code LLM_BASE_URL} cannot be read
   */
  public String verify(Duration within) {
    if (settings.offline()) {
      throw new IllegalArgumentException("LLM_MODEL=offline: there is no endpoint to check");
    }
    Endpoint endpoint = Endpoint.of(settings.baseUrl());
    String at = "the LLM endpoint " + endpoint;
    if (within.toMillis() < 1) {
      throw unreachable("no time was left to check " + at, null);
    }
    // A little less than the step has left, so that this check's own timeout, with its reason, comes first.
    within = within.toMillis() > 350 ? within.minusMillis(250) : within;
    HttpRequest request = HttpRequest.newBuilder(endpoint.models())
        .version(endpoint.plainHttp() ? HttpClient.Version.HTTP_1_1 : HttpClient.Version.HTTP_2)
        .header("Authorization", "Bearer " + settings.apiKey())
        .header("Accept", "application/json")
        .timeout(within)
        .GET()
        .build();
    HttpResponse<String> response;
    HttpClient client = HttpClient.newBuilder().connectTimeout(within).followRedirects(HttpClient.Redirect.NEVER).build();
    CompletableFuture<HttpResponse<String>> pending = client.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    try {
      response = pending.get(Math.max(1, within.toMillis()), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw unreachable(at + " did not answer GET /models within " + seconds(within), e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      String what = cause instanceof HttpConnectTimeoutException ? "no connection within " + seconds(within)
          : cause instanceof HttpTimeoutException ? "no answer to GET /models within " + seconds(within)
          : cause instanceof IOException ? ErrorAnswer.describe(cause)
          : "the request failed: " + ErrorAnswer.describe(cause);
      throw unreachable(at + " is unreachable: " + what, cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unreachable("the check of " + at + " was interrupted", e);
    } finally {
      pending.cancel(true);
      client.shutdownNow(); // close() would wait for a stuck exchange; this check is over either way
    }
    return judge(endpoint, response);
  }

  private String judge(Endpoint endpoint, HttpResponse<String> response) {
    String at = "the LLM endpoint " + endpoint;
    int status = response.statusCode();
    if (status != 200) {
      ErrorAnswer answer = ErrorAnswer.of(status, response.headers(), response.body(), settings.apiKey());
      if (status == 401 || status == 403) {
        throw new ConfigurationException(at + " rejected LLM_API_KEY (" + status + "): " + answer.message(),
            "set LLM_API_KEY to a valid key for this endpoint (the key is not shown)", List.of("LLM_API_KEY"));
      }
      if (status == 429 || status >= 500) {
        throw new DependencyException(at + " answered " + status + " to GET /models: " + answer.message(),
            "the provider is overloaded or failing; see its status page, or retry the start later",
            List.of("LLM_BASE_URL"), null);
      }
      if (status == 404) {
        throw new ConfigurationException(at + " has no /models (404): LLM_BASE_URL does not look like an OpenAI-compatible API",
            "set LLM_BASE_URL to the base URL the provider documents for OpenAI clients, usually ending in /v1",
            List.of("LLM_BASE_URL"));
      }
      if (status >= 300 && status < 400) {
        throw new ConfigurationException(at + " redirects (" + status + ") to "
            + response.headers().firstValue("location").orElse("(no Location)"),
            "set LLM_BASE_URL to the address it points to", List.of("LLM_BASE_URL"));
      }
      throw new ConfigurationException(at + " refused GET /models (" + status + "): " + answer.message(),
          "check LLM_BASE_URL and LLM_API_KEY", List.of("LLM_BASE_URL", "LLM_API_KEY"));
    }
    List<String> models = models(response.body());
    if (models == null) {
      throw new ConfigurationException(at + " answered GET /models with something other than a model list: "
          + ErrorAnswer.message(response.body()),
          "set LLM_BASE_URL to the base URL the provider documents for OpenAI clients, usually ending in /v1",
          List.of("LLM_BASE_URL"));
    }
    String wanted = settings.model();
    boolean listed = models.stream().anyMatch(id -> id.equals(wanted) || id.endsWith("/" + wanted) && id.startsWith("models/"));
    if (!listed) {
      List<String> sorted = new ArrayList<>(models);
      sorted.sort(String.CASE_INSENSITIVE_ORDER);
      String shown = sorted.isEmpty() ? "none"
          : String.join(", ", sorted.subList(0, Math.min(MAX_LISTED, sorted.size())))
              + (sorted.size() > MAX_LISTED ? " and " + (sorted.size() - MAX_LISTED) + " more" : "");
      throw new ConfigurationException("LLM_MODEL=" + wanted + " is not served by " + endpoint + "; it lists "
          + sorted.size() + " models: " + shown,
          "set LLM_MODEL to one of the models listed", List.of("LLM_MODEL"));
    }
    return "model " + wanted + " is served by " + endpoint + " (" + models.size() + " models listed)";
  }

  /** The ids in an OpenAI model list ({@code {"object": "list", "data": [{"id": ...}]}}), or null when it is not one. */
  private static List<String> models(String body) {
    try {
      JsonNode data = Json.mapper().readTree(body).path("data");
      if (!data.isArray()) {
        return null;
      }
      List<String> ids = new ArrayList<>();
      for (JsonNode model : data) {
        if (model.path("id").isTextual()) {
          ids.add(model.path("id").asText());
        }
      }
      return ids;
    } catch (IOException | RuntimeException notJson) {
      return null;
    }
  }

  private DependencyException unreachable(String message, Throwable cause) {
    return new DependencyException(ErrorAnswer.redact(message, settings.apiKey()),
        "check LLM_BASE_URL and that this instance's network reaches it (egress, VPC connector, proxy)",
        List.of("LLM_BASE_URL"), cause);
  }

  private static String seconds(Duration duration) {
    return String.format(Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0);
  }
}

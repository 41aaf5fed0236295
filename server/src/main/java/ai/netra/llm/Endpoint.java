package ai.netra.llm;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * Where an OpenAI-compatible API lives, from {@code LLM_BASE_URL}. The rule, so operators can paste
 * what their provider documents:
 * <ol>
 *   <li>trailing slashes are dropped, and so is a trailing {@code /chat/completions} (a pasted full
 *       endpoint);</li>
 *   <li>a URL with no path gets {@code /v1}: {@code http://localhost:8000} means
 *       {@code http://localhost:8000/v1}, as OpenAI, vLLM and Ollama serve it;</li>
 *   <li>any other path is the API base as given: {@code https://api.openai.com/v1},
 *       {@code https://openrouter.ai/api/v1}, {@code https://generativelanguage.googleapis.com/v1beta/openai}.</li>
 * </ol>
 * Requests go to {@code <base>/chat/completions} and {@code <base>/models}.
 */
record Endpoint(URI base) {

  static Endpoint of(String baseUrl) {
    if (baseUrl == null || baseUrl.isBlank()) {
      throw new IllegalArgumentException("LLM_BASE_URL is empty; set it to the provider's OpenAI-compatible base URL");
    }
    URI uri;
    try {
      uri = new URI(baseUrl.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("LLM_BASE_URL is not a URL: " + e.getReason(), e);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
      throw new IllegalArgumentException("LLM_BASE_URL must be an http:// or https:// URL with a host, like https://api.openai.com/v1");
    }
    if (uri.getRawUserInfo() != null) {
      // Never echo the URL: the user info is a credential.
      throw new IllegalArgumentException("LLM_BASE_URL must not carry credentials; put the key in LLM_API_KEY");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException("LLM_BASE_URL must not carry a query or a fragment: " + baseUrl.trim());
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    path = stripSlashes(path);
    if (path.endsWith("/chat/completions")) {
      path = stripSlashes(path.substring(0, path.length() - "/chat/completions".length()));
    }
    if (path.isEmpty()) {
      path = "/v1";
    }
    return new Endpoint(URI.create(scheme + "://" + uri.getRawAuthority() + path));
  }

  URI chatCompletions() {
    return URI.create(base + "/chat/completions");
  }

  URI models() {
    return URI.create(base + "/models");
  }

  boolean plainHttp() {
    return "http".equals(base.getScheme());
  }

  @Override
  public String toString() {
    return base.toString();
  }

  private static String stripSlashes(String path) {
    int end = path.length();
    while (end > 0 && path.charAt(end - 1) == '/') {
      end--;
    }
    return path.substring(0, end);
  }
}

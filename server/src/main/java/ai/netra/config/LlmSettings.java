package ai.netra.config;

/**
 * The LLM endpoint, or the offline model when {@code model} is {@code offline}; with
 * {@code offlineFallback} the offline model answers when the endpoint gives up.
 */
public record LlmSettings(String baseUrl, String apiKey, String model, boolean offlineFallback) {

  public static final String OFFLINE = "offline";

  public LlmSettings(String baseUrl, String apiKey, String model) {
    this(baseUrl, apiKey, model, false);
  }

  public boolean offline() {
    return OFFLINE.equals(model);
  }

  @Override
  public String toString() {
    return "LlmSettings[" + (offline() ? "offline" : baseUrl + " model=" + model + (offlineFallback ? " fallback=offline" : ""))
        + "]";
  }
}

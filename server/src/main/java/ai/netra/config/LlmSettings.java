package ai.netra.config;

/** The LLM endpoint, or the offline model when {@code model} is {@code offline}. */
public record LlmSettings(String baseUrl, String apiKey, String model) {

  public static final String OFFLINE = "offline";

  public boolean offline() {
    return OFFLINE.equals(model);
  }

  @Override
  public String toString() {
    return "LlmSettings[" + (offline() ? "offline" : baseUrl + " model=" + model) + "]";
  }
}

package ai.netra.config;

/**
 * How the OTLP receiver reads GenAI spans.
 *
 * @param featureAttribute the span attribute, else resource attribute, whose value is a span's feature
 *     ({@code OTLP_FEATURE_ATTRIBUTE}, default {@code service.name})
 * @param promptHashAttribute the span attribute whose value is a span's prompt hash, when present
 *     ({@code OTLP_PROMPT_HASH_ATTRIBUTE}, default {@code gen_ai.prompt.hash})
 */
public record IngestSettings(String featureAttribute, String promptHashAttribute) {

  /** The defaults. */
  public static final IngestSettings DEFAULT = new IngestSettings("service.name", "gen_ai.prompt.hash");
}

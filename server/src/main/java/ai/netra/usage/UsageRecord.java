package ai.netra.usage;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * One recorded LLM call, as stored in {@code llm_usage}: when, which provider's model, for which
 * feature, how many tokens in and out, how long it took, a hash of its prompt and how it ended.
 *
 * @param latencyMs null when unknown
 * @param promptHash null when unknown; equal hashes mean the same prompt, which a cache could have answered
 * @param status {@code ok}, {@code error} or {@code timeout}
 */
public record UsageRecord(Instant occurredAt, String provider, String model, String feature, int promptTokens,
    int completionTokens, Integer latencyMs, String promptHash, String status) {

  /** How a call can end. */
  public static final Set<String> STATUSES = Set.of("ok", "error", "timeout");

  public UsageRecord {
    Objects.requireNonNull(occurredAt, "occurredAt");
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(feature, "feature");
    if (promptTokens < 0 || completionTokens < 0 || latencyMs != null && latencyMs < 0) {
      throw new IllegalArgumentException("token counts and latency cannot be negative");
    }
    if (!STATUSES.contains(status)) {
      throw new IllegalArgumentException("status must be one of ok, error, timeout, not " + status);
    }
  }
}

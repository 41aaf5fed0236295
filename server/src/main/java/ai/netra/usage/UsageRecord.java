package ai.netra.usage;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * One recorded LLM call, as stored in {@code llm_usage}: when, which provider's model, for which
 * feature, how many tokens in and out, how long it took, a hash of its prompt and how it ended. An
 * aggregate row of a provider's usage export stands for {@code requests} calls, with their token sums.
 *
 * @param promptTokens every input token, including {@code cachedTokens} and {@code cacheWriteTokens}
 * @param completionTokens every output token, including {@code reasoningTokens}
 * @param latencyMs null when unknown
 * @param promptHash null when unknown; equal hashes mean the same prompt, which a cache could have answered
 * @param status {@code ok}, {@code error} or {@code timeout}
 */
public record UsageRecord(Instant occurredAt, String provider, String model, String feature, int promptTokens,
    int completionTokens, Integer latencyMs, String promptHash, String status, int cachedTokens, int cacheWriteTokens,
    int reasoningTokens, int requests) {

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
    if (cachedTokens < 0 || cacheWriteTokens < 0 || reasoningTokens < 0 || (long) cachedTokens + cacheWriteTokens > promptTokens
        || reasoningTokens > completionTokens) {
      throw new IllegalArgumentException("cached and cache-write tokens are part of the prompt tokens, reasoning tokens part of"
          + " the completion tokens");
    }
    if (requests < 1 || requests > 1 && promptHash != null) {
      throw new IllegalArgumentException("a row stands for at least one request, and an aggregate of several has no prompt hash");
    }
    if (!STATUSES.contains(status)) {
      throw new IllegalArgumentException("status must be one of ok, error, timeout, not " + status);
    }
  }

  /** One call without token components. */
  public UsageRecord(Instant occurredAt, String provider, String model, String feature, int promptTokens,
      int completionTokens, Integer latencyMs, String promptHash, String status) {
    this(occurredAt, provider, model, feature, promptTokens, completionTokens, latencyMs, promptHash, status, 0, 0, 0, 1);
  }
}

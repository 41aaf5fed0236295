package ai.netra.usage;

import ai.netra.config.IngestSettings;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Reads LLM calls from OpenTelemetry spans that follow the GenAI semantic conventions: a span with a
 * token count ({@code gen_ai.usage.input_tokens} / {@code output_tokens}, or the older
 * {@code prompt_tokens} / {@code completion_tokens}) is a call; its provider is
 * {@code gen_ai.provider.name} (or the older {@code gen_ai.system}), its model the response model
 * (else the request model), its cached tokens {@code gen_ai.usage.cache_read.input_tokens} and cache
 * writes {@code gen_ai.usage.cache_creation.input_tokens}, which the input tokens already include
 * (when an instrumentation reports them apart, their sum exceeds the input tokens, and they are added
 * once). The span's start is the call's time, its duration the latency, an ERROR status an error.
 * Every other span is counted and ignored.
 */
public final class OtlpSpans {

  private static final Pattern VISIBLE_ASCII = Pattern.compile("[!-~]+");
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._:/-]*");
  /** gen_ai.provider.name values and the provider the price catalog names them by. */
  private static final Map<String, String> PROVIDERS = Map.of(
      "gcp.gemini", "google", "gcp.vertex_ai", "google", "gcp.gen_ai", "google", "aws.bedrock", "bedrock",
      "azure.ai.openai", "azure", "azure.ai.inference", "azure", "mistral_ai", "mistral", "x_ai", "xai");

  /** What a batch of spans holds: the calls, the spans ignored and why, and the problems that refuse the batch. */
  public record Read(List<UsageRecord> calls, long spans, long ignored, Map<String, Long> ignoredWhy, List<String> problems) { }

  private final IngestSettings settings;

  public OtlpSpans(IngestSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  /** Every span of the request read; a GenAI span that cannot be a call is a problem (at most {@code maxProblems} listed). */
  public Read read(ExportTraceServiceRequest request, int maxProblems) {
    List<UsageRecord> calls = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    Map<String, Long> ignoredWhy = new HashMap<>();
    long spans = 0;
    long ignored = 0;
    long problemCount = 0;
    for (ResourceSpans resourceSpans : request.getResourceSpansList()) {
      Map<String, AnyValue> resource = attributes(resourceSpans.getResource().getAttributesList());
      for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
        for (Span span : scopeSpans.getSpansList()) {
          spans++;
          Map<String, AnyValue> attributes = attributes(span.getAttributesList());
          Long input = number(attributes, "gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens");
          Long output = number(attributes, "gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens");
          if (input == null && output == null) {
            ignored++;
            ignoredWhy.merge(attributes.keySet().stream().anyMatch(k -> k.startsWith("gen_ai."))
                ? "GenAI spans without token usage (tools, agents, embeddings without counts)" : "spans without gen_ai attributes",
                1L, Long::sum);
            continue;
          }
          List<String> wrong = new ArrayList<>();
          UsageRecord call = call(span, attributes, resource, input, output, wrong);
          if (call == null) {
            problemCount++;
            if (problems.size() < maxProblems) {
              problems.add("span " + hex(span) + " (" + cut(span.getName(), 60) + "): " + String.join("; ", wrong));
            }
          } else {
            calls.add(call);
          }
        }
      }
    }
    if (problemCount > problems.size()) {
      problems.add("... and " + (problemCount - problems.size()) + " more");
    }
    return new Read(calls, spans, ignored, ignoredWhy, problems);
  }

  private UsageRecord call(Span span, Map<String, AnyValue> attributes, Map<String, AnyValue> resource, Long input, Long output,
      List<String> wrong) {
    String provider = text(attributes, "gen_ai.provider.name", "gen_ai.system");
    if (provider == null) {
      wrong.add("gen_ai.provider.name (or gen_ai.system) is missing");
    } else {
      provider = provider.toLowerCase(Locale.ROOT);
      provider = PROVIDERS.getOrDefault(provider, provider);
      if (provider.length() > PriceCatalog.MAX_PROVIDER_CHARS || !NAME.matcher(provider).matches()) {
        wrong.add("gen_ai.provider.name '" + cut(provider, 40) + "' is not a provider name");
      }
    }
    String model = text(attributes, "gen_ai.response.model", "gen_ai.request.model");
    if (model == null) {
      wrong.add("gen_ai.response.model and gen_ai.request.model are missing");
    } else {
      model = model.toLowerCase(Locale.ROOT);
      if (model.length() > PriceCatalog.MAX_MODEL_CHARS || !NAME.matcher(model).matches()) {
        wrong.add("model '" + cut(model, 60) + "' is not a model name");
      }
    }
    long in = input == null ? 0 : input;
    long out = output == null ? 0 : output;
    Long cacheRead = number(attributes, "gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens");
    Long cacheWrite = number(attributes, "gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_creation_input_tokens");
    Long reasoning = number(attributes, "gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.reasoning_tokens");
    long cached = cacheRead == null ? 0 : cacheRead;
    long written = cacheWrite == null ? 0 : cacheWrite;
    long thought = reasoning == null ? 0 : reasoning;
    if (in < 0 || out < 0 || cached < 0 || written < 0 || thought < 0) {
      wrong.add("token counts cannot be negative");
    }
    if (cached + written > in) {
      in += cached + written; // reported apart from the input tokens: counted once
    }
    if (thought > out) {
      wrong.add("gen_ai.usage.reasoning.output_tokens exceeds the output tokens");
    }
    if (in > Integer.MAX_VALUE || out > Integer.MAX_VALUE) {
      wrong.add("a token count is above " + Integer.MAX_VALUE);
    }
    long startNanos = span.getStartTimeUnixNano();
    long endNanos = span.getEndTimeUnixNano();
    if (startNanos <= 0) {
      wrong.add("the span has no start time");
    }
    Instant at = Instant.ofEpochSecond(0, startNanos);
    if (startNanos > 0 && at.isBefore(UsageImport.EARLIEST)) {
      wrong.add("the span starts at " + at + ", before " + UsageImport.EARLIEST);
    }
    String feature = text(attributes, settings.featureAttribute());
    if (feature == null) {
      feature = text(resource, settings.featureAttribute());
    }
    if (feature == null || feature.isBlank()) {
      feature = "unknown";
    } else if (feature.length() > UsageImport.MAX_FEATURE_CHARS || feature.chars().anyMatch(Character::isISOControl)) {
      wrong.add(settings.featureAttribute() + " '" + cut(feature, 40) + "' is not a feature name (at most "
          + UsageImport.MAX_FEATURE_CHARS + " characters, no control characters)");
    }
    String hash = text(attributes, settings.promptHashAttribute());
    if (hash != null && (hash.length() > UsageImport.MAX_PROMPT_HASH_CHARS || !VISIBLE_ASCII.matcher(hash).matches())) {
      wrong.add(settings.promptHashAttribute() + " must be at most " + UsageImport.MAX_PROMPT_HASH_CHARS
          + " visible ASCII characters");
    }
    if (!wrong.isEmpty()) {
      return null;
    }
    long latencyMs = endNanos > startNanos ? (endNanos - startNanos) / 1_000_000 : 0;
    String status = span.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR
        ? ("timeout".equalsIgnoreCase(text(attributes, "error.type")) ? "timeout" : "error") : "ok";
    return new UsageRecord(at, provider, model, feature.strip(), (int) in, (int) out,
        (int) Math.min(latencyMs, Integer.MAX_VALUE), hash, status, (int) cached, (int) written, (int) thought, 1);
  }

  private static Map<String, AnyValue> attributes(List<KeyValue> list) {
    Map<String, AnyValue> map = new HashMap<>();
    for (KeyValue kv : list) {
      map.putIfAbsent(kv.getKey(), kv.getValue());
    }
    return map;
  }

  private static String text(Map<String, AnyValue> attributes, String... keys) {
    for (String key : keys) {
      AnyValue v = attributes.get(key);
      if (v != null && v.hasStringValue() && !v.getStringValue().isBlank()) {
        return v.getStringValue().strip();
      }
    }
    return null;
  }

  /** An integer attribute (an int, or a string or double holding a whole number), or null. */
  private static Long number(Map<String, AnyValue> attributes, String... keys) {
    for (String key : keys) {
      AnyValue v = attributes.get(key);
      if (v == null) {
        continue;
      }
      if (v.hasIntValue()) {
        return v.getIntValue();
      }
      if (v.hasDoubleValue() && v.getDoubleValue() == Math.rint(v.getDoubleValue())) {
        return (long) v.getDoubleValue();
      }
      if (v.hasStringValue()) {
        try {
          return Long.parseLong(v.getStringValue().strip());
        } catch (NumberFormatException e) {
          return -1L; // reported as not a count
        }
      }
    }
    return null;
  }

  private static String hex(Span span) {
    StringBuilder text = new StringBuilder();
    for (byte b : span.getSpanId().toByteArray()) {
      text.append(String.format(Locale.ROOT, "%02x", b));
    }
    return text.isEmpty() ? "(no id)" : text.toString();
  }

  private static String cut(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "...";
  }
}

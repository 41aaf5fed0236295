package ai.netra.usage;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.auth.SigningKey;
import ai.netra.auth.Tokens;
import ai.netra.config.Settings;
import ai.netra.testing.ChatClient;
import ai.netra.testing.ServiceProcess;
import ai.netra.testing.TestDependencies;
import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.internal.otlp.traces.TraceRequestMarshaler;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.ByteArrayOutputStream;
import java.util.Collection;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 22, done when: an application instrumented with the OpenTelemetry SDK sends GenAI spans to
 * {@code POST /v1/traces} (protobuf with gzip, and JSON), and the chat answers "where can I cut my AI
 * spend?" from them with the price coverage stated; the catalog is a LiteLLM file, and a model it lacks
 * is named unpriced in the answer and in the next start's report.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OtlpIngestIT {

  private static final Duration START = Duration.ofSeconds(90);
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String SECRET = "otlp-ingest-test-secret-of-at-least-32-bytes";
  private static final String USER = "otel-app";

  private Map<String, String> env;
  private ServiceProcess service;
  private String token;

  @BeforeAll
  void start() throws Exception {
    Path catalog = Files.createTempDirectory("netra-otlp").resolve("model_prices_and_context_window.json");
    try (var in = OtlpIngestIT.class.getResourceAsStream("/prices/litellm-sample.json")) {
      Files.copy(in, catalog);
    }
    env = Map.of("JWT_SECRET_KEY", SECRET, "DATABASE_URL", TestDependencies.freshDatabaseUrl("otlp_ingest"),
        "PRICE_CATALOG_FILE", catalog.toString());
    service = ServiceProcess.start(env);
    service.awaitStatus("/health/ready", 200, START);
    token = new Tokens(SigningKey.load(Settings.read(Map.of("JWT_SECRET_KEY", SECRET)))).mint(USER, Duration.ofMinutes(10));
  }

  @AfterAll
  void stop() {
    if (service != null) {
      service.close();
    }
  }

  /** The SDK's OTLP/HTTP exporter, protobuf with gzip. */
  private OtlpHttpSpanExporter exporter() {
    return OtlpHttpSpanExporter.builder()
        .setEndpoint("http://127.0.0.1:" + service.port() + "/v1/traces")
        .addHeader("Authorization", "Bearer " + token)
        .setCompression("gzip").build();
  }

  private static void call(Tracer tracer, Instant at, String provider, String model, long in, long out, long cacheRead,
      long cacheWrite, String hash, boolean olderNames) {
    Span span = tracer.spanBuilder("chat " + model).setStartTimestamp(at).startSpan();
    span.setAttribute(olderNames ? "gen_ai.system" : "gen_ai.provider.name", provider);
    span.setAttribute("gen_ai.operation.name", "chat");
    span.setAttribute("gen_ai.request.model", model.replaceAll("-20[0-9-]+$", ""));
    span.setAttribute("gen_ai.response.model", model);
    span.setAttribute(olderNames ? "gen_ai.usage.prompt_tokens" : "gen_ai.usage.input_tokens", in);
    span.setAttribute(olderNames ? "gen_ai.usage.completion_tokens" : "gen_ai.usage.output_tokens", out);
    if (cacheRead > 0) {
      span.setAttribute("gen_ai.usage.cache_read.input_tokens", cacheRead);
    }
    if (cacheWrite > 0) {
      span.setAttribute("gen_ai.usage.cache_creation.input_tokens", cacheWrite);
    }
    if (hash != null) {
      span.setAttribute("gen_ai.prompt.hash", hash);
    }
    span.end(at.plusMillis(1_500));
  }

  private static SdkTracerProvider provider(String feature, io.opentelemetry.sdk.trace.SpanProcessor processor) {
    return SdkTracerProvider.builder()
        .setResource(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), feature)))
        .addSpanProcessor(processor).build();
  }

  /** Sends one batch from a service named {@code feature} with the SDK's exporter (protobuf, gzip). */
  private CompletableResultCode sendProtobuf(String feature, Consumer<Tracer> spans) {
    SdkTracerProvider provider = provider(feature, BatchSpanProcessor.builder(exporter()).setMaxExportBatchSize(512).build());
    try {
      spans.accept(provider.get("otlp-ingest-test"));
      return provider.forceFlush().join(20, TimeUnit.SECONDS);
    } finally {
      provider.shutdown().join(10, TimeUnit.SECONDS);
    }
  }

  /**
   * Sends the SDK's spans as OTLP/JSON, gzip: the Java SDK's exporter speaks only protobuf over HTTP (its JSON option is
   * internal, and sends a wrong Content-Length), so the spans are written by the SDK's own OTLP/JSON marshaler, as the
   * Python and Node exporters' http/json protocol sends them.
   */
  private HttpResponse<String> sendJson(String feature, Consumer<Tracer> spans) throws Exception {
    List<SpanData> collected = new CopyOnWriteArrayList<>();
    SpanExporter collect = new SpanExporter() {
      @Override
      public CompletableResultCode export(Collection<SpanData> batch) {
        collected.addAll(batch);
        return CompletableResultCode.ofSuccess();
      }

      @Override
      public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
      }

      @Override
      public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
      }
    };
    SdkTracerProvider provider = provider(feature, SimpleSpanProcessor.create(collect));
    spans.accept(provider.get("otlp-ingest-test"));
    provider.shutdown().join(10, TimeUnit.SECONDS);
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(body)) {
      TraceRequestMarshaler.create(collected).writeJsonTo(gzip);
    }
    return service.send(HttpRequest.newBuilder(service.uri("/v1/traces")).header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/json").header("Content-Encoding", "gzip")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).timeout(Duration.ofSeconds(20)).build());
  }

  @Test
  void anInstrumentedAppsSpansAnswerWhereToCutSpendWithThePriceCoverage() throws Exception {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    CompletableResultCode protobuf = sendProtobuf("support-bot", tracer -> {
      for (int i = 0; i < 40; i++) {
        // a dated response model: priced as gpt-4o, a fallback; cached tokens are part of the input tokens
        call(tracer, now.minus(i, ChronoUnit.HOURS), "openai", "gpt-4o-2024-08-06", 12_000, 800, 4_000, 0,
            "prompt-" + (i % 8), false);
      }
      for (int i = 0; i < 10; i++) {
        // the older attribute names, and a model the LiteLLM file prices exactly
        call(tracer, now.minus(i, ChronoUnit.HOURS).minusSeconds(60), "anthropic", "claude-sonnet-4-20250514", 30_000,
            1_000, 10_000, 5_000, null, true);
      }
      for (int i = 0; i < 3; i++) {
        call(tracer, now.minus(i + 2, ChronoUnit.HOURS), "acme", "mystery-model-1", 5_000, 500, 0, 0, null, false);
      }
      Span http = tracer.spanBuilder("GET /orders").startSpan(); // not a GenAI call: counted and ignored
      http.setStatus(StatusCode.OK);
      http.end();
    });
    assertThat(protobuf.isSuccess()).as("the protobuf export (gzip); service log:%n%s", service.outputText()).isTrue();

    HttpResponse<String> json = sendJson("code-review", tracer -> {
      for (int i = 0; i < 12; i++) {
        call(tracer, now.minus(i, ChronoUnit.HOURS).minusSeconds(30), "openai", "gpt-4o", 20_000, 2_000, 0, 0, null, false);
      }
    });
    assertThat(json.statusCode()).as("the JSON export: %s", json.body()).isEqualTo(200);
    assertThat(ServiceProcess.parse(json.body()).has("partialSuccess")).as("nothing refused: %s", json.body()).isFalse();
    org.awaitility.Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(service.outputText()).contains("OTLP export for user " + USER + ": 54 spans, 53 GenAI calls stored, 1 ignored",
        "OTLP export for user " + USER + ": 12 spans, 12 GenAI calls stored, 0 ignored"));

    JsonNode completed = ask("where can I cut my AI spend?");
    String answer = completed.path("payload").path("answer").asText();
    JsonNode breakdown = completed.path("payload").path("figures").path("cost_breakdown");
    assertThat(breakdown.path("total").path("requests").asLong()).as("figures: %s", breakdown).isEqualTo(65);
    assertThat(answer).as(answer).contains("you spent $", "Price coverage: 22 of 65 requests priced exactly",
        "40 priced by a fallback", "gpt-4o-2024-08-06 as gpt-4o", "3 not priced at all", "acme/mystery-model-1");
    JsonNode features = breakdown.path("rows");
    assertThat(features.toString()).contains("support-bot", "code-review");

    service.close();
    service = ServiceProcess.start(env);
    service.awaitStatus("/health/ready", 200, START);
    JsonNode coverage = ServiceProcess.step(service.json("/health/startup"), "price-coverage");
    assertThat(coverage.path("status").asText()).as("%s", coverage).isEqualTo("OK");
    assertThat(coverage.path("detail").asText()).as("%s", coverage)
        .contains("NOT PRICED (acme/mystery-model-1: 3 requests", "by a fallback (openai/gpt-4o-2024-08-06)");
    // The public report names no file (issue 16); the log does.
    assertThat(ServiceProcess.step(service.json("/health/startup"), "price-catalog").path("detail").asText())
        .contains("shipped + ").doesNotContain(catalogFile());
    assertThat(service.outputText()).contains(catalogFile());
  }

  @Test
  void aBatchWithABadGenAiSpanIsRefusedWholeAndIgnoredSpansAreReportedAsPartialSuccess() throws Exception {
    String raw = new Tokens(SigningKey.load(Settings.read(Map.of("JWT_SECRET_KEY", SECRET)))).mint("otel-raw",
        Duration.ofMinutes(10));
    String good = span("1111111111111111", "openai", "gpt-4o", 1_000);
    String noModel = span("2222222222222222", "openai", null, 1_000);
    String plain = "{\"traceId\":\"0af7651916cd43dd8448eb211c80319c\",\"spanId\":\"3333333333333333\",\"name\":\"GET /\","
        + "\"startTimeUnixNano\":\"" + nanos(Instant.now()) + "\",\"endTimeUnixNano\":\"" + nanos(Instant.now()) + "\"}";
    HttpResponse<String> refused = post(raw, export(good, noModel, plain));
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
    assertThat(ServiceProcess.parse(refused.body()).path("message").asText())
        .contains("refused whole", "span 2222222222222222", "gen_ai.response.model and gen_ai.request.model are missing");

    HttpResponse<String> accepted = post(raw, export(good, plain));
    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
    JsonNode partial = ServiceProcess.parse(accepted.body()).path("partialSuccess");
    assertThat(partial.path("rejectedSpans").asLong()).as(accepted.body()).isEqualTo(1);
    assertThat(partial.path("errorMessage").asText()).contains("1 of 2 spans are not GenAI calls", "1 GenAI calls were stored");

    HttpResponse<String> anonymous = service.send(HttpRequest.newBuilder(service.uri("/v1/traces"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(export(good))).build());
    assertThat(anonymous.statusCode()).isEqualTo(401);
    HttpResponse<String> text = service.send(HttpRequest.newBuilder(service.uri("/v1/traces"))
        .header("Authorization", "Bearer " + token).header("Content-Type", "text/plain")
        .POST(HttpRequest.BodyPublishers.ofString("hello")).build());
    assertThat(text.statusCode()).isEqualTo(415);
  }

  private String catalogFile() {
    return env.get("PRICE_CATALOG_FILE");
  }

  private HttpResponse<String> post(String bearer, String json) throws Exception {
    return service.send(HttpRequest.newBuilder(service.uri("/v1/traces")).header("Authorization", "Bearer " + bearer)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json))
        .timeout(Duration.ofSeconds(20)).build());
  }

  private static String nanos(Instant at) {
    return Long.toString(at.getEpochSecond() * 1_000_000_000L + at.getNano());
  }

  private static String span(String id, String provider, String model, long input) {
    Instant at = Instant.now().minusSeconds(600);
    return "{\"traceId\":\"0af7651916cd43dd8448eb211c80319c\",\"spanId\":\"" + id + "\",\"name\":\"chat\",\"kind\":3,"
        + "\"startTimeUnixNano\":\"" + nanos(at) + "\",\"endTimeUnixNano\":\"" + nanos(at.plusMillis(900)) + "\","
        + "\"attributes\":[{\"key\":\"gen_ai.provider.name\",\"value\":{\"stringValue\":\"" + provider + "\"}},"
        + (model == null ? "" : "{\"key\":\"gen_ai.request.model\",\"value\":{\"stringValue\":\"" + model + "\"}},")
        + "{\"key\":\"gen_ai.usage.input_tokens\",\"value\":{\"intValue\":\"" + input + "\"}},"
        + "{\"key\":\"gen_ai.usage.output_tokens\",\"value\":{\"intValue\":10}}],\"status\":{}}";
  }

  private static String export(String... spans) {
    return "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":"
        + "\"raw-json\"}}]},\"scopeSpans\":[{\"scope\":{\"name\":\"t\"},\"spans\":[" + String.join(",", spans) + "]}]}]}";
  }

  private JsonNode ask(String question) throws Exception {
    try (ChatClient chat = ChatClient.connect(URI.create("ws://127.0.0.1:" + service.port() + "/ws/chat"), token, null)) {
      assertThat(chat.next(WAIT).path("type").asText()).isEqualTo("connection_established");
      chat.send("{\"type\":\"user_message\",\"payload\":{\"content\":\"" + question + "\"}}");
      List<JsonNode> events = chat.until("agent_completed", WAIT);
      return events.getLast();
    }
  }
}

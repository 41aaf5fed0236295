package ai.netra.usage;

import ai.netra.config.IngestSettings;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.IOException;
import java.io.InputStream;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Takes an OTLP/HTTP trace export (protobuf or JSON, already decompressed) for one user and stores
 * its GenAI calls, all or none, with the limits of an upload: at most {@link UsageImport.Limits} bytes
 * and calls per request, one export at a time per user on an instance, and the imports' limit per instance.
 */
public final class OtlpReceiver {

  /** Problems listed in a refusal, at most. */
  static final int LISTED_PROBLEMS = 20;

  private static final ObjectMapper JSON = JsonMapper.builder().build();
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

  /** What an accepted export did: the calls stored, the spans ignored, and why (for OTLP's partial success). */
  public record Received(int stored, long spans, long ignored, String ignoredWhy) { }

  /** An export refused whole: a malformed body, or GenAI spans that cannot be calls. Nothing is stored. */
  public static final class Refused extends RuntimeException {
    public Refused(String message) {
      super(message);
    }
  }

  private final UsageImport usage;
  private final OtlpSpans spans;
  private final Map<String, Boolean> inFlight = new ConcurrentHashMap<>();

  public OtlpReceiver(UsageImport usage, IngestSettings settings) {
    this.usage = Objects.requireNonNull(usage, "usage");
    this.spans = new OtlpSpans(settings);
  }

  public UsageImport.Limits limits() {
    return usage.limits();
  }

  /**
   * Reads the export from {@code body} (at most the byte limit) and stores its calls for the user.
   *
   * @throws Refused when the body is not an export, or a GenAI span is not a call; nothing is stored
   * @throws ImportTooLargeException past the byte or call limit
   * @throws ImportBusyException when this user's previous export is still being stored, or the instance is busy
   * @throws UsageStorageException when the database fails
   * @throws IOException when the body cannot be read
   */
  public Received receive(String userId, InputStream body, boolean json) throws IOException {
    if (inFlight.putIfAbsent(userId, Boolean.TRUE) != null) {
      throw new ImportBusyException("an export of this user is still being stored; retry in a few seconds");
    }
    try {
      byte[] bytes = body.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, usage.limits().maxBytes() + 1));
      if (bytes.length > usage.limits().maxBytes()) {
        throw new ImportTooLargeException("too_large", "the export is larger than " + UsageImport.describe(usage.limits().maxBytes())
            + " (uncompressed), the most one request takes; export in smaller batches");
      }
      ExportTraceServiceRequest request = json ? fromJson(bytes) : fromProtobuf(bytes);
      OtlpSpans.Read read = spans.read(request, LISTED_PROBLEMS);
      if (!read.problems().isEmpty()) {
        throw new Refused("the export was refused whole, nothing was stored: " + String.join("; ", read.problems()));
      }
      if (read.calls().size() > usage.limits().maxRows()) {
        throw new ImportTooLargeException("too_many_rows", "the export has " + read.calls().size() + " GenAI calls; one request"
            + " takes at most " + usage.limits().maxRows());
      }
      UsageImport.Imported imported = usage.importRecords(userId, read.calls());
      String why = read.ignoredWhy().entrySet().stream().sorted(Map.Entry.comparingByKey())
          .map(e -> e.getValue() + " " + e.getKey()).reduce((a, b) -> a + ", " + b).orElse("");
      return new Received(imported.imported(), read.spans(), read.ignored(), why);
    } finally {
      inFlight.remove(userId);
    }
  }

  private static ExportTraceServiceRequest fromProtobuf(byte[] bytes) {
    try {
      return ExportTraceServiceRequest.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new Refused("the body is not an OTLP ExportTraceServiceRequest in protobuf: " + e.getMessage());
    }
  }

  /**
   * OTLP/JSON differs from protobuf's JSON mapping in one place: trace and span ids are hex, not base64. They are
   * rewritten to base64 first, so the ids read are the ids sent.
   */
  private static ExportTraceServiceRequest fromJson(byte[] bytes) {
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (IOException e) {
      throw new Refused("the body is not JSON: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw new Refused("the body must be one OTLP/JSON ExportTraceServiceRequest object");
    }
    for (JsonNode resourceSpans : root.path("resourceSpans")) {
      for (JsonNode scopeSpans : resourceSpans.path("scopeSpans")) {
        for (JsonNode span : scopeSpans.path("spans")) {
          hexToBase64(span);
          for (JsonNode link : span.path("links")) {
            hexToBase64(link);
          }
        }
      }
    }
    ExportTraceServiceRequest.Builder builder = ExportTraceServiceRequest.newBuilder();
    try {
      PARSER.merge(JSON.writeValueAsString(root), builder);
    } catch (IOException e) {
      throw new Refused("the body is not an OTLP/JSON ExportTraceServiceRequest: " + e.getMessage());
    }
    return builder.build();
  }

  private static void hexToBase64(JsonNode node) {
    if (!(node instanceof ObjectNode object)) {
      return;
    }
    for (String field : new String[] {"traceId", "spanId", "parentSpanId", "trace_id", "span_id", "parent_span_id"}) {
      JsonNode id = object.get(field);
      if (id != null && id.isTextual() && !id.asText().isEmpty()) {
        try {
          object.put(field, Base64.getEncoder().encodeToString(HexFormat.of().parseHex(id.asText().toLowerCase(Locale.ROOT))));
        } catch (IllegalArgumentException e) {
          throw new Refused(field + " '" + id.asText() + "' is not hex, as OTLP/JSON writes ids");
        }
      }
    }
  }
}

package ai.netra.http;

import ai.netra.auth.Identity;
import ai.netra.usage.ImportBusyException;
import ai.netra.usage.ImportTooLargeException;
import ai.netra.usage.OtlpReceiver;
import ai.netra.usage.UsageStorageException;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/traces}, OTLP/HTTP: an instrumented application's spans, protobuf or JSON, gzip or not, for the
 * user of its token. Answers as OTLP asks: 200 with an {@code ExportTraceServiceResponse} whose partial success
 * counts the spans ignored (not GenAI calls) and says why; 400 with a {@code google.rpc.Status} when the export is
 * refused whole; 413, 415, 429 (with Retry-After) and 503 otherwise.
 */
final class OtlpTraces {

  static final String PATH = "/v1/traces";
  private static final Logger LOG = LoggerFactory.getLogger(OtlpTraces.class);
  private static final String PROTOBUF = "application/x-protobuf";
  private static final String JSON = "application/json";
  /** google.rpc.Code INVALID_ARGUMENT, RESOURCE_EXHAUSTED, UNAVAILABLE. */
  private static final int INVALID_ARGUMENT = 3;
  private static final int RESOURCE_EXHAUSTED = 8;
  private static final int UNAVAILABLE = 14;

  private final OtlpReceiver receiver;

  OtlpTraces(OtlpReceiver receiver) {
    this.receiver = receiver;
  }

  boolean handle(Request request, Response response, Callback callback, Identity identity) {
    String contentType = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
    String type = contentType == null ? "" : contentType.split(";")[0].strip().toLowerCase(Locale.ROOT);
    boolean json = type.equals(JSON);
    if (!json && !type.equals(PROTOBUF)) {
      return Replies.error(response, callback, 415, "unsupported_media_type", "OTLP/HTTP takes " + PROTOBUF + " or " + JSON
          + ", not " + (contentType == null ? "no Content-Type" : contentType));
    }
    String encoding = request.getHeaders().get(HttpHeader.CONTENT_ENCODING);
    boolean gzip = encoding != null && encoding.strip().equalsIgnoreCase("gzip");
    if (encoding != null && !gzip && !encoding.strip().equalsIgnoreCase("identity")) {
      return status(response, callback, json, 415, INVALID_ARGUMENT, "Content-Encoding " + encoding + " is not taken; send gzip"
          + " or none");
    }
    long maxBytes = receiver.limits().maxBytes();
    if (request.getLength() > maxBytes) {
      response.getHeaders().put(HttpHeader.CONNECTION, "close");
      return status(response, callback, json, 413, RESOURCE_EXHAUSTED, "the export has " + request.getLength()
          + " bytes; one request takes at most " + maxBytes + "; export in smaller batches");
    }
    try (InputStream raw = Content.Source.asInputStream(request);
         InputStream body = gzip ? new GZIPInputStream(raw) : raw) {
      OtlpReceiver.Received received = receiver.receive(identity.userId(), body, json);
      LOG.info("OTLP export for user {}: {} spans, {} GenAI calls stored, {} ignored", identity.userId(), received.spans(),
          received.stored(), received.ignored());
      ExportTraceServiceResponse.Builder answer = ExportTraceServiceResponse.newBuilder();
      if (received.ignored() > 0) {
        answer.setPartialSuccess(ExportTracePartialSuccess.newBuilder().setRejectedSpans(received.ignored())
            .setErrorMessage(received.ignored() + " of " + received.spans() + " spans are not GenAI calls and were ignored ("
                + received.ignoredWhy() + "); " + received.stored() + " GenAI calls were stored"));
      }
      return write(response, callback, json, 200, json ? JsonFormat.printer().print(answer).getBytes(StandardCharsets.UTF_8)
          : answer.build().toByteArray());
    } catch (OtlpReceiver.Refused e) {
      return status(response, callback, json, 400, INVALID_ARGUMENT, e.getMessage());
    } catch (ImportTooLargeException e) {
      response.getHeaders().put(HttpHeader.CONNECTION, "close");
      return status(response, callback, json, 413, RESOURCE_EXHAUSTED, e.getMessage());
    } catch (ImportBusyException e) {
      response.getHeaders().put(HttpHeader.RETRY_AFTER, ApiRoutes.BUSY_RETRY_AFTER_S);
      return status(response, callback, json, 429, RESOURCE_EXHAUSTED, e.getMessage());
    } catch (UsageStorageException e) {
      LOG.warn("OTLP export for user {} failed: usage storage unavailable: {}", identity.userId(), e.getMessage(), e);
      response.getHeaders().put(HttpHeader.RETRY_AFTER, "30");
      return status(response, callback, json, 503, UNAVAILABLE, "usage storage is unavailable right now; nothing was stored");
    } catch (ZipException e) {
      return status(response, callback, json, 400, INVALID_ARGUMENT, "the body is not gzip: " + e.getMessage());
    } catch (IOException e) {
      LOG.info("OTLP export for user {}: the body could not be read: {}", identity.userId(), e.toString());
      return status(response, callback, json, 400, INVALID_ARGUMENT, "the body could not be read to its end; nothing was stored");
    }
  }

  /** A google.rpc.Status {code, message}, in protobuf (fields 1 and 2) or JSON. */
  private static boolean status(Response response, Callback callback, boolean json, int http, int code, String message) {
    if (json) {
      String body = ai.netra.json.Json.write(java.util.Map.of("code", code, "message", message));
      return write(response, callback, true, http, body.getBytes(StandardCharsets.UTF_8));
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      out.writeInt32(1, code);
      out.writeBytes(2, ByteString.copyFromUtf8(message));
      out.flush();
    } catch (IOException impossible) {
      throw new IllegalStateException(impossible);
    }
    return write(response, callback, false, http, bytes.toByteArray());
  }

  private static boolean write(Response response, Callback callback, boolean json, int http, byte[] body) {
    response.setStatus(http);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, json ? JSON : PROTOBUF);
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.write(true, ByteBuffer.wrap(body), callback);
    return true;
  }
}

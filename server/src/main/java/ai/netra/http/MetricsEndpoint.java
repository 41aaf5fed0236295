package ai.netra.http;

import ai.netra.metrics.Metrics;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** {@code GET /metrics}: the Prometheus text exposition; every other path goes to {@code next}. */
public final class MetricsEndpoint extends Handler.Wrapper {

  private final Supplier<Optional<Metrics>> metrics;

  /** @param metrics the registry once it exists; empty before (answered 503) */
  public MetricsEndpoint(Supplier<Optional<Metrics>> metrics, Handler next) {
    super(next);
    this.metrics = metrics;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    if (!Replies.path(request).equals("/metrics")) {
      return super.handle(request, response, callback);
    }
    if (!request.getMethod().equals("GET") && !request.getMethod().equals("HEAD")) {
      return Replies.error(response, callback, 405, "method_not_allowed", request.getMethod() + " is not allowed on /metrics");
    }
    Metrics current = metrics.get().orElse(null);
    if (current == null) {
      return Replies.error(response, callback, 503, "metrics_unavailable",
          "metrics start once the service serves; if it does and this persists, the log says why they are off");
    }
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, Metrics.contentType());
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.write(true, java.nio.ByteBuffer.wrap(current.scrape().getBytes(StandardCharsets.UTF_8)), callback);
    return true;
  }
}

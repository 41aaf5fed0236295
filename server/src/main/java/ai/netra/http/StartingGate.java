package ai.netra.http;

import ai.netra.health.Readiness;
import ai.netra.startup.StartupReport;
import java.util.Map;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Answers 503 with {@code Retry-After} and the current phase for every business route (WebSocket
 * upgrades included) until the service is serving, and again once shutdown begins for requests that
 * began to arrive after it: one whose first bytes came before is in flight and is answered, even when
 * its handler is reached only after the SIGTERM. It asks only {@link Readiness}, which answers from
 * memory, so a request here never waits.
 */
final class StartingGate extends Handler.Wrapper {

  private final Readiness readiness;

  StartingGate(Readiness readiness, Handler application) {
    super(application);
    this.readiness = readiness;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    if (readiness.serving() || readiness.inFlightAtDrain(request.getBeginNanoTime())) {
      return super.handle(request, response, callback);
    }
    StartupReport report = readiness.startup();
    String code = readiness.draining() ? "shutting_down" : report.outcome().serving() ? "starting" : switch (report.outcome()) {
      case FAILED -> "startup_failed";
      default -> "starting";
    };
    response.getHeaders().put("Retry-After", readiness.draining() ? "5" : "1");
    return Replies.error(response, callback, 503, code, readiness.notServingReason(),
        Map.of("outcome", report.outcome(), "phase", report.phase()));
  }
}

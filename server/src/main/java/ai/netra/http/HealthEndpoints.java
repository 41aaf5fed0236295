package ai.netra.http;

import ai.netra.health.CheckStatus;
import ai.netra.health.Readiness;
import ai.netra.history.RecentStarts;
import ai.netra.json.Json;
import ai.netra.startup.StartupReport;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * {@code /health/live}, {@code /health/startup}, {@code /health/startup/history}, {@code /health/ready} and
 * {@code /health}. They answer from memory ({@link Readiness}), so they never wait on a dependency, and never cache.
 * They are public, so they show what failed and how, never where: addresses, paths and names are {@link Scrubbed}
 * (the log has them). They write with a JSON mapper of their own, which no other work holds while it meets a new type.
 */
final class HealthEndpoints extends Handler.Abstract.NonBlocking {

  private static final ObjectMapper JSON = Json.separateMapper();

  private final Readiness readiness;
  private final RecentStarts recent;
  private final String version;
  private final long startedAtMs = System.currentTimeMillis();

  HealthEndpoints(Readiness readiness, RecentStarts recent, String version) {
    this.readiness = readiness;
    this.recent = recent;
    this.version = version;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    String path = Replies.path(request);
    if (!path.equals("/health") && !path.startsWith("/health/")) {
      return false;
    }
    String method = request.getMethod();
    if (!HttpMethod.GET.is(method) && !HttpMethod.HEAD.is(method)) {
      response.getHeaders().put("Allow", "GET, HEAD");
      return Replies.error(response, callback, 405, "method_not_allowed", method + " is not allowed on " + path);
    }
    return switch (path) {
      case "/health/live" -> reply(response, callback, 200,
          Map.of("status", "alive", "uptime_ms", System.currentTimeMillis() - startedAtMs));
      case "/health/startup" -> {
        StartupReport report = readiness.startup();
        yield reply(response, callback, readiness.started() ? 200 : 503, Scrubbed.report(report));
      }
      case "/health/startup/history" -> reply(response, callback, 200, StartHistoryJson.of(recent));
      case "/health/ready" -> ready(response, callback);
      case "/health" -> summary(response, callback);
      default -> Replies.error(response, callback, 404, "not_found",
          "no health endpoint " + path + "; try /health/live, /health/startup, /health/startup/history,"
              + " /health/ready or /health");
    };
  }

  private static boolean reply(Response response, Callback callback, int status, Object body) {
    return Replies.jsonText(response, callback, status, Json.write(JSON, body));
  }

  private boolean ready(Response response, Callback callback) {
    boolean ready = readiness.ready();
    List<CheckStatus> checks = Scrubbed.checks(readiness.checks());
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("ready", ready);
    body.put("outcome", readiness.startup().outcome());
    String reason = readiness.notServingReason();
    if (reason != null) {
      body.put("reason", reason);
    }
    List<CheckStatus> failing = checks.stream().filter(c -> !c.healthy()).toList();
    if (!failing.isEmpty()) {
      body.put("failing", failing);
    }
    body.put("checks", checks);
    return reply(response, callback, ready ? 200 : 503, body);
  }

  private boolean summary(Response response, Callback callback) {
    StartupReport report = readiness.startup();
    boolean ready = readiness.ready();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", ready ? "ok" : readiness.draining() ? "shutting_down" : report.outcome().serving() ? "not_ready" : report.outcome().name().toLowerCase());
    body.put("ready", ready);
    body.put("outcome", report.outcome());
    body.put("phase", report.phase());
    body.put("startup_ms", report.elapsedMs());
    body.put("budget_ms", report.budgetMs());
    body.put("uptime_ms", ManagementFactory.getRuntimeMXBean().getUptime());
    body.put("version", version);
    body.put("checks", Scrubbed.checks(readiness.checks()));
    String reason = readiness.notServingReason();
    if (reason != null) {
      body.put("reason", reason);
    }
    return reply(response, callback, ready ? 200 : 503, body);
  }
}

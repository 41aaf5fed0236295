package ai.netra.http;

import ai.netra.health.CheckStatus;
import ai.netra.health.Readiness;
import ai.netra.history.RecentStarts;
import ai.netra.json.Json;
import ai.netra.startup.StartupReport;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * {@code /health/live}, {@code /health/startup}, {@code /health/startup/history}, {@code /health/ready} and
 * {@code /health}. They answer from memory ({@link Readiness}), so they never wait on a dependency, and never cache.
 * They are public, so they show what failed and how, never where: addresses, paths and names are {@link Scrubbed}
 * (the log has them). They write with a JSON mapper of their own, which no other work holds while it meets a new type.
 * Each answer says in {@code Server-Timing} how long it took in the server, so a slow probe can be told from a slow
 * prober.
 */
final class HealthEndpoints extends Handler.Abstract.NonBlocking {

  /**
   * Made on the first answer, not while the server is built: Jackson's first load takes about 150 ms of one CPU,
   * which Jetty's start (and so every request already waiting on the bound port) waited for.
   */
  private static final class Mapper {
    static final ObjectMapper JSON = Json.separateMapper();
  }

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
      case "/health/live" -> reply(request, response, callback, 200,
          Map.of("status", "alive", "uptime_ms", System.currentTimeMillis() - startedAtMs));
      case "/health/startup" -> {
        StartupReport report = readiness.startup();
        yield reply(request, response, callback, readiness.started() ? 200 : 503, Scrubbed.report(report));
      }
      case "/health/startup/history" -> reply(request, response, callback, 200, StartHistoryJson.of(recent));
      case "/health/ready" -> ready(request, response, callback);
      case "/health" -> summary(request, response, callback);
      default -> Replies.error(response, callback, 404, "not_found",
          "no health endpoint " + path + "; try /health/live, /health/startup, /health/startup/history,"
              + " /health/ready or /health");
    };
  }

  private static boolean reply(Request request, Response response, Callback callback, int status, Object body) {
    String json = Json.write(Mapper.JSON, body);
    response.getHeaders().put("Server-Timing", String.format(Locale.ROOT, "server;dur=%.1f", serverMs(request)));
    return Replies.jsonText(response, callback, status, json);
  }

  /**
   * How long {@code request} has been in the server, in milliseconds: since its connection was accepted when it is the
   * connection's first request (a probe's, on a new connection: the wait for a thread to read it counts), else since it
   * began.
   */
  static double serverMs(Request request) {
    double sinceBegin = (System.nanoTime() - request.getBeginNanoTime()) / 1e6;
    Connection connection = request.getConnectionMetaData().getConnection();
    if (connection.getMessagesIn() > 1) {
      return sinceBegin;
    }
    return Math.max(sinceBegin, System.currentTimeMillis() - connection.getEndPoint().getCreatedTimeStamp());
  }

  private boolean ready(Request request, Response response, Callback callback) {
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
    return reply(request, response, callback, ready ? 200 : 503, body);
  }

  private boolean summary(Request request, Response response, Callback callback) {
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
    return reply(request, response, callback, ready ? 200 : 503, body);
  }
}

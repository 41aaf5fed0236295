package ai.netra.boot;

import static ai.netra.config.SettingNames.HOST;
import static ai.netra.config.SettingNames.PORT;

import ai.netra.chat.ChatService;
import ai.netra.config.Environment;
import ai.netra.config.Settings;
import ai.netra.db.Database;
import ai.netra.health.HealthMonitor;
import ai.netra.health.Readiness;
import ai.netra.history.RecentStarts;
import ai.netra.http.ApiRoutes;
import ai.netra.http.ChatEndpoint;
import ai.netra.http.HttpServer;
import ai.netra.http.MetricsEndpoint;
import ai.netra.http.Replies;
import ai.netra.metrics.Metrics;
import ai.netra.startup.FailureKind;
import ai.netra.startup.Outcome;
import ai.netra.startup.Startup;
import ai.netra.startup.StartupFailure;
import ai.netra.startup.StartupReport;
import java.lang.management.ManagementFactory;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * One run of the service: bind the port, run the startup plan, serve until SIGTERM, shut down
 * within the platform's grace period. {@link #run} returns the process exit code.
 */
public final class Service {

  private static final Logger log = LoggerFactory.getLogger(Service.class);
  /** Cloud Run sends SIGKILL 10 s after SIGTERM; everything must be closed before that. */
  static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(8);

  private final Settings settings;
  private final long originNanos;
  private final String version;
  private final Optional<ServerSocketChannel> boundPort;
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final OpenResources resources = new OpenResources();
  /** The last starts, for the startup page; filled once this start has ended. */
  private final RecentStarts recentStarts = new RecentStarts();
  private HealthMonitor monitor;
  private Readiness readiness;
  private Startup startup;
  private volatile HttpServer http;
  /** What the request paths serve with: published once, when the start completed READY or DEGRADED. */
  /** The launcher's ready file; see {@link #markReady}. */
  static final String READY_FILE_PROPERTY = "netra.readyFile";
  private volatile Application application;
  /** The Prometheus registry, created after the start (it loads many classes); empty before, or if that failed. */
  private volatile Optional<Metrics> metrics = Optional.empty();

  /** A service that binds its port when it runs. */
  public Service(Settings settings, long originNanos, String version) {
    this(settings, originNanos, version, Optional.empty());
  }

  private Service(Settings settings, long originNanos, String version, Optional<ServerSocketChannel> boundPort) {
    this.settings = settings;
    this.originNanos = originNanos;
    this.version = version;
    this.boundPort = boundPort;
  }

  /**
   * A service whose port is bound now, before anything else loads (logging, picocli, Jetty: about 0.3 s on one
   * CPU): the platform's clock runs from process start, and connections wait in the kernel's accept queue until
   * Jetty answers them, 503 while starting. Without a valid port nothing is bound: {@link #run} reports why.
   */
  public static Service portFirst(Settings settings, long originNanos, String version) {
    boolean validPort = settings.problemsWith(List.of(PORT)).isEmpty();
    return new Service(settings, originNanos, version,
        validPort ? HttpServer.bindEarly(settings.host(), settings.port()) : Optional.empty());
  }

  /** Runs the service to its end and returns the exit code: 0 after SIGTERM, else the failure's code. */
  public int run() {
    List<String> portProblems = settings.problemsWith(List.of(PORT));
    if (!portProblems.isEmpty()) {
      // Without a valid port there is nothing to bind; fail before anything else, as the contract says.
      return failBeforeBind(FailureKind.CONFIGURATION, "settings", "settings", List.of(PORT), portProblems,
          "set PORT to the port the platform routes to (Cloud Run sets it for you)");
    }
    monitor = new HealthMonitor(Duration.ofMillis(1000), Duration.ofMillis(800));
    BackendPlan plan;
    try {
      plan = new BackendPlan(settings, monitor, resources, () -> http.port(), () -> metrics.map(Metrics::registry));
    } catch (RuntimeException | LinkageError e) { // e.g. an installed extension adds a step whose name is taken
      return failBeforeBind(FailureKind.DEFECT, "plan", "startup", List.of(),
          List.of(e.getClass().getName() + ": " + e.getMessage()),
          "the startup plan itself is broken (a defect in this build or in an installed extension): roll back and report this record");
    }
    startup = new Startup(plan.plan(), BackendPlan.options(settings, originNanos));
    readiness = new Readiness(startup::report, monitor);
    try {
      http = HttpServer.start(settings.host(), settings.port(), boundPort, readiness, recentStarts, this::routes, version);
    } catch (Exception e) {
      return failBeforeBind(FailureKind.DEPENDENCY, "bind", "http", List.of(PORT, HOST), List.of(bindProblem(e)),
          (settings.host().equals("127.0.0.1") || settings.host().equals("0.0.0.0") ? "" : "check that HOST " + settings.host() + " is an address of this machine, or ")
              + "choose another port: PORT=8081 ./netra serve (or ./netra serve --port 8081), or stop the process that"
              + " holds " + settings.port() + " (ss -ltnp 'sport = :" + settings.port() + "' names it)");
    }
    // Tests and tools read "listening on port N M ms after JVM start": the address comes after it.
    log.info("listening on port {} {} ms after JVM start; starting in {} (address {})", http.port(), sinceOriginMs(),
        settings.environment().label(), settings.host());
    handleSignals();

    StartupReport report = startup.run();
    StartupHistory history = new StartupHistory(settings, version, recentStarts);
    if (report.outcome() == Outcome.FAILED && !stopping.get()) {
      history.keep(report, Optional.empty()); // the process exits now: its log line keeps it
      StartupFailure failure = report.failure();
      FailureRecord.write(failure, settings);
      stopQuietly();
      return ExitCode.of(failure.kind()).code();
    }
    if (report.outcome().serving() && !stopping.get()) {
      Application app = plan.application();
      application = app;
      readiness.open(); // after the application is published: the gate lets requests through from here on
      app.database().ifPresent(Database::serving);
      history.keep(report, app.database()); // after serving(): the write borrows and runs within the request bounds
      monitor.start();
      Thread.ofVirtual().name("metrics-setup").start(() -> {
        try {
          metrics = Optional.of(MetricsBinding.install(app, readiness));
        } catch (RuntimeException | LinkageError e) { // optional: the service serves without /metrics
          log.warn("metrics are off, /metrics answers 503: {}", e.toString());
        }
      });
      log.info("{} {} ms after JVM start: serving on port {}", report.outcome(), sinceOriginMs(), http.port());
      if (report.outcome() == Outcome.READY) {
        markReady();
      }
      if (settings.environment() == Environment.DEVELOPMENT) {
        // Development only, by design: a ready-to-use token for the local user, so the chat can be tried at once.
        // The token rides in the fragment, which browsers never send to a server; the page stores it and drops it.
        Duration lifetime = Duration.ofHours(12).compareTo(settings.auth().maxTokenLifetime()) < 0 ? Duration.ofHours(12)
            : settings.auth().maxTokenLifetime();
        app.auth().selfIssued().ifPresent(tokens -> log.info("development chat: open http://localhost:{}/#token={}"
            + " (signs in as user 'dev' for {}), or connect to ws://localhost:{}/ws/chat with that token", http.port(),
            tokens.mint("dev", lifetime), lifetime.toMinutes() % 60 == 0 ? lifetime.toHours() + " h" : lifetime.toMinutes()
                + " min", http.port()));
      }
    }
    awaitStopped();
    return ExitCode.OK.code();
  }

  /**
   * The routes served once ready: the chat socket, {@code /metrics}, then the API, each reading the published
   * {@link Application}; the starting gate keeps requests out until it is published.
   */
  private Handler routes(Server server) {
    Handler api = new Handler.Abstract() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) throws Exception {
        Optional<ApiRoutes> routes = application.api();
        if (routes.isEmpty() && Replies.path(request).startsWith("/api/")) { // running without a database
          response.getHeaders().put("Retry-After", "30");
          return Replies.error(response, callback, 503, "storage_unavailable",
              "the database is unavailable (the service runs degraded); try again later");
        }
        return routes.isPresent() && routes.get().handle(request, response, callback);
      }
    };
    Handler metricsRoute = new MetricsEndpoint(() -> metrics, api);
    return ChatEndpoint.handler(server, () -> application.chat(), () -> application.auth(), ChatSteps.origins(settings),
        metricsRoute);
  }

  /** Begins shutdown once: readiness false at once, the start cancelled, requests drained, resources closed. */
  public void shutdown(String why) {
    if (!stopping.compareAndSet(false, true)) {
      return;
    }
    long begin = System.nanoTime();
    log.info("{}: shutting down; readiness is false from now on", why);
    if (readiness != null) {
      readiness.drain();
    }
    if (startup != null) {
      startup.cancel();
    }
    Application app = application;
    if (app != null) {
      app.chat().ifPresent(ChatService::close); // sockets get 1001, runs are recorded as interrupted while the database is there
    }
    try {
      if (http != null) {
        http.stop(SHUTDOWN_GRACE.dividedBy(2));
      }
    } catch (Exception e) {
      log.warn("HTTP server did not stop cleanly: {}", e.toString());
    }
    // Before the resources: checking a pool or a client being closed only logs false alarms.
    if (monitor != null) {
      monitor.close();
    }
    resources.closeAll(SHUTDOWN_GRACE.dividedBy(2));
    log.info("stopped in {} ms", (System.nanoTime() - begin) / 1_000_000);
    stopped.countDown();
  }

  /**
   * Tells the {@code netra} launcher that this start reached READY, by creating the file named by the system
   * property {@value #READY_FILE_PROPERTY}: it records an AOT cache only from such a start (and a clean stop).
   */
  private static void markReady() {
    String file = System.getProperty(READY_FILE_PROPERTY);
    if (file != null) {
      try {
        java.nio.file.Files.writeString(java.nio.file.Path.of(file), "READY\n");
      } catch (java.io.IOException e) {
        log.warn("cannot write the launcher's ready file {}: {}", file, e.toString());
      }
    }
  }

  /** Why the port could not be bound, in words: the JDK says "Failed to bind to 0.0.0.0/0.0.0.0:8080". */
  private String bindProblem(Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.BindException || String.valueOf(t.getMessage()).contains("Address already in use")
          || String.valueOf(t.getMessage()).contains("Failed to bind")) {
        return String.valueOf(t.getMessage()).contains("ermission denied")
            ? "port " + settings.port() + " is privileged: this user may not listen on it"
            : "port " + settings.port() + " is in use: another process is already listening on it";
      }
    }
    return "port " + settings.port() + " cannot be bound: " + e.getMessage();
  }

  private void handleSignals() {
    for (String name : List.of("TERM", "INT")) {
      try {
        Signal.handle(new Signal(name), signal -> Thread.ofPlatform().name("shutdown").start(() -> {
          shutdown("SIG" + signal.getName());
          System.exit(ExitCode.OK.code());
        }));
      } catch (IllegalArgumentException e) {
        log.debug("signal {} cannot be handled here: {}", name, e.getMessage());
      }
    }
  }

  private void awaitStopped() {
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void stopQuietly() {
    stopping.set(true);
    try {
      readiness.drain();
      http.stop(Duration.ofMillis(500));
    } catch (Exception e) {
      log.debug("stopping HTTP after a failed start: {}", e.toString());
    }
    resources.closeAll(Duration.ofSeconds(2));
    monitor.close();
  }

  /** Fails before the startup plan runs; a port that cannot be bound is none of the startup's kinds, so it exits 1. */
  private int failBeforeBind(FailureKind kind, String step, String component, List<String> names, List<String> cause,
      String hint) {
    ExitCode code = step.equals("bind") ? ExitCode.FAILED : ExitCode.of(kind);
    StartupFailure failure = new StartupFailure("INIT", step, component, kind, code.code(), cause, names, hint,
        sinceOriginMs(), settings.startup().totalBudget().toMillis());
    FailureRecord.write(failure, settings);
    return code.code();
  }

  private long sinceOriginMs() {
    return (System.nanoTime() - originNanos) / 1_000_000;
  }

  /** {@link System#nanoTime()} at JVM start, so budgets count the JVM's own boot. */
  public static long jvmStartNanos() {
    // Not ProcessHandle's start time: the kernel's boot time behind it has whole-second resolution.
    return System.nanoTime() - ManagementFactory.getRuntimeMXBean().getUptime() * 1_000_000;
  }
}

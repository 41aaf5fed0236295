package ai.netra.deploy.simulate;

import ai.netra.deploy.DurationText;
import ai.netra.deploy.MemorySize;
import ai.netra.deploy.StartupReportJson;
import ai.netra.json.Json;
import ai.netra.startup.Criticality;
import ai.netra.startup.Outcome;
import ai.netra.startup.PhaseReport;
import ai.netra.startup.StartupFailure;
import ai.netra.startup.StartupReport;
import ai.netra.startup.StepReport;
import ai.netra.startup.StepStatus;
import java.io.IOException;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One simulated Cloud Run start of the service jar: launched with the instance's limits, its
 * dependencies behind latency proxies, watched for memory, probed as Cloud Run probes, followed
 * phase by phase through {@code /health/startup}, and stopped with SIGTERM at the end (killed if
 * it does not stop within Cloud Run's 10 s grace period).
 */
public final class Simulation {

  /** Cloud Run sends SIGKILL this long after SIGTERM. */
  static final Duration GRACE = Duration.ofSeconds(10);
  private static final Duration RSS_INTERVAL = Duration.ofMillis(100);
  private static final Duration POLL_BEFORE_LISTENING = Duration.ofMillis(20);
  private static final Duration POLL = Duration.ofMillis(100);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(1);

  private final ServiceLaunch launch;
  private final DependencyRoutes routes;
  private final int cpus;
  private final MemorySize memory;
  private final ProbeSpec probe;
  private final Writer serviceLog;

  /**
   * @param routes the dependencies behind proxies; its {@link DependencyRoutes#env()} is the service's environment
   * @param serviceLog gets every line the service prints, or null
   */
  public Simulation(ServiceLaunch launch, DependencyRoutes routes, int cpus, MemorySize memory, ProbeSpec probe,
      Writer serviceLog) {
    this.launch = launch;
    this.routes = routes;
    this.cpus = cpus;
    this.memory = memory;
    this.probe = probe;
    this.serviceLog = serviceLog;
  }

  /**
   * Runs the start to its verdict, telling {@code progress} one line per event as it happens.
   *
   * @throws IOException when the service cannot be launched at all
   */
  public SimulationResult run(Consumer<String> progress) throws IOException {
    int port = freePort();
    HttpClient http = HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT).build();
    warmUp(http, port);
    Map<String, String> env = new HashMap<>(routes.env());
    env.put("PORT", String.valueOf(port));
    ProcessBuilder builder = new ProcessBuilder(launch.command()).redirectErrorStream(true);
    builder.environment().clear();
    builder.environment().putAll(env);
    long origin = System.nanoTime();
    Process process = builder.start();
    ProcessHandle handle = process.toHandle();
    MemoryWatchdog watchdog = new MemoryWatchdog(handle, memory, RSS_INTERVAL);
    // An interrupted simulation (Ctrl-C) leaves no service behind.
    Thread stopOnExit = new Thread(() -> killAll(handle, watchdog.seen()));
    Runtime.getRuntime().addShutdownHook(stopOnExit);
    ServiceOutput output = new ServiceOutput(process.getInputStream(), serviceLog);
    PhaseStream phases = new PhaseStream(progress);
    phases.event(ms(origin), "launched the service (pid " + process.pid() + ") on port " + port);
    try (watchdog; ProbeRunner prober = new ProbeRunner(probe, port, origin, handle).start()) {
      watchdog.start();
      Watch watch = watch(process, http, port, origin, prober, phases);
      Ending ending = end(process, watchdog, origin, phases);
      output.awaitEnd(Duration.ofSeconds(5));
      prober.close();
      ProbeRunner.Result probed = prober.result().orElse(null);
      // the service names its dependencies by the proxies' addresses; the reader knows them by their own
      List<String> record = output.failureRecord().stream().map(routes::unproxied).toList();
      StartupFailure failure = ServiceOutput.parseFailure(record).orElse(null);
      StartupReport report = merge(watch.last(), failure, ending.exitCode());
      if (report != null && report != watch.last()) {
        phases.update(report); // the phase that failed, as the service's record tells it
      }
      List<String> notes = new ArrayList<>(launch.notes());
      routes.routes().forEach(r -> notes.add(r.describe()));
      notes.addAll(routes.notes());
      notes.addAll(routes.unreachable());
      output.copyFailure().ifPresent(e -> notes.add("service log: could not be written: " + e));
      return new SimulationResult(cpus, memory, probe, notes, watch.listenMs(), probed != null && probed.passed(),
          probed == null ? null : ms(origin, probed.atNanos()), probed == null ? 0 : probed.attempts(),
          probed == null ? null : probed.lastFailure(), watch.readyMs(), report, ending.exitCode(), ending.exitMs(),
          ending.killedMs(), ending.killedRss(), watchdog.peakBytes(), watchdog.unreadable().orElse(null),
          ending.stopExitCode(), ending.stopMs(), record, failure);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("the simulation was interrupted", e);
    } finally {
      killAll(handle, watchdog.seen());
      http.close();
      try {
        Runtime.getRuntime().removeShutdownHook(stopOnExit);
      } catch (IllegalStateException e) {
        // the JVM is already shutting down: the hook runs anyway
      }
    }
  }

  /** What the watch saw: when the port listened, when the service was ready (null: never), and its last report. */
  private record Watch(Long listenMs, Long readyMs, StartupReport last) { }

  /** How the service ended: by itself or killed ({@code exitCode}), or stopped by the simulation ({@code stopExitCode}). */
  private record Ending(Integer exitCode, Long exitMs, Long killedMs, Long killedRss, Integer stopExitCode, Long stopMs) { }

  /**
   * Follows the start until it is decided: ready and probed, the probe failed, the service exited
   * or was killed, or the probe window ended.
   */
  private Watch watch(Process process, HttpClient http, int port, long origin, ProbeRunner prober, PhaseStream phases)
      throws InterruptedException {
    long deadline = origin + probe.window().toNanos();
    Long listenMs = null;
    Long readyMs = null;
    StartupReport last = null;
    boolean probeTold = false;
    while (process.isAlive()) {
      if (listenMs == null) {
        if (connects(port)) {
          listenMs = ms(origin);
          phases.event(listenMs, "listening on port " + port);
        }
      } else {
        Optional<StartupReport> report = startupReport(http, port, routes);
        if (report.isPresent()) {
          last = report.get();
          phases.update(last);
        }
        if (readyMs == null && last != null && last.outcome().serving() && status(http, port, "/health/ready") == 200) {
          readyMs = ms(origin);
          phases.event(readyMs, "/health/ready answers 200: ready to take traffic");
        }
      }
      Optional<ProbeRunner.Result> probed = prober.result();
      if (probed.isPresent() && !probeTold) {
        probeTold = true;
        ProbeRunner.Result r = probed.get();
        phases.event(ms(origin, r.atNanos()), r.passed()
            ? "startup probe (" + probe.kind() + ") passed at attempt " + r.attempts()
            : "startup probe (" + probe.kind() + ") FAILED after " + r.attempts() + " attempts (" + r.lastFailure()
                + "): Cloud Run would stop this instance");
      }
      if (readyMs != null && probed.isPresent() || probed.isPresent() && !probed.get().passed()) {
        break;
      }
      if (System.nanoTime() > deadline) {
        phases.event(ms(origin), "not ready within the " + DurationText.format(probe.window()) + " window");
        break;
      }
      phases.quiet(last, ms(origin));
      Thread.sleep(listenMs == null ? POLL_BEFORE_LISTENING : POLL);
    }
    return new Watch(listenMs, readyMs, last);
  }

  /** Ends the service: notes how it ended by itself, or stops it with SIGTERM (SIGKILL after the grace period). */
  private Ending end(Process process, MemoryWatchdog watchdog, long origin, PhaseStream phases)
      throws InterruptedException {
    ProcessHandle handle = process.toHandle();
    Optional<MemoryWatchdog.Kill> kill = watchdog.kill();
    if (!process.isAlive() || kill.isPresent()) {
      int exitCode = waitFor(process, Duration.ofSeconds(5));
      long exitMs = kill.map(k -> ms(origin, k.atNanos())).orElse(ms(origin));
      killAll(handle, watchdog.seen()); // the embedded database or anything else it started and left behind
      if (kill.isPresent()) {
        phases.event(exitMs, "OOM-killed: RSS " + new MemorySize(kill.get().rssBytes()) + " reached the " + memory
            + " limit");
        return new Ending(exitCode, exitMs, exitMs, kill.get().rssBytes(), null, null);
      }
      phases.event(exitMs, "the service exited with code " + exitCode);
      return new Ending(exitCode, exitMs, null, null, null, null);
    }
    watchdog.sampleNow();
    long stopping = System.nanoTime();
    handle.destroy(); // SIGTERM, as Cloud Run stops an instance
    if (process.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
      long stopMs = (System.nanoTime() - stopping) / 1_000_000;
      killAll(handle, watchdog.seen());
      phases.event(ms(origin), "stopped with SIGTERM: exit " + process.exitValue() + " after "
          + DurationText.millis(stopMs));
      return new Ending(null, null, null, null, process.exitValue(), stopMs);
    }
    killAll(handle, watchdog.seen());
    int code = waitFor(process, Duration.ofSeconds(5));
    phases.event(ms(origin), "did not stop within Cloud Run's " + DurationText.format(GRACE)
        + " grace period after SIGTERM: killed");
    return new Ending(null, null, null, null, code, null);
  }

  /**
   * The report to keep: the last one the service served, with the failure it recorded on its way
   * out when it exited while starting (the failing step marked FAILED with its error).
   */
  static StartupReport merge(StartupReport last, StartupFailure failure, Integer exitCode) {
    if (failure == null || exitCode == null) {
      return last;
    }
    if (last == null) {
      return new StartupReport(Outcome.FAILED, failure.phase(), failure.elapsedMs(), failure.budgetMs(), List.of(), failure);
    }
    if (last.outcome() != Outcome.STARTING) {
      return last.failure() == null && last.outcome() == Outcome.FAILED
          ? new StartupReport(last.outcome(), last.phase(), last.elapsedMs(), last.budgetMs(), last.phases(), failure)
          : last;
    }
    String error = failure.cause().isEmpty() ? failure.hint() : failure.cause().getFirst();
    List<PhaseReport> phases = new ArrayList<>();
    for (PhaseReport phase : last.phases()) {
      List<StepReport> steps = new ArrayList<>();
      boolean failedHere = false;
      for (StepReport s : phase.steps()) {
        if (s.name().equals(failure.step()) && !s.status().terminal()) {
          steps.add(new StepReport(s.name(), s.component(), s.criticality(), StepStatus.FAILED, s.attempts(),
              s.startMs() == null ? failure.elapsedMs() : s.startMs(), failure.elapsedMs(), error, s.detail()));
          failedHere = true;
        } else {
          steps.add(s);
        }
      }
      phases.add(new PhaseReport(phase.name(), failedHere ? StepStatus.FAILED : phase.status(), steps));
    }
    return new StartupReport(Outcome.FAILED, failure.phase(), failure.elapsedMs(), failure.budgetMs(), phases, failure);
  }

  /**
   * Loads and runs once what the polling uses (the HTTP client, the report parser, a socket
   * connect), so that a cold start of this JVM is not counted as the service's: the first request
   * of a fresh HTTP client alone takes about a second on a busy single CPU.
   */
  private static void warmUp(HttpClient http, int port) throws IOException {
    connects(port);
    try {
      http.send(request(port, "/health/startup"), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      // expected: nothing listens on the port yet; the client's machinery is loaded now
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted before the service was launched", e);
    }
    StartupReport sample = new StartupReport(Outcome.STARTING, "INIT", 0, 1, List.of(new PhaseReport("INIT",
        StepStatus.RUNNING, List.of(new StepReport("s", "c", Criticality.CRITICAL, StepStatus.RUNNING, 1,
            0L, null, null, null)))), null);
    StartupReportJson.parse(Json.write(sample));
    new PhaseStream(line -> { }).update(sample);
  }

  private static Optional<StartupReport> startupReport(HttpClient http, int port, DependencyRoutes routes)
      throws InterruptedException {
    try {
      HttpResponse<String> response = http.send(request(port, "/health/startup"), HttpResponse.BodyHandlers.ofString());
      return Optional.of(StartupReportJson.parse(routes.unproxied(response.body())));
    } catch (IOException e) {
      return Optional.empty(); // not answering yet, or going away: the next poll or the exit tells
    } catch (IllegalArgumentException e) {
      return Optional.empty(); // a 503 from something that is not the service's startup report
    }
  }

  private static int status(HttpClient http, int port, String path) throws InterruptedException {
    try {
      return http.send(request(port, path), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    }
  }

  private static HttpRequest request(int port, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(REQUEST_TIMEOUT).GET().build();
  }

  private static boolean connects(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 100);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int waitFor(Process process, Duration within) throws InterruptedException {
    if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      process.waitFor();
    }
    return process.exitValue();
  }

  /**
   * SIGKILL to the service, everything below it now, and everything it was seen to start (a handle
   * knows its process's start time, so a reused pid is never hit).
   */
  private static void killAll(ProcessHandle handle, Set<ProcessHandle> started) {
    List<ProcessHandle> tree = new ArrayList<>(handle.descendants().toList());
    tree.addAll(started);
    if (handle.isAlive()) {
      handle.destroyForcibly();
    }
    tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
  }

  private static long ms(long origin) {
    return ms(origin, System.nanoTime());
  }

  private static long ms(long origin, long at) {
    return (at - origin) / 1_000_000;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}

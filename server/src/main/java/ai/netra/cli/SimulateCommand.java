package ai.netra.cli;

import static ai.netra.config.SettingNames.NETRA_ENV;

import ai.netra.boot.ExitCode;
import ai.netra.boot.BackendPlan;
import ai.netra.config.Settings;
import ai.netra.deploy.DurationText;
import ai.netra.deploy.MemorySize;
import ai.netra.deploy.StartupProbe;
import ai.netra.deploy.StartupReportJson;
import ai.netra.deploy.simulate.DependencyRoutes;
import ai.netra.deploy.simulate.ProbeSpec;
import ai.netra.deploy.simulate.Recommendations;
import ai.netra.deploy.simulate.ServiceLaunch;
import ai.netra.deploy.simulate.Simulation;
import ai.netra.deploy.simulate.SimulationResult;
import ai.netra.deploy.simulate.TimelineSvg;
import ai.netra.json.Json;
import ai.netra.startup.StartupPlan;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code netra simulate}: starts the service jar in a simulated Cloud Run instance; would it have started there? */
@Command(name = "simulate", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    sortOptions = false,
    description = {"Starts this service jar as a Cloud Run instance and says whether Cloud Run would have started it.",
        "",
        "The instance: CPUs pinned with taskset, the JVM's memory view set with -XX:MaxRAM and a watchdog that kills"
            + " the service when its RSS reaches the limit, PostgreSQL and Redis behind latency proxies, and the"
            + " startup probe run on Cloud Run's schedule. It streams one line per phase as it completes, then the"
            + " verdict, the times to listen and to ready, the peak RSS, and recommended resources and timeouts.",
        "",
        "The service gets this shell's environment, then --env-file on top of it, then --env (netra check and netra"
            + " plan read an --env-file instead of the environment). On JDK 25 it loads the AOT cache next to the jar"
            + " (netra.aot), as ./netra does.",
        ""})
public final class SimulateCommand implements Callable<Integer> {


  @Option(names = "--cpus", defaultValue = "1", paramLabel = "N",
      description = "CPUs of the instance (default ${DEFAULT-VALUE})")
  int cpus;

  @Option(names = "--memory", defaultValue = "512Mi", paramLabel = "SIZE", converter = MemoryConverter.class,
      description = "memory limit: 512Mi, 1Gi, ... (default ${DEFAULT-VALUE})")
  MemorySize memory;

  @Option(names = "--db-latency", defaultValue = "0s", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "added before each new PostgreSQL connection (the Cloud SQL path took 10-30 s under load);"
          + " default ${DEFAULT-VALUE}")
  Duration databaseLatency;

  @Option(names = "--redis-latency", defaultValue = "0s", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "added before each new Redis connection; default ${DEFAULT-VALUE}")
  Duration redisLatency;

  @Option(names = "--probe", defaultValue = "tcp", paramLabel = "tcp|startup",
      description = "tcp: Cloud Run's default TCP probe, a connect every second for --timeout; startup: HTTP GET"
          + " /health/startup with the initialDelaySeconds, periodSeconds and failureThreshold netra plan writes for"
          + " the service's STARTUP_TOTAL_BUDGET_S (the same arithmetic; default ${DEFAULT-VALUE})")
  String probe;

  @Option(names = "--probe-period", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "startup probe only: ask every DURATION (whole seconds) instead of netra plan's period;"
          + " failureThreshold then covers the same window")
  Duration probePeriod;

  @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "the probe window: listening and ready must come within it (default: 240 s, Cloud Run's most, for"
          + " tcp; for startup the window netra plan gives, which a given --timeout replaces, the period then picked"
          + " as netra plan picks it)")
  Duration timeout;

  @Option(names = "--env", paramLabel = "ENV", description = "NETRA_ENV for the service: development, staging or production")
  String environment;

  @Option(names = "--env-file", paramLabel = "FILE", description = "settings for the service, KEY=VALUE a line, put on top"
      + " of this shell's environment (netra check and netra plan read theirs instead of the environment); a secret"
      + " written as KEY=sm://NAME takes its value from KEY in this shell's environment")
  Path envFile;

  @Option(names = "--report", paramLabel = "FILE", description = "write the final /health/startup report (JSON) here,"
      + " with this instance's CPUs, memory limit and peak RSS, as netra check --report and netra plan --report read it")
  Path report;

  @Option(names = "--timeline", paramLabel = "FILE", description = "write an SVG timeline of the phases and steps here")
  Path timeline;

  @Option(names = "--service-log", paramLabel = "FILE", description = "write everything the service prints here")
  Path serviceLog;

  @Option(names = "--jar", paramLabel = "FILE",
      description = "the service jar to start (default: the jar this command runs from)")
  Path jar;

  @Mixin
  Inputs.JsonOutput json = new Inputs.JsonOutput();

  @Spec
  CommandSpec spec;

  private final Map<String, String> shellEnv;

  public SimulateCommand() {
    this(Settings.processEnvironment());
  }

  SimulateCommand(Map<String, String> shellEnv) {
    this.shellEnv = Objects.requireNonNull(shellEnv, "shellEnv");
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter progressTo = json.enabled ? err : out;
    ProbeSpec.Kind kind;
    Path serviceJar;
    Map<String, String> env;
    try {
      kind = probeKind(probe);
      validate();
      serviceJar = jar != null ? requireJar(jar) : runningJar();
      env = environment();
    } catch (IllegalArgumentException e) {
      err.println("netra simulate: " + e.getMessage());
      err.flush();
      return ExitCode.INVALID.code();
    }
    Consumer<String> progress = line -> {
      progressTo.println(line);
      progressTo.flush();
    };
    StartupProbe planned = kind == ProbeSpec.Kind.TCP ? null : startupProbe(env);
    ProbeSpec probeSpec = planned == null ? ProbeSpec.tcp(timeout == null ? StartupProbe.MAX_WINDOW : timeout)
        : ProbeSpec.startup(planned);
    progress.accept(String.format(Locale.ROOT, "netra simulate: %d CPU, %s, database +%s, redis +%s per connection, %s",
        cpus, memory, DurationText.format(databaseLatency), DurationText.format(redisLatency), probeSpec.describe()));
    if (planned != null) {
      progress.accept(timeout == null && probePeriod == null
          ? "  startup probe as netra plan writes it (" + planned.basis() + ", at most " + StartupProbe.MAX_WINDOW_S + " s)"
          : "  startup probe window from " + planned.basis());
    }
    if (probeSpec.window().compareTo(StartupProbe.MAX_WINDOW) > 0) {
      progress.accept("  note: the probe window " + DurationText.format(probeSpec.window())
          + " is longer than Cloud Run's 240 s");
    }
    try (DependencyRoutes routes = DependencyRoutes.open(env, databaseLatency, redisLatency);
        Writer log = serviceLog == null ? null : Files.newBufferedWriter(serviceLog, StandardCharsets.UTF_8)) {
      ServiceLaunch launch = ServiceLaunch.forThisMachine(serviceJar, cpus, memory, env);
      launch.notes().forEach(n -> progress.accept("  " + n));
      routes.routes().forEach(r -> progress.accept("  " + r.describe()));
      routes.notes().forEach(n -> progress.accept("  " + n));
      SimulationResult result = new Simulation(launch, routes, cpus, memory, probeSpec, log).run(progress);

      StartupPlan plan = BackendPlan.describe(Settings.read(routes.env()));
      List<Recommendations.Item> recommendations = Recommendations.of(result, plan,
          Map.of("database", databaseLatency, "redis", redisLatency));
      List<String> written = writeFiles(result, err);
      if (json.enabled) {
        out.println(Json.writePretty(jsonResult(result, recommendations, written)));
      } else {
        printVerdict(out, result, recommendations, written);
      }
      out.flush();
      return result.passed() ? ExitCode.OK.code() : ExitCode.FAILED.code();
    } catch (IOException e) {
      err.println("netra simulate: " + e.getMessage());
      err.flush();
      return ExitCode.INVALID.code();
    }
  }

  private void validate() {
    if (cpus < 1 || cpus > 64) {
      throw new IllegalArgumentException("--cpus " + cpus + " must be a whole number from 1 to 64 (Cloud Run offers 1, 2,"
          + " 4, 6 and 8; fractions below 1 cannot be pinned)");
    }
    if (timeout != null && timeout.isZero()) {
      throw new IllegalArgumentException("--timeout must be longer than 0 s");
    }
    if (probePeriod != null && (probePeriod.toMillis() < 1000 || probePeriod.toMillis() % 1000 != 0
        || timeout != null && probePeriod.compareTo(timeout) > 0)) {
      throw new IllegalArgumentException("--probe-period " + DurationText.format(probePeriod) + " must be whole seconds"
          + " (a probe's periodSeconds), at least 1 s" + (timeout == null ? "" : " and at most --timeout "
          + DurationText.format(timeout)));
    }
  }

  /**
   * The startup probe netra plan writes for the service's STARTUP_TOTAL_BUDGET_S (no measured start:
   * this run is the measurement), with --timeout and --probe-period in place of its window and period.
   */
  private StartupProbe startupProbe(Map<String, String> env) {
    StartupProbe planned = StartupProbe.of(Settings.read(env).startup().totalBudget(), null, null);
    if (timeout == null && probePeriod == null) {
      return planned;
    }
    Duration window = timeout != null ? timeout : Duration.ofSeconds(planned.window());
    return StartupProbe.covering(window, probePeriod == null ? 0 : (int) probePeriod.toSeconds(),
        (timeout == null ? "netra plan's window" : "--timeout " + DurationText.format(window))
            + (probePeriod == null ? ", period as netra plan picks it" : ", every --probe-period "
            + DurationText.format(probePeriod)) + " (netra plan would write " + planned.periodSeconds() + " s x "
            + planned.failureThreshold() + ")");
  }

  static ProbeSpec.Kind probeKind(String text) {
    return switch (text == null ? "" : text.toLowerCase(Locale.ROOT)) {
      case "tcp" -> ProbeSpec.Kind.TCP;
      case "startup", "http" -> ProbeSpec.Kind.STARTUP;
      default -> throw new IllegalArgumentException("--probe '" + text + "' must be tcp or startup");
    };
  }

  /** This shell's environment, then --env-file, then --env. */
  private Map<String, String> environment() {
    Map<String, String> env = envFile == null ? new HashMap<>(shellEnv) : Inputs.onTopOf(shellEnv, envFile);
    if (environment != null) {
      env.put(NETRA_ENV, Inputs.environment(environment));
    }
    return env;
  }

  private static Path runningJar() {
    CodeSource source = SimulateCommand.class.getProtectionDomain().getCodeSource();
    Path location;
    try {
      location = source == null ? null : Path.of(source.getLocation().toURI());
    } catch (URISyntaxException | IllegalArgumentException e) {
      location = null;
    }
    if (location == null || !Files.isRegularFile(location)) {
      throw new IllegalArgumentException("this command runs from " + (location == null ? "an unknown place" : location)
          + ", not from the service jar it would start: run `java -jar server/target/netra.jar simulate` (./netra"
          + " simulate does), or name the jar with --jar");
    }
    return requireJar(location);
  }

  private static Path requireJar(Path path) {
    if (!Files.isRegularFile(path) || !path.getFileName().toString().endsWith(".jar")) {
      throw new IllegalArgumentException("--jar " + path + " is not a jar file");
    }
    return path.toAbsolutePath();
  }

  private List<String> writeFiles(SimulationResult result, PrintWriter err) throws IOException {
    List<String> written = new ArrayList<>();
    if ((report != null || timeline != null) && result.report() == null) {
      err.println("netra simulate: the service never answered /health/startup, so there is no report or timeline to write");
      return written;
    }
    if (report != null) {
      StartupReportJson.write(result.recorded(report.toString()), report);
      written.add("report " + report);
    }
    if (timeline != null) {
      List<TimelineSvg.Marker> markers = new ArrayList<>();
      if (result.listenMs() != null) {
        markers.add(new TimelineSvg.Marker("listening", result.listenMs(), "#8250df"));
      }
      if (result.probePassed()) {
        markers.add(new TimelineSvg.Marker("probe passed", result.probeMs(), "#0969da"));
      }
      if (result.readyMs() != null) {
        markers.add(new TimelineSvg.Marker("ready", result.readyMs(), "#1a7f37"));
      }
      if (result.killedMs() != null) {
        markers.add(new TimelineSvg.Marker("OOM-killed", result.killedMs(), "#cf222e"));
      } else if (result.exitMs() != null) {
        markers.add(new TimelineSvg.Marker("exited " + result.exitCode(), result.exitMs(), "#cf222e"));
      }
      String title = String.format(Locale.ROOT, "netra startup on %d CPU / %s: %s", cpus, memory,
          result.passed() ? "PASS" : "FAIL");
      Files.writeString(timeline, TimelineSvg.render(result.report(), title, markers), StandardCharsets.UTF_8);
      written.add("timeline " + timeline);
    }
    return written;
  }

  private void printVerdict(PrintWriter out, SimulationResult r, List<Recommendations.Item> recommendations,
      List<String> written) {
    out.println();
    out.println("verdict: " + r.headline());
    row(out, "time to listen", r.listenMs() == null ? "never listened" : DurationText.millis(r.listenMs()));
    row(out, "time to ready", r.readyMs() == null ? "never ready" : DurationText.millis(r.readyMs())
        + (r.report() == null ? "" : " (startup report: " + r.report().outcome() + " after "
            + DurationText.millis(r.report().elapsedMs()) + ")"));
    row(out, "startup probe", probeText(r));
    row(out, "peak RSS", r.memoryUnwatched() != null ? "unknown: " + r.memoryUnwatched()
        : String.format(Locale.ROOT, "%s of %s (%.0f%%)", r.peakRss(), memory, 100.0 * r.peakRssBytes() / memory.bytes()));
    row(out, "exit", exitText(r));
    if (!r.passed()) {
      out.println("reasons:");
      r.reasons().forEach(reason -> out.println("  - " + reason));
    }
    if (!r.failureRecord().isEmpty()) {
      out.println("the service's failure record:");
      r.failureRecord().forEach(line -> out.println("  | " + line));
    }
    out.println("recommended:");
    for (Recommendations.Item item : recommendations) {
      out.printf(Locale.ROOT, "  %-28s %s%n  %-28s   %s%n", item.subject(), item.value(), "", item.why());
    }
    r.notes().stream().filter(n -> n.contains("NOT applied") || n.contains("could not be reached")
        || n.contains("refused connections"))
        .forEach(n -> out.println("note: " + n));
    if (!written.isEmpty()) {
      out.println("wrote " + String.join(", ", written));
    }
  }

  private static void row(PrintWriter out, String name, String value) {
    out.printf(Locale.ROOT, "  %-16s %s%n", name, value);
  }

  private static String probeText(SimulationResult r) {
    String kind = r.probe().kind() == ProbeSpec.Kind.TCP ? "TCP" : "HTTP /health/startup";
    if (r.probeMs() == null) {
      return kind + ", undecided";
    }
    return r.probePassed()
        ? kind + ", passed at " + DurationText.millis(r.probeMs()) + " (attempt " + r.probeAttempts() + "), margin "
            + DurationText.millis(r.probe().window().toMillis() - r.probeMs()) + " of "
            + DurationText.format(r.probe().window())
        : kind + ", failed after " + r.probeAttempts() + " attempts at " + DurationText.millis(r.probeMs());
  }

  private static String exitText(SimulationResult r) {
    if (r.killedMs() != null) {
      return "OOM-killed by the watchdog at " + DurationText.millis(r.killedMs()) + " (exit " + r.exitCode() + ")";
    }
    if (r.exitCode() != null) {
      return "exited by itself with code " + r.exitCode() + " at " + DurationText.millis(r.exitMs());
    }
    if (r.stopMs() != null) {
      return "stopped with SIGTERM: exit " + r.stopExitCode() + " after " + DurationText.millis(r.stopMs());
    }
    return "killed after SIGTERM was not enough within 10 s (exit " + r.stopExitCode() + ")";
  }

  private Map<String, Object> jsonResult(SimulationResult r, List<Recommendations.Item> recommendations,
      List<String> written) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("verdict", r.passed() ? "PASS" : "FAIL");
    o.put("headline", r.headline());
    o.put("reasons", r.reasons());
    Map<String, Object> limits = new LinkedHashMap<>();
    limits.put("cpus", cpus);
    limits.put("memory", memory.toString());
    limits.put("memory_bytes", memory.bytes());
    limits.put("database_latency_ms", databaseLatency.toMillis());
    limits.put("redis_latency_ms", redisLatency.toMillis());
    o.put("limits", limits);
    Map<String, Object> probeJson = new LinkedHashMap<>();
    probeJson.put("kind", r.probe().kind().name());
    probeJson.put("initial_delay_s", r.probe().initialDelay().toSeconds());
    probeJson.put("period_s", r.probe().period().toSeconds());
    probeJson.put("failure_threshold", r.probe().failureThreshold());
    probeJson.put("window_ms", r.probe().window().toMillis());
    probeJson.put("passed", r.probePassed());
    probeJson.put("at_ms", r.probeMs());
    probeJson.put("attempts", r.probeAttempts());
    probeJson.put("margin_ms", r.probePassed() ? r.probe().window().toMillis() - r.probeMs() : null);
    probeJson.put("last_failure", r.probeFailure());
    o.put("probe", probeJson);
    o.put("listen_ms", r.listenMs());
    o.put("ready_ms", r.readyMs());
    o.put("outcome", r.report() == null ? null : r.report().outcome());
    o.put("startup_elapsed_ms", r.report() == null ? null : r.report().elapsedMs());
    o.put("peak_rss_bytes", r.peakRssBytes());
    o.put("peak_rss", r.memoryUnwatched() == null ? r.peakRss().toString() : null);
    o.put("exit_code", r.exitCode());
    o.put("oom_killed", r.killedMs() == null ? null : Map.of("at_ms", r.killedMs(), "rss_bytes", r.killedRssBytes()));
    Map<String, Object> stop = new LinkedHashMap<>();
    stop.put("exit_code", r.stopExitCode());
    stop.put("took_ms", r.stopMs());
    o.put("stopped", r.exitCode() == null ? stop : null);
    o.put("failure_record", r.failureRecord());
    o.put("recommendations", recommendations);
    o.put("notes", r.notes());
    o.put("written", written);
    return o;
  }
}

package ai.netra.cli;

import ai.netra.boot.ExitCode;
import ai.netra.config.Settings;
import ai.netra.deploy.MemorySize;
import ai.netra.deploy.RecordedStartup;
import ai.netra.deploy.check.CheckReport;
import ai.netra.deploy.check.DeployCheck;
import ai.netra.deploy.check.DeployEnv;
import ai.netra.deploy.check.Finding;
import ai.netra.deploy.check.ResourceProfile;
import ai.netra.deploy.check.ServiceYaml;
import ai.netra.deploy.check.Verdict;
import ai.netra.json.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code netra check}: judges a deployment's settings, timeouts, pool and resources before it happens. */
@Command(name = "check", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class, sortOptions = false,
    description = {"Checks a deployment before it happens.",
        "",
        "The settings the service would read (every problem at once), the timeout policy against the startup plan,"
            + " Cloud Run's 240 s and a recorded start, the startup probe of a service YAML (a TCP probe passes before"
            + " the service is ready), the database pool across instances against max_connections, and CPU and memory"
            + " against what a start needs. Prints PASS, WARN or FAIL per finding, grouped by area, with the fix for each"
            + " failure.",
        "",
        "Settings come from --env-file when given, instead of this shell's environment (never on top of it, as netra"
            + " simulate puts it), else from the environment. In an env file a secret may be a Secret Manager reference:"
            + " sm://NAME[:VERSION].",
        ""})
public final class CheckCommand implements Callable<Integer> {


  @Mixin
  Inputs.DeploySettings settings = new Inputs.DeploySettings();

  @Mixin
  Inputs.RecordedStart report = new Inputs.RecordedStart();

  @Mixin
  Inputs.History history = new Inputs.History();

  @Option(names = "--service-yaml", paramLabel = "FILE",
      description = "the deployment as written for the platform (netra plan's YAML, gcloud run services describe --format export,"
          + " or a Kubernetes Deployment): its startup probe, maxScale and resources are checked too")
  Path serviceYaml;

  @Option(names = "--max-connections", paramLabel = "N",
      description = "the database server's max_connections (default: DB_MAX_CONNECTIONS, else asked from the server)")
  Integer maxConnections;

  @Option(names = "--cpu", paramLabel = "CPU", description = "CPUs the deploy requests: 1, 2, 1000m")
  String cpu;

  @Option(names = "--memory", paramLabel = "SIZE", converter = MemoryConverter.class,
      description = "memory the deploy requests: 512Mi, 1Gi")
  MemorySize memory;

  @Option(names = "--peak-rss", paramLabel = "SIZE", converter = MemoryConverter.class,
      description = "peak RSS a start needs, e.g. 430Mi (default: the report's)")
  MemorySize peakRss;

  @Option(names = "--margin", paramLabel = "PERCENT", defaultValue = "25",
      description = "how close to a timeout, the budget or a limit counts as too close (default ${DEFAULT-VALUE}%%)")
  int marginPercent;

  @Mixin
  Inputs.JsonOutput json = new Inputs.JsonOutput();

  @Spec
  CommandSpec spec;

  private final Map<String, String> processEnv;

  public CheckCommand() {
    this(Settings.processEnvironment());
  }

  CheckCommand(Map<String, String> processEnv) {
    this.processEnv = Objects.requireNonNull(processEnv, "processEnv");
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    DeployEnv env;
    RecordedStartup recorded;
    DeployCheck.Options options;
    try {
      env = settings.read(processEnv);
      recorded = report.read();
      if ((cpu == null) != (memory == null)) {
        throw new IllegalArgumentException("--cpu and --memory go together: give both, or neither");
      }
      ResourceProfile resources = cpu == null ? null
          : new ResourceProfile(ResourceProfile.parseCpu(cpu), memory);
      if (maxConnections != null && maxConnections < 1) {
        throw new IllegalArgumentException("--max-connections must be at least 1, was " + maxConnections);
      }
      ServiceYaml service = null;
      if (serviceYaml != null) {
        try {
          service = ServiceYaml.read(serviceYaml);
        } catch (java.nio.file.NoSuchFileException e) {
          throw new IOException("the service YAML " + serviceYaml + ": it does not exist", e);
        }
      }
      options = new DeployCheck.Options(maxConnections, resources, peakRss, marginPercent / 100.0, service,
          history.read(env.settings(), report));
    } catch (HistorySource.HistoryUnavailableException e) {
      err.println("netra check: " + e.getMessage());
      err.flush();
      return ExitCode.UNAVAILABLE.code();
    } catch (IOException e) {
      return Inputs.usage(err, "check", "cannot read " + e.getMessage());
    } catch (IllegalArgumentException e) {
      return Inputs.usage(err, "check", e.getMessage());
    }
    CheckReport result = new DeployCheck(options, line -> {
      err.println("netra check: " + line);
      err.flush();
    }).run(env, recorded);
    String text = json.enabled ? Json.writePretty(toJson(result)) : toText(result);
    out.println(Inputs.scrub(text, env.secretValues()));
    out.flush();
    return result.verdict() == Verdict.FAIL ? ExitCode.FAILED.code() : ExitCode.OK.code();
  }

  static Map<String, Object> toJson(CheckReport result) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("environment", result.environment());
    body.put("source", result.source());
    body.put("verdict", result.verdict());
    body.put("exit_code", result.verdict() == Verdict.FAIL ? ExitCode.FAILED.code() : ExitCode.OK.code());
    Map<String, Long> counts = new LinkedHashMap<>();
    result.counts().forEach((v, n) -> counts.put(v.name().toLowerCase(Locale.ROOT), n));
    body.put("counts", counts);
    body.put("findings", result.findings());
    return body;
  }

  static String toText(CheckReport result) {
    StringBuilder text = new StringBuilder();
    text.append("netra check: ").append(result.environment()).append(", settings from ").append(result.source()).append("\n");
    Object area = null;
    for (Finding f : result.findings()) {
      if (f.area() != area) {
        area = f.area();
        text.append("\n").append(f.area().title()).append("\n");
      }
      text.append(String.format("  %-4s  %s%n", f.verdict(), f.message()));
      if (f.fix() != null && f.verdict() != Verdict.PASS) {
        text.append("        fix: ").append(f.fix()).append("\n");
      }
    }
    Map<Verdict, Long> counts = result.counts();
    text.append("\nverdict: ").append(result.verdict()).append(" (").append(counts.get(Verdict.FAIL)).append(" failed, ")
        .append(counts.get(Verdict.WARN)).append(" warnings, ").append(counts.get(Verdict.PASS)).append(" passed)");
    return text.toString();
  }
}

package ai.netra.cli;

import ai.netra.boot.ExitCode;
import ai.netra.config.Settings;
import ai.netra.deploy.MemorySize;
import ai.netra.deploy.RecordedStartup;
import ai.netra.deploy.check.DeployEnv;
import ai.netra.deploy.check.ResourceProfile;
import ai.netra.deploy.plan.CloudRunService;
import ai.netra.deploy.plan.GcloudCommand;
import ai.netra.deploy.plan.KubernetesManifests;
import ai.netra.deploy.plan.ServicePlan;
import ai.netra.deploy.plan.ServicePlanner;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code netra plan}: writes the deployment as Cloud Run YAML, a gcloud command line or Kubernetes manifests. */
@Command(name = "plan", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class, sortOptions = false,
    description = {"Writes the deployment of the service: a Cloud Run service YAML for `gcloud run services replace`"
            + " (default), the same as a `gcloud run deploy` command line, or Kubernetes Deployment + Service manifests.",
        "",
        "Resources, instances (max = MAX_INSTANCES), concurrency, a WebSocket-long request timeout, session affinity,"
            + " startup CPU boost, Cloud SQL and VPC access, settings as env vars and secrets as Secret Manager references"
            + " (never a value), an HTTP startup probe on /health/startup sized to cover the measured (--report) or"
            + " declared (STARTUP_TOTAL_BUDGET_S) start within Cloud Run's 240 s, and a liveness probe on /health/live.",
        "",
        "Settings come from --env-file when given, instead of this shell's environment (never on top of it, as netra"
            + " simulate puts it), else from the environment; NETRA_ENV from --env, which is required. In an env file a"
            + " secret may be written as sm://NAME[:VERSION]. Notes on the choices go to stderr.",
        ""})
public final class PlanCommand implements Callable<Integer> {

  /** The forms a plan is written in; lower-case because they are the words typed after --format. */
  enum Format { cloudrun, gcloud, k8s }

  @Mixin
  Inputs.DeploySettings settings = new Inputs.DeploySettings();

  @Option(names = "--image", required = true, paramLabel = "IMAGE", description = "the container image, e.g. europe-docker.pkg.dev/p/r/netra:1.4.2")
  String image;

  @Mixin
  Inputs.RecordedStart report = new Inputs.RecordedStart();

  @Option(names = "--format", defaultValue = "cloudrun", paramLabel = "FORMAT", description = "cloudrun (default), gcloud or k8s")
  Format format;

  @Option(names = "--service", defaultValue = "netra", paramLabel = "NAME", description = "service name (default ${DEFAULT-VALUE})")
  String service;

  @Option(names = "--region", paramLabel = "REGION", description = "Cloud Run region, e.g. europe-west1")
  String region;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "write to FILE instead of stdout")
  Path output;

  @Option(names = "--cpu", paramLabel = "CPU", description = "CPUs per instance (default 1, more when the memory needs it)")
  String cpu;

  @Option(names = "--memory", paramLabel = "SIZE", converter = MemoryConverter.class,
      description = "memory per instance (default: the report's peak RSS + 25%%, else 1Gi)")
  MemorySize memory;

  @Option(names = "--min-instances", paramLabel = "N", description = "instances kept warm (default 1 in production, else 0)")
  Integer minInstances;

  @Option(names = "--concurrency", paramLabel = "N", description = "requests (open sockets) per instance (default 250)")
  Integer concurrency;

  @Option(names = "--cloudsql-instance", paramLabel = "P:R:I", description = "Cloud SQL instance (default: from POSTGRES_HOST=/cloudsql/P:R:I)")
  String cloudSqlInstance;

  @Option(names = "--vpc-connector", paramLabel = "NAME", description = "Serverless VPC Access connector (Memorystore, private IPs)")
  String vpcConnector;

  @Option(names = "--vpc-egress", paramLabel = "EGRESS", description = "private-ranges-only (default) or all-traffic")
  String vpcEgress;

  @Option(names = "--service-account", paramLabel = "EMAIL", description = "the identity the service runs as")
  String serviceAccount;

  @Spec
  CommandSpec spec;

  private final Map<String, String> processEnv;

  public PlanCommand() {
    this(Settings.processEnvironment());
  }

  PlanCommand(Map<String, String> processEnv) {
    this.processEnv = Objects.requireNonNull(processEnv, "processEnv");
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    DeployEnv env;
    ServicePlan plan;
    String text;
    if (settings.environment == null) {
      return Inputs.usage(err, "plan", "--env is required: the NETRA_ENV of the deployment, development, staging or production");
    }
    try {
      env = settings.read(processEnv);
      RecordedStartup recorded = report.read();
      plan = ServicePlanner.plan(env, recorded, new ServicePlanner.Options(image, service, region,
          cpu == null ? null : ResourceProfile.parseCpu(cpu), memory,
          minInstances, concurrency, cloudSqlInstance, vpcConnector, vpcEgress, serviceAccount));
      text = switch (format) {
        case cloudrun -> CloudRunService.yaml(plan);
        case gcloud -> GcloudCommand.command(plan);
        case k8s -> KubernetesManifests.yaml(plan);
      };
    } catch (IOException e) {
      return Inputs.usage(err, "plan", "cannot read " + e.getMessage());
    } catch (IllegalArgumentException e) {
      return Inputs.usage(err, "plan", e.getMessage());
    }
    if (!Inputs.scrub(text, env.secretValues()).equals(text)) {
      // A plain setting repeats a secret's value: writing it would publish the secret.
      return Inputs.usage(err, "plan", "refusing to write: a plain setting holds the value of a secret setting;"
          + " give it as sm://NAME or remove it");
    }
    for (String note : plan.notes()) {
      err.println("netra plan: " + note);
    }
    if (format == Format.k8s && !plan.secrets().isEmpty()) {
      err.println("netra plan: secrets come from the Kubernetes Secret " + KubernetesManifests.secretName(plan)
          + " (one key per setting: " + String.join(", ", plan.secrets().keySet()) + ")");
    }
    if (output == null) {
      out.print(text);
      out.flush();
    } else {
      try {
        Files.writeString(output, text, StandardCharsets.UTF_8);
      } catch (IOException e) {
        return Inputs.usage(err, "plan", "cannot write " + output + ": " + e);
      }
      err.println("netra plan: wrote " + format + " plan to " + output);
    }
    err.flush();
    return (plan.startupProbe().fits() ? ExitCode.OK : ExitCode.FAILED).code();
  }
}

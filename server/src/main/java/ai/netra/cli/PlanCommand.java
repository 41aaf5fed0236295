package ai.netra.cli;

import ai.netra.boot.BackendPlan;
import ai.netra.boot.ExitCode;
import ai.netra.config.Settings;
import ai.netra.deploy.MemorySize;
import ai.netra.deploy.RecordedStartup;
import ai.netra.config.SettingNames;
import ai.netra.deploy.check.CheckReport;
import ai.netra.deploy.check.DeployCheck;
import ai.netra.deploy.check.DeployEnv;
import ai.netra.deploy.check.Finding;
import ai.netra.deploy.check.ServiceYaml;
import ai.netra.deploy.check.Verdict;
import ai.netra.deploy.check.ResourceProfile;
import ai.netra.deploy.history.HistorySizing;
import ai.netra.history.StartStats;
import ai.netra.startup.TimeoutModel;
import ai.netra.deploy.plan.CloudDeployDelivery;
import ai.netra.deploy.plan.CloudRunService;
import ai.netra.deploy.plan.FlaggerCanary;
import ai.netra.deploy.plan.GcloudCommand;
import ai.netra.deploy.plan.KubernetesManifests;
import ai.netra.deploy.plan.ServicePlan;
import ai.netra.deploy.plan.ServicePlanner;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code netra plan}: writes the deployment as Cloud Run YAML, a gcloud command line, Kubernetes manifests (with
 * a Flagger canary), or a Cloud Deploy canary delivery.
 */
@Command(name = "plan", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class, sortOptions = false,
    description = {"Writes the deployment of the service: a Cloud Run service YAML for `gcloud run services replace`"
            + " (default), the same as a `gcloud run deploy` command line, or Kubernetes Deployment + Service manifests.",
        "",
        "Progressive delivery, by the engines that do it: --format clouddeploy writes a directory (-o) with a Cloud"
            + " Deploy pipeline and target (clouddeploy.yaml, for gcloud deploy apply) and a release's source"
            + " (skaffold.yaml, service.yaml): 10%% then 50%% of the traffic, then all, each phase checked by netra verify"
            + " from the same image. --format k8s --canary writes the Deployment with a Flagger Canary instead of the"
            + " Service: netra verify before any traffic (through Flagger's load tester), then success-rate and latency"
            + " checks while the traffic grows.",
        "",
        "Resources, instances (max = MAX_INSTANCES), concurrency, a WebSocket-long request timeout, session affinity,"
            + " startup CPU boost, Cloud SQL and VPC access, settings as env vars and secrets as Secret Manager references"
            + " (never a value), an HTTP startup probe on /health/startup sized to cover the measured (--report), kept"
            + " (--history: their p99, within Cloud Run's 240 s of initial delay and 240 s of probing) or declared"
            + " (STARTUP_TOTAL_BUDGET_S) start within Cloud Run's 240 s, and a liveness probe on /health/live.",
        "",
        "Settings come from --env-file when given, instead of this shell's environment (never on top of it, as netra"
            + " simulate puts it), else from the environment; NETRA_ENV from --env, else from those settings. In an env"
            + " file a secret may be written as sm://NAME[:VERSION]. Notes on the choices go to stderr.",
        "",
        "Before writing, it runs the checks of netra check on the settings and on the deployment it would write, and"
            + " prints every warning and failure; a failure stops it (exit 1) unless --force.",
        ""})
public final class PlanCommand implements Callable<Integer> {

  /** How close to a limit counts as too close: netra check's default. */
  private static final double CHECK_MARGIN = 0.25;

  /** The forms a plan is written in; lower-case because they are the words typed after --format. */
  enum Format { cloudrun, gcloud, k8s, clouddeploy }

  @Mixin
  Inputs.DeploySettings settings = new Inputs.DeploySettings();

  @Option(names = "--image", required = true, paramLabel = "IMAGE", description = "the container image, e.g. europe-docker.pkg.dev/p/r/netra:1.4.2")
  String image;

  @Mixin
  Inputs.RecordedStart report = new Inputs.RecordedStart();

  @Mixin
  Inputs.History history = new Inputs.History();

  @Option(names = "--format", defaultValue = "cloudrun", paramLabel = "FORMAT",
      description = "cloudrun (default), gcloud, k8s or clouddeploy")
  Format format;

  @Option(names = "--service", defaultValue = "netra", paramLabel = "NAME", description = "service name (default ${DEFAULT-VALUE})")
  String service;

  @Option(names = "--region", paramLabel = "REGION", description = "Cloud Run region, e.g. europe-west1")
  String region;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "write to FILE instead of stdout"
      + " (--format clouddeploy: the directory its three files go to, required)")
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

  @Option(names = "--project", paramLabel = "PROJECT", description = "--format clouddeploy: the Google Cloud project of"
      + " the pipeline and of the target's Cloud Run service (required, with --region)")
  String project;

  @Option(names = "--execution-service-account", paramLabel = "EMAIL", description = "--format clouddeploy: the identity"
      + " Cloud Deploy renders, deploys and verifies as (default: the project's default execution service account)")
  String executionServiceAccount;

  @Option(names = "--canary", description = "--format k8s: the Deployment with a Flagger Canary (pre-rollout netra verify"
      + " through Flagger's load tester, request success rate and latency checks) instead of the Service")
  boolean canary;

  @Option(names = "--namespace", paramLabel = "NS", description = "--format k8s: the Kubernetes namespace (required with"
      + " --canary, whose checks address services in it)")
  String namespace;

  @Option(names = "--loadtester-url", paramLabel = "URL", description = "--canary: Flagger's load tester (default"
      + " http://flagger-loadtester.NS/, beside the application as Flagger's documentation installs it)")
  URI loadTesterUrl;

  @Option(names = "--force", description = "write the deployment even when netra check fails it")
  boolean force;

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
    List<String> problems = optionProblems();
    if (!problems.isEmpty()) {
      problems.subList(0, problems.size() - 1).forEach(p -> err.println("netra plan: " + p));
      return Inputs.usage(err, "plan", problems.get(problems.size() - 1));
    }
    String text = null; // one text, to stdout or -o FILE
    Map<String, String> files = Map.of(); // or files by name, into -o DIR
    RecordedStartup recorded;
    try {
      env = settings.read(processEnv);
      if (settings.environment == null && !env.values().containsKey(SettingNames.NETRA_ENV)) {
        return Inputs.usage(err, "plan", "--env is required when the settings do not set NETRA_ENV: the environment of"
            + " the deployment, development, staging or production");
      }
      recorded = report.read();
      StartStats kept = history.read(env.settings(), report);
      HistorySizing sizing = kept == null ? null
          : HistorySizing.of(BackendPlan.describe(env.settings()), kept, TimeoutModel.DEFAULT_MARGIN);
      plan = ServicePlanner.plan(env, recorded, sizing, new ServicePlanner.Options(image, service, region,
          cpu == null ? null : ResourceProfile.parseCpu(cpu), memory,
          minInstances, concurrency, cloudSqlInstance, vpcConnector, vpcEgress, serviceAccount));
      switch (format) {
        case cloudrun -> text = CloudRunService.yaml(plan);
        case gcloud -> text = GcloudCommand.command(plan);
        case k8s -> text = canary ? FlaggerCanary.yaml(plan, flaggerSettings()) : KubernetesManifests.yaml(plan, namespace);
        case clouddeploy -> files = CloudDeployDelivery.files(plan,
            new CloudDeployDelivery.Settings(project, executionServiceAccount));
      }
    } catch (HistorySource.HistoryUnavailableException e) {
      err.println("netra plan: " + e.getMessage());
      err.flush();
      return ExitCode.UNAVAILABLE.code();
    } catch (IOException e) {
      return Inputs.usage(err, "plan", "cannot read " + e.getMessage());
    } catch (IllegalArgumentException e) {
      return Inputs.usage(err, "plan", e.getMessage());
    }
    for (String written : text != null ? List.of(text) : files.values()) {
      if (!Inputs.scrub(written, env.secretValues()).equals(written)) {
        // A plain setting repeats a secret's value: writing it would publish the secret.
        return Inputs.usage(err, "plan", "refusing to write: a plain setting holds the value of a secret setting;"
            + " give it as sm://NAME or remove it");
      }
    }
    CheckReport check = check(env, recorded, plan, text != null && format != Format.gcloud ? text
        : CloudRunService.yaml(plan), err);
    if (check.verdict() == Verdict.FAIL && !force) {
      err.println("netra plan: refusing to write a deployment that netra check fails (" + check.counts().get(Verdict.FAIL)
          + " failed): fix the settings above, or give --force to write it anyway");
      err.flush();
      return ExitCode.FAILED.code();
    }
    for (String note : plan.notes()) {
      err.println("netra plan: " + note);
    }
    iamRoles(plan).ifPresent(roles -> err.println("netra plan: " + roles));
    if (format == Format.k8s && !plan.secrets().isEmpty()) {
      err.println("netra plan: secrets come from the Kubernetes Secret " + KubernetesManifests.secretName(plan)
          + " (one key per setting: " + String.join(", ", plan.secrets().keySet()) + ")");
    }
    if (canary) {
      err.println("netra plan: " + FlaggerCanary.note(plan, flaggerSettings()));
    }
    int writing = text != null ? write(text, out, err) : writeDirectory(files, plan, err);
    if (writing != ExitCode.OK.code()) {
      return writing;
    }
    err.flush();
    return (plan.startupProbe().fits() || force ? ExitCode.OK : ExitCode.FAILED).code();
  }

  /**
   * netra check's verdict on the settings and on {@code yaml}, the deployment as written, with its warnings and
   * failures printed: a plan must never write what check would fail.
   */
  private CheckReport check(DeployEnv env, RecordedStartup recorded, ServicePlan plan, String yaml, PrintWriter err) {
    ServiceYaml service = ServiceYaml.parse("the planned deployment", yaml);
    DeployCheck.Options options = new DeployCheck.Options(null, plan.resources(), null, CHECK_MARGIN, service);
    CheckReport result = new DeployCheck(options, line -> err.println("netra plan: " + line)).run(env, recorded);
    for (Finding f : result.findings()) {
      if (f.verdict() != Verdict.PASS) {
        err.println("netra plan: check " + f.verdict() + " (" + f.area().title() + "): " + f.message()
            + (f.fix() == null ? "" : "; fix: " + f.fix()));
      }
    }
    Map<Verdict, Long> counts = result.counts();
    err.println("netra plan: check verdict " + result.verdict() + " (" + counts.get(Verdict.FAIL) + " failed, "
        + counts.get(Verdict.WARN) + " warnings, " + counts.get(Verdict.PASS) + " passed)");
    return result;
  }

  /** The roles the service's identity needs for what the plan gives it: its secrets, its Cloud SQL instance. */
  private Optional<String> iamRoles(ServicePlan plan) {
    List<String> roles = new ArrayList<>();
    if (!plan.secrets().isEmpty() && format != Format.k8s) {
      roles.add("roles/secretmanager.secretAccessor (Secret Manager secret accessor, to read "
          + String.join(", ", plan.secrets().keySet()) + ")");
    }
    if (plan.cloudSqlInstance() != null) {
      roles.add("roles/cloudsql.client (Cloud SQL client, to connect to " + plan.cloudSqlInstance() + ")");
    }
    if (roles.isEmpty()) {
      return Optional.empty();
    }
    String who = serviceAccount != null ? serviceAccount : "the service account it runs as (--service-account)";
    return Optional.of("grant " + who + " " + String.join(" and ", roles));
  }

  /** Options given together that cannot work, or missing where the format needs them; all of them at once. */
  private List<String> optionProblems() {
    List<String> problems = new ArrayList<>();
    if (format == Format.clouddeploy) {
      if (project == null) {
        problems.add("--project is required with --format clouddeploy: the Google Cloud project of the pipeline and"
            + " of the Cloud Run service");
      }
      if (region == null) {
        problems.add("--region is required with --format clouddeploy: the Cloud Run region of the target, e.g."
            + " europe-west1");
      }
      if (output == null) {
        problems.add("-o DIR is required with --format clouddeploy: it writes three files (" + CloudDeployDelivery.PIPELINE_FILE
            + ", " + CloudDeployDelivery.SKAFFOLD_FILE + ", " + CloudDeployDelivery.SERVICE_FILE + ") into DIR");
      }
    } else {
      if (project != null) {
        problems.add("--project is used only by --format clouddeploy");
      }
      if (executionServiceAccount != null) {
        problems.add("--execution-service-account is used only by --format clouddeploy");
      }
    }
    if (format != Format.k8s) {
      if (canary) {
        problems.add("--canary goes with --format k8s (a Flagger Canary); Cloud Run's canary is --format clouddeploy");
      }
      if (namespace != null) {
        problems.add("--namespace is used only by --format k8s");
      }
    }
    if (canary && namespace == null) {
      problems.add("--namespace is required with --canary: the Kubernetes namespace of the Deployment, whose canary"
          + " service the verification addresses");
    }
    if (!canary && loadTesterUrl != null) {
      problems.add("--loadtester-url is used only with --canary");
    }
    return problems;
  }

  private FlaggerCanary.Settings flaggerSettings() {
    return new FlaggerCanary.Settings(namespace, loadTesterUrl);
  }

  private int write(String text, PrintWriter out, PrintWriter err) {
    if (output == null) {
      out.print(endLine(text));
      out.flush();
      return ExitCode.OK.code();
    }
    try {
      Files.writeString(output, endLine(text), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return Inputs.usage(err, "plan", "cannot write " + output + ": " + e);
    }
    err.println("netra plan: wrote " + format + (canary ? " --canary" : "") + " plan to " + output);
    return ExitCode.OK.code();
  }

  /** A text file ends with a newline (POSIX; `cat` and diff tools expect it). */
  private static String endLine(String text) {
    return text.endsWith("\n") ? text : text + "\n";
  }

  /** The Cloud Deploy files into the directory {@code -o}, created when missing; then the commands that use them. */
  private int writeDirectory(Map<String, String> files, ServicePlan plan, PrintWriter err) {
    try {
      if (Files.exists(output) && !Files.isDirectory(output)) {
        return Inputs.usage(err, "plan", "-o " + output + " is a file; --format clouddeploy writes a directory");
      }
      Files.createDirectories(output);
      for (Map.Entry<String, String> file : files.entrySet()) {
        Files.writeString(output.resolve(file.getKey()), endLine(file.getValue()), StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      return Inputs.usage(err, "plan", "cannot write " + output + ": " + e);
    }
    String where = " --region=" + region + " --project=" + project;
    err.println("netra plan: wrote clouddeploy plan to " + output + ": " + String.join(", ", files.keySet()));
    err.println("netra plan: register the pipeline " + CloudDeployDelivery.pipelineName(plan) + " and its target "
        + CloudDeployDelivery.targetName(plan) + ": gcloud deploy apply --file=" + output.resolve(CloudDeployDelivery.PIPELINE_FILE)
        + where);
    err.println("netra plan: roll out " + plan.image() + ": gcloud deploy releases create RELEASE --delivery-pipeline="
        + CloudDeployDelivery.pipelineName(plan) + where + " --source=" + output);
    return ExitCode.OK.code();
  }
}

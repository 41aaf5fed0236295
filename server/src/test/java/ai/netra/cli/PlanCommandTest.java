package ai.netra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.deploy.StartupReportJson;
import ai.netra.deploy.Yaml;
import ai.netra.deploy.check.DeployEnv;
import ai.netra.deploy.plan.CloudDeployDelivery;
import ai.netra.deploy.plan.GcloudCommand;
import ai.netra.deploy.plan.ServicePlan;
import ai.netra.deploy.plan.ServicePlanner;
import ai.netra.startup.StartupReport;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code netra plan} as its user runs it: golden files for each format, and the structure each must have. */
class PlanCommandTest {

  private static final String IMAGE = "europe-docker.pkg.dev/netra-staging/netra/netra:1.4.2";
  /** The literal secret in staging.env: no output may carry it. */
  private static final String PLAIN_SECRET = "plain-jwt-secret-VALUE-0123456789abcdefghijkl";

  private static CommandRun plan(String... args) {
    List<String> all = new ArrayList<>(List.of("--env", "staging", "--image", IMAGE, "--region", "europe-west1",
        "--vpc-connector", "netra-connector"));
    all.addAll(List.of(args));
    return CommandRun.of(new PlanCommand(Map.of("JWT_SECRET_KEY", "shell-secret-never-read-0123456789abcdef")),
        all.toArray(String[]::new));
  }

  private static CommandRun staging(String format) {
    return plan("--env-file", CommandRun.fixture("staging.env"), "--report", CommandRun.fixture("startup-healthy.json"),
        "--format", format);
  }

  private static void assertNoSecretValue(CommandRun run) {
    assertThat(run.all()).as("no secret value in stdout or stderr")
        .doesNotContain(PLAIN_SECRET, "shell-secret-never-read");
  }

  @Test
  void cloudRunYamlMatchesItsGoldenFile() {
    CommandRun run = staging("cloudrun");
    assertThat(run.exit()).as("exit; stderr:\n%s", run.err()).isZero();
    Golden.assertMatches("cloudrun.yaml", run.out());
    assertNoSecretValue(run);
  }

  @Test
  void gcloudCommandMatchesItsGoldenFile() {
    CommandRun run = staging("gcloud");
    assertThat(run.exit()).as("exit; stderr:\n%s", run.err()).isZero();
    Golden.assertMatches("gcloud.sh", run.out());
    assertNoSecretValue(run);
  }

  @Test
  void kubernetesManifestsMatchTheirGoldenFile() {
    CommandRun run = staging("k8s");
    assertThat(run.exit()).as("exit; stderr:\n%s", run.err()).isZero();
    Golden.assertMatches("k8s.yaml", run.out());
    assertNoSecretValue(run);
  }

  @Test
  void cloudRunYamlHasWhatCloudRunNeedsAndParsesBack() {
    JsonNode doc = Yaml.read(staging("cloudrun").out()).get(0);
    assertThat(doc.path("apiVersion").asText()).isEqualTo("serving.knative.dev/v1");
    assertThat(doc.path("kind").asText()).isEqualTo("Service");
    assertThat(doc.path("metadata").path("name").asText()).isEqualTo("netra");
    JsonNode annotations = doc.at("/spec/template/metadata/annotations");
    for (String name : List.of("autoscaling.knative.dev/minScale", "autoscaling.knative.dev/maxScale",
        "run.googleapis.com/startup-cpu-boost", "run.googleapis.com/sessionAffinity", "run.googleapis.com/cloudsql-instances",
        "run.googleapis.com/vpc-access-connector", "run.googleapis.com/vpc-access-egress")) {
      assertThat(annotations.path(name).isTextual()).as("annotation %s is present as a string", name).isTrue();
    }
    assertThat(annotations.path("autoscaling.knative.dev/maxScale").asText()).as("max instances = MAX_INSTANCES").isEqualTo("8");
    assertThat(annotations.path("run.googleapis.com/cloudsql-instances").asText()).isEqualTo("netra-staging:europe-west1:netra-db");
    JsonNode spec = doc.at("/spec/template/spec");
    assertThat(spec.path("timeoutSeconds").asInt()).as("WebSockets live up to Cloud Run's longest request").isEqualTo(3600);
    assertThat(spec.path("containerConcurrency").asInt()).isBetween(1, 1000);
    JsonNode container = spec.path("containers").get(0);
    assertThat(container.path("image").asText()).isEqualTo(IMAGE);
    assertThat(container.at("/ports/0/containerPort").asInt()).isEqualTo(8080);
    assertThat(container.at("/resources/limits/cpu").asText()).isEqualTo("1");
    assertThat(container.at("/resources/limits/memory").asText()).as("310 MiB peak + 25%").isEqualTo("512Mi");
    assertThat(container.at("/startupProbe/httpGet/path").asText()).isEqualTo("/health/startup");
    assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/health/live");
    List<String> names = new ArrayList<>();
    container.path("env").forEach(e -> names.add(e.path("name").asText()));
    assertThat(names).as("PORT is Cloud Run's to set").doesNotContain("PORT").contains("NETRA_ENV", "POSTGRES_HOST", "JWT_SECRET_KEY");
    container.path("env").forEach(e -> {
      if (List.of("JWT_SECRET_KEY", "POSTGRES_PASSWORD", "REDIS_URL", "LLM_API_KEY").contains(e.path("name").asText())) {
        assertThat(e.has("value")).as("secret %s carries no value", e.path("name")).isFalse();
        assertThat(e.at("/valueFrom/secretKeyRef/name").asText()).as("secret of %s", e.path("name")).isNotBlank();
        assertThat(e.at("/valueFrom/secretKeyRef/key").asText()).as("version of %s", e.path("name")).matches("latest|\\d+");
      }
    });
  }

  @Test
  void theStartupProbeCoversTheBudgetAndTheMeasuredStartWithinCloudRunsLimit(@TempDir Path dir) throws IOException {
    Path env = dir.resolve("short-budget.env");
    Files.writeString(env, Files.readString(Path.of(CommandRun.fixture("staging.env"))) + "STARTUP_TOTAL_BUDGET_S=20\n");
    StartupReport report = StartupReportJson.read(Path.of(CommandRun.fixture("startup-healthy.json")));
    for (String format : List.of("cloudrun", "k8s")) {
      CommandRun run = plan("--env-file", env.toString(), "--report", CommandRun.fixture("startup-healthy.json"), "--format", format);
      JsonNode probe = Yaml.read(run.out()).get(0).at("/spec/template/spec/containers/0/startupProbe");
      int window = probe.path("initialDelaySeconds").asInt() + probe.path("periodSeconds").asInt() * probe.path("failureThreshold").asInt();
      assertThat(window).as("%s probe window covers the 20 s budget + 5 s", format).isGreaterThanOrEqualTo(25);
      assertThat(window).as("%s probe window covers twice the measured %d ms", format, report.elapsedMs())
          .isGreaterThanOrEqualTo((int) Math.ceil(report.elapsedMs() * 2 / 1000.0));
      assertThat(window).as("%s probe window within Cloud Run's 240 s", format).isLessThanOrEqualTo(240);
      assertThat(probe.path("timeoutSeconds").asInt()).isLessThanOrEqualTo(probe.path("periodSeconds").asInt());
    }
  }

  @Test
  void aMeasuredStartLongerThanCloudRunAllowsIsWrittenButExits1(@TempDir Path dir) throws IOException {
    Path slow = dir.resolve("slow.json");
    Files.writeString(slow, Files.readString(Path.of(CommandRun.fixture("startup-healthy.json")))
        .replaceFirst("\"elapsed_ms\": \\d+", "\"elapsed_ms\": 150000"));
    CommandRun run = plan("--env-file", CommandRun.fixture("staging.env"), "--report", slow.toString());
    assertThat(run.exit()).as("stderr:\n%s", run.err()).isEqualTo(1);
    assertThat(run.err()).contains("WARNING: the measured start needs a 300 s window");
    assertThat(run.out()).contains("failureThreshold: 60").contains("periodSeconds: 4");
  }

  @Test
  void kubernetesManifestsCarryTheSameProbesAndReadiness() {
    List<JsonNode> docs = Yaml.read(staging("k8s").out());
    assertThat(docs).extracting(d -> d.path("kind").asText()).containsExactly("Deployment", "Service");
    JsonNode container = docs.get(0).at("/spec/template/spec/containers/0");
    assertThat(container.at("/startupProbe/httpGet/path").asText()).isEqualTo("/health/startup");
    assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/health/live");
    assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/health/ready");
    assertThat(container.at("/resources/requests/memory").asText()).isEqualTo(container.at("/resources/limits/memory").asText());
    assertThat(container.at("/env/0/name").asText()).as("Kubernetes does not set PORT").isEqualTo("PORT");
    container.path("env").forEach(e -> {
      if (e.has("valueFrom")) {
        assertThat(e.at("/valueFrom/secretKeyRef/name").asText()).isEqualTo("netra-secrets");
        assertThat(e.at("/valueFrom/secretKeyRef/key").asText()).isEqualTo(e.path("name").asText());
      }
    });
    assertThat(docs.get(1).at("/spec/selector")).isEqualTo(docs.get(0).at("/spec/selector/matchLabels"));
  }

  @Test
  void theGcloudLineSurvivesTheShellWordForWord() throws Exception {
    ServicePlan plan = ServicePlanner.plan(DeployEnv.fromFile(Path.of(CommandRun.fixture("staging.env")), "staging"), null,
        new ServicePlanner.Options(IMAGE, "netra", "europe-west1", null, null, null, null, null, "netra-connector", null, null));
    String command = GcloudCommand.command(plan);
    // The shell reads the line; printf prints each word it got on a line of its own.
    Process shell = new ProcessBuilder("bash", "-c", "printf '%s\\n' " + command.substring("gcloud ".length()))
        .redirectErrorStream(true).start();
    String words = new String(shell.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(shell.waitFor(10, TimeUnit.SECONDS)).isTrue();
    List<String> expected = GcloudCommand.arguments(plan);
    assertThat(words.lines().toList()).isEqualTo(expected.subList(1, expected.size()));
    assertThat(words).contains("--set-env-vars=^@^NETRA_ENV=staging@ALLOWED_ORIGINS=https://app.example.com,https://staging.example.com@");
  }

  @Test
  void badInputIsAUsageErrorWithExit2() throws IOException {
    assertThat(CommandRun.of(new PlanCommand(Map.of()), "--env", "staging").exit()).as("--image is required").isEqualTo(2);
    CommandRun noEnv = CommandRun.of(new PlanCommand(Map.of()), "--image", IMAGE);
    assertThat(noEnv.exit()).as("--env is required").isEqualTo(2);
    assertThat(noEnv.err()).contains("--env is required");
    CommandRun missing = CommandRun.of(new PlanCommand(Map.of("LLM_MODEL", "offline")), "--env", "staging", "--image", IMAGE);
    assertThat(missing.exit()).as("settings with problems").isEqualTo(2);
    assertThat(missing.err()).contains("REDIS_URL").contains("netra check");
    CommandRun failedReport = plan("--env-file", CommandRun.fixture("staging.env"), "--report", CommandRun.fixture("startup-failed.json"));
    assertThat(failedReport.exit()).isEqualTo(2);
    assertThat(failedReport.err()).contains("did not get through");
    assertThat(plan("--env-file", CommandRun.fixture("staging.env"), "--format", "helm").exit()).isEqualTo(2);
  }

  /** Issue 19: plan wrote a deployment for the incident configuration that netra check fails, and exited 0. */
  @Test
  void aConfigurationThatCheckFailsIsRefusedWithItsFindingsUnlessForced(@TempDir Path dir) throws IOException {
    Path out = dir.resolve("service.yaml");
    CommandRun refused = CommandRun.of(new PlanCommand(Map.of()), "--env-file", CommandRun.fixture("seed.env"),
        "--image", IMAGE, "--region", "europe-west1", "-o", out.toString());
    assertThat(refused.exit()).as("exit of plan on the seed configuration; stderr:\n%s", refused.err()).isEqualTo(1);
    assertThat(refused.err()).as("the findings, as netra check prints them")
        .contains("check FAIL", "check verdict FAIL", "refusing to write a deployment that netra check fails", "--force");
    assertThat(out).as("nothing is written").doesNotExist();
    CommandRun check = CommandRun.of(new CheckCommand(Map.of()), "--env-file", CommandRun.fixture("seed.env"));
    assertThat(check.exit()).as("netra check agrees").isEqualTo(1);
    CommandRun forced = CommandRun.of(new PlanCommand(Map.of()), "--env-file", CommandRun.fixture("seed.env"),
        "--image", IMAGE, "--region", "europe-west1", "-o", out.toString(), "--force");
    assertThat(forced.exit()).as("exit with --force; stderr:\n%s", forced.err()).isZero();
    assertThat(forced.err()).contains("check verdict FAIL");
    assertThat(Files.readString(out)).contains("kind: Service");
  }

  @Test
  void theEnvironmentComesFromTheEnvFileWhenEnvIsNotGiven() {
    CommandRun run = CommandRun.of(new PlanCommand(Map.of()), "--env-file", CommandRun.fixture("staging.env"),
        "--image", IMAGE, "--region", "europe-west1", "--report", CommandRun.fixture("startup-healthy.json"));
    assertThat(run.exit()).as("exit; stderr:\n%s", run.err()).isZero();
    assertThat(run.out()).contains("value: staging");
    assertThat(run.err()).contains("check verdict");
  }

  @Test
  void thePlanNamesTheRolesItsServiceAccountNeeds() {
    CommandRun run = plan("--env-file", CommandRun.fixture("staging.env"), "--report",
        CommandRun.fixture("startup-healthy.json"), "--service-account", "netra@netra-staging.iam.gserviceaccount.com");
    assertThat(run.exit()).as("exit; stderr:\n%s", run.err()).isZero();
    assertThat(run.err()).contains("grant netra@netra-staging.iam.gserviceaccount.com",
        "roles/secretmanager.secretAccessor", "POSTGRES_PASSWORD", "roles/cloudsql.client",
        "netra-staging:europe-west1:netra-db");
  }

  @Test
  void everyWrittenFileEndsWithANewline(@TempDir Path dir) throws IOException {
    for (String format : List.of("cloudrun", "gcloud", "k8s")) {
      Path out = dir.resolve(format + ".out");
      CommandRun run = plan("--env-file", CommandRun.fixture("staging.env"), "--report",
          CommandRun.fixture("startup-healthy.json"), "--format", format, "-o", out.toString());
      assertThat(run.exit()).as("exit of %s; stderr:\n%s", format, run.err()).isZero();
      assertThat(Files.readString(out)).as("the %s file", format).endsWith("\n");
      assertThat(staging(format).out()).as("the %s output on stdout", format).endsWith("\n");
    }
    Path deploy = dir.resolve("clouddeploy");
    assertThat(cloudDeploy(deploy).exit()).isZero();
    try (var files = Files.list(deploy)) {
      for (Path file : files.toList()) {
        assertThat(Files.readString(file)).as("%s", file.getFileName()).endsWith("\n");
      }
    }
  }

  @Test
  void outputGoesToTheFileWhenAsked(@TempDir Path dir) throws IOException {
    Path out = dir.resolve("service.yaml");
    CommandRun run = plan("--env-file", CommandRun.fixture("staging.env"), "-o", out.toString());
    assertThat(run.exit()).isZero();
    assertThat(run.out()).isEmpty();
    assertThat(Yaml.read(Files.readString(out)).get(0).path("kind").asText()).isEqualTo("Service");
    assertThat(Files.readString(out)).doesNotContain(PLAIN_SECRET);
  }

  private static CommandRun cloudDeploy(Path dir, String... more) {
    List<String> args = new ArrayList<>(List.of("--env-file", CommandRun.fixture("staging.env"), "--report",
        CommandRun.fixture("startup-healthy.json"), "--format", "clouddeploy", "--project", "netra-staging", "-o", dir.toString()));
    args.addAll(List.of(more));
    return plan(args.toArray(String[]::new));
  }

  /** The arguments a plan hands to netra verify are ones netra verify takes (parsed by its own command line). */
  private static void assertVerifyAccepts(List<String> args) {
    assertThat(args.get(0)).isEqualTo("verify");
    List<String> options = args.subList(1, args.size());
    new CommandLine(new VerifyCommand(Map.of())).parseArgs(options.toArray(String[]::new));
  }

  @Test
  void cloudDeployFilesMatchTheirGoldenFiles(@TempDir Path dir) throws IOException {
    CommandRun run = cloudDeploy(dir);
    assertThat(run.exit()).as("exit; stderr:\n%s", run.err()).isZero();
    assertThat(run.out()).as("the files go to -o DIR, nothing to stdout").isEmpty();
    for (String file : List.of(CloudDeployDelivery.PIPELINE_FILE, CloudDeployDelivery.SKAFFOLD_FILE, CloudDeployDelivery.SERVICE_FILE)) {
      Golden.assertMatches("clouddeploy/" + file, Files.readString(dir.resolve(file)));
      assertThat(Files.readString(dir.resolve(file))).as(file).doesNotContain(PLAIN_SECRET);
    }
    assertNoSecretValue(run);
    assertThat(run.err()).contains("gcloud deploy apply --file=" + dir.resolve("clouddeploy.yaml"))
        .contains("gcloud deploy releases create RELEASE --delivery-pipeline=netra-staging --region=europe-west1"
            + " --project=netra-staging --source=" + dir);
  }

  @Test
  void cloudDeployCanariesTheRevisionAndVerifiesEachPhaseWithNetraVerifyFromTheSameImage(@TempDir Path dir) throws IOException {
    assertThat(cloudDeploy(dir, "--execution-service-account", "deployer@netra-staging.iam.gserviceaccount.com").exit()).isZero();
    List<JsonNode> pipelineFile = Yaml.read(Files.readString(dir.resolve("clouddeploy.yaml")));
    assertThat(pipelineFile).extracting(d -> d.path("apiVersion").asText() + " " + d.path("kind").asText())
        .containsExactly("deploy.cloud.google.com/v1 DeliveryPipeline", "deploy.cloud.google.com/v1 Target");
    JsonNode pipeline = pipelineFile.get(0);
    JsonNode target = pipelineFile.get(1);
    JsonNode stage = pipeline.at("/serialPipeline/stages/0");
    assertThat(stage.path("targetId").asText()).as("the stage deploys to the target in the same file")
        .isEqualTo(target.at("/metadata/name").asText());
    assertThat(target.at("/run/location").asText()).isEqualTo("projects/netra-staging/locations/europe-west1");
    assertThat(target.at("/executionConfigs/0/serviceAccount").asText()).isEqualTo("deployer@netra-staging.iam.gserviceaccount.com");
    assertThat(target.at("/executionConfigs/0/usages")).extracting(JsonNode::asText).containsExactly("RENDER", "DEPLOY", "VERIFY");
    JsonNode canary = stage.at("/strategy/canary");
    assertThat(canary.at("/runtimeConfig/cloudRun/automaticTrafficControl").asBoolean())
        .as("an automated canary on Cloud Run needs automatic traffic control").isTrue();
    List<Integer> percentages = new ArrayList<>();
    canary.at("/canaryDeployment/percentages").forEach(p -> percentages.add(p.asInt()));
    assertThat(percentages).as("ascending, each below 100 (the stable phase is the 100)").containsExactly(10, 50);
    assertThat(canary.at("/canaryDeployment/verify").asBoolean()).as("verify after each phase").isTrue();
    String tag = canary.at("/runtimeConfig/cloudRun/canaryRevisionTags/0").asText();
    assertThat(canary.at("/runtimeConfig/cloudRun/stableRevisionTags/0").asText()).as("the stable phase verifies by the same tag")
        .isEqualTo(tag);

    JsonNode skaffold = Yaml.read(Files.readString(dir.resolve("skaffold.yaml"))).get(0);
    assertThat(skaffold.path("apiVersion").asText()).startsWith("skaffold/v4beta");
    assertThat(skaffold.path("kind").asText()).isEqualTo("Config");
    assertThat(skaffold.at("/manifests/rawYaml/0").asText()).isEqualTo("service.yaml");
    assertThat(skaffold.at("/deploy/cloudrun").isObject()).as("deployed by Skaffold's Cloud Run deployer").isTrue();
    JsonNode verify = skaffold.at("/verify/0");
    assertThat(verify.path("timeout").asInt()).isPositive();
    assertThat(verify.at("/container/image").asText()).as("netra verify from the service's own image").isEqualTo(IMAGE);
    assertThat(verify.at("/container").has("command")).as("the image's entrypoint, the JVM, stays").isFalse();
    List<String> args = new ArrayList<>();
    verify.at("/container/args").forEach(a -> args.add(a.asText()));
    assertThat(args).contains("--url-env=CLOUD_RUN_SERVICE_URLS", "--revision-tag=" + tag);
    assertVerifyAccepts(args);
    assertThat(VerifyCommand.target(null, "CLOUD_RUN_SERVICE_URLS", tag,
        Map.of("CLOUD_RUN_SERVICE_URLS", "https://netra-abc123xyz-ew.a.run.app"))).as("the canary revision's own URL")
        .hasToString("https://" + tag + "---netra-abc123xyz-ew.a.run.app");

    JsonNode service = Yaml.read(Files.readString(dir.resolve("service.yaml"))).get(0);
    assertThat(service.path("kind").asText()).isEqualTo("Service");
    assertThat(service.at("/spec/template/spec/containers/0/image").asText()).isEqualTo(IMAGE);
    assertThat(service.at("/spec").has("traffic")).as("Cloud Deploy writes the traffic split itself").isFalse();
    assertThat(service.at("/spec/template")).as("otherwise the same service as --format cloudrun")
        .isEqualTo(Yaml.read(staging("cloudrun").out()).get(0).at("/spec/template"));
  }

  @Test
  void cloudDeployWithoutProjectRegionOrDirectoryNamesEachAndExits2() {
    CommandRun run = CommandRun.of(new PlanCommand(Map.of()), "--env", "staging", "--image", IMAGE,
        "--env-file", CommandRun.fixture("staging.env"), "--format", "clouddeploy");
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).as("every missing option at once").contains("--project is required", "--region is required",
        "-o DIR is required");
    assertThat(plan("--env-file", CommandRun.fixture("staging.env"), "--project", "netra-staging").err())
        .contains("--project is used only by --format clouddeploy");
  }

  private static CommandRun flagger(String... more) {
    List<String> args = new ArrayList<>(List.of("--env-file", CommandRun.fixture("staging.env"), "--report",
        CommandRun.fixture("startup-healthy.json"), "--format", "k8s", "--canary", "--namespace", "netra"));
    args.addAll(List.of(more));
    return plan(args.toArray(String[]::new));
  }

  @Test
  void kubernetesCanaryMatchesItsGoldenFile() {
    CommandRun run = flagger();
    assertThat(run.exit()).as("exit; stderr:\n%s", run.err()).isZero();
    Golden.assertMatches("k8s-canary.yaml", run.out());
    assertNoSecretValue(run);
    assertThat(run.err()).contains("Flagger creates the services netra, netra-primary and netra-canary");
  }

  @Test
  void flaggerCanaryGatesTheRolloutOnNetraVerifyThenChecksSuccessRateAndLatency() {
    List<JsonNode> docs = Yaml.read(flagger().out());
    assertThat(docs).extracting(d -> d.path("kind").asText()).as("Flagger makes the Service").containsExactly("Deployment", "Canary");
    JsonNode deployment = docs.get(0);
    JsonNode canary = docs.get(1);
    assertThat(canary.path("apiVersion").asText()).isEqualTo("flagger.app/v1beta1");
    assertThat(deployment.at("/metadata/namespace").asText()).isEqualTo("netra").isEqualTo(canary.at("/metadata/namespace").asText());
    assertThat(canary.at("/spec/targetRef/apiVersion").asText()).isEqualTo(deployment.path("apiVersion").asText());
    assertThat(canary.at("/spec/targetRef/kind").asText()).isEqualTo("Deployment");
    assertThat(canary.at("/spec/targetRef/name").asText()).isEqualTo(deployment.at("/metadata/name").asText());
    assertThat(deployment.at("/spec/selector/matchLabels").fieldNames()).toIterable().as("one selector label Flagger knows")
        .containsExactly("app.kubernetes.io/name");
    assertThat(canary.at("/spec/service/port").asInt()).isEqualTo(80);
    assertThat(canary.at("/spec/service/targetPort").asText()).isEqualTo(deployment.at("/spec/template/spec/containers/0/ports/0/name").asText());

    JsonNode analysis = canary.at("/spec/analysis");
    assertThat(analysis.path("interval").asText()).matches("[0-9]+(m|s)");
    assertThat(analysis.path("threshold").asInt()).isBetween(2, 10);
    assertThat(analysis.path("stepWeight").asInt()).isPositive();
    assertThat(analysis.path("maxWeight").asInt()).isLessThanOrEqualTo(100).isGreaterThanOrEqualTo(analysis.path("stepWeight").asInt());
    assertThat(analysis.path("maxWeight").asInt() % analysis.path("stepWeight").asInt()).as("steps land on maxWeight").isZero();
    assertThat(analysis.at("/metrics/0/name").asText()).isEqualTo("request-success-rate");
    assertThat(analysis.at("/metrics/0/thresholdRange/min").asInt()).as("netra verify's 1 %% failure limit").isEqualTo(99);
    assertThat(analysis.at("/metrics/1/name").asText()).isEqualTo("request-duration");
    assertThat(analysis.at("/metrics/1/thresholdRange/max").asInt()).as("netra verify's 1 s p99, in ms").isEqualTo(1000);

    JsonNode hook = analysis.at("/webhooks/0");
    assertThat(hook.path("type").asText()).isEqualTo("pre-rollout");
    assertThat(hook.path("url").asText()).isEqualTo("http://flagger-loadtester.netra/");
    assertThat(hook.path("timeout").asText()).as("Flagger's 10 s default would cut the verification short").isEqualTo("5m");
    assertThat(hook.at("/metadata/type").asText()).as("a blocking task, whose failure fails the hook").isEqualTo("bash");
    String cmd = hook.at("/metadata/cmd").asText();
    assertThat(cmd).startsWith("kubectl run ").contains(" --namespace=netra ", " --image=" + IMAGE + " ", " --restart=Never ",
        " --rm ", " --attach ");
    List<String> verifyArgs = List.of(cmd.substring(cmd.indexOf(" -- ") + 4).split(" "));
    assertThat(verifyArgs).contains("--url=http://netra-canary.netra/");
    assertVerifyAccepts(verifyArgs);

    JsonNode rollback = analysis.at("/webhooks/1");
    assertThat(rollback.path("type").asText()).as("an operator's way to stop the canary at once").isEqualTo("rollback");
    assertThat(rollback.path("url").asText()).isEqualTo("http://flagger-loadtester.netra/rollback/check");
  }

  @Test
  void aLoadTesterElsewhereIsTakenFromTheOption() {
    JsonNode canary = Yaml.read(flagger("--loadtester-url", "http://flagger-loadtester.test").out()).get(1);
    assertThat(canary.at("/spec/analysis/webhooks/0/url").asText()).isEqualTo("http://flagger-loadtester.test/");
    assertThat(canary.at("/spec/analysis/webhooks/1/url").asText()).isEqualTo("http://flagger-loadtester.test/rollback/check");
  }

  @Test
  void canaryOptionsOutsideTheirFormatAreUsageErrorsWithExit2() {
    CommandRun noNamespace = plan("--env-file", CommandRun.fixture("staging.env"), "--format", "k8s", "--canary");
    assertThat(noNamespace.exit()).isEqualTo(2);
    assertThat(noNamespace.err()).contains("--namespace is required with --canary");
    CommandRun cloudRun = plan("--env-file", CommandRun.fixture("staging.env"), "--canary", "--namespace", "netra");
    assertThat(cloudRun.exit()).isEqualTo(2);
    assertThat(cloudRun.err()).contains("--canary goes with --format k8s", "--namespace is used only by --format k8s");
    for (List<String> k8s : List.of(List.of("--format", "k8s", "--canary"), List.of("--format", "k8s"))) {
      List<String> args = new ArrayList<>(List.of("--env-file", CommandRun.fixture("staging.env"), "--namespace", "Netra_Prod"));
      args.addAll(k8s);
      CommandRun badNamespace = plan(args.toArray(String[]::new));
      assertThat(badNamespace.exit()).isEqualTo(2);
      assertThat(badNamespace.err()).contains("--namespace 'Netra_Prod' is not a Kubernetes namespace");
    }
    assertThat(plan("--env-file", CommandRun.fixture("staging.env"), "--format", "k8s", "--loadtester-url", "http://x/").err())
        .contains("--loadtester-url is used only with --canary");
  }

  @Test
  void plainKubernetesManifestsGoToTheNamespaceWhenGiven() {
    List<JsonNode> docs = Yaml.read(plan("--env-file", CommandRun.fixture("staging.env"), "--format", "k8s", "--namespace", "netra")
        .out());
    assertThat(docs).extracting(d -> d.at("/metadata/namespace").asText()).containsExactly("netra", "netra");
  }
}

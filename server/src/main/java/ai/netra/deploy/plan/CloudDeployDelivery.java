package ai.netra.deploy.plan;

import static ai.netra.deploy.plan.CloudRunService.map;

import ai.netra.deploy.Yaml;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The plan as a Google Cloud Deploy delivery of the Cloud Run service: a delivery pipeline with one
 * canary stage and its target ({@code clouddeploy.yaml}, for {@code gcloud deploy apply}), and the
 * release's source, the Skaffold configuration and the service YAML it deploys ({@code skaffold.yaml},
 * {@code service.yaml}, for {@code gcloud deploy releases create --source}). Cloud Deploy moves the
 * traffic; after each phase Skaffold runs {@code netra verify} from the service's own image against
 * the revision under test.
 */
public final class CloudDeployDelivery {

  public static final String PIPELINE_FILE = "clouddeploy.yaml";
  public static final String SKAFFOLD_FILE = "skaffold.yaml";
  public static final String SERVICE_FILE = "service.yaml";

  /**
   * The new revision's share of the traffic in each canary phase, before the stable phase gives it all:
   * a tenth of the users first, then half, each phase verified. Cloud Deploy takes ascending values from
   * 0 to 99; the stable phase is its own.
   */
  static final List<Integer> PERCENTAGES = List.of(10, 50);
  /**
   * The Cloud Run tag Cloud Deploy puts on the revision being rolled out, in the canary phases and when it
   * becomes stable, so that netra verify reaches that revision alone at https://candidate---HOST whatever
   * the traffic split.
   */
  public static final String REVISION_TAG = "candidate";
  /** Skaffold 2.8's configuration: verify with a per-test timeout and the Cloud Run deployer; later Skaffolds read it. */
  static final String SKAFFOLD_API_VERSION = "skaffold/v4beta7";
  /**
   * The verify test's limit in seconds: without a token and a baseline, netra verify runs four gates (live,
   * startup, ready, latency), each within its 60 s deadline, plus the JVM's start.
   */
  static final int VERIFY_TIMEOUT_S = 300;

  private static final Pattern PROJECT = Pattern.compile("[a-z][-a-z0-9]{4,28}[a-z0-9]");
  private static final Pattern REGION = Pattern.compile("[a-z]+(-[a-z]+)*[0-9]+");
  private static final Pattern SERVICE_ACCOUNT = Pattern.compile("[a-z0-9][-a-z0-9]*@[-a-z0-9.]+\\.gserviceaccount\\.com");

  /**
   * Where the delivery runs.
   *
   * @param project the Google Cloud project of the target's Cloud Run service (and of the pipeline)
   * @param executionServiceAccount the identity Cloud Deploy renders, deploys and verifies as; null for the
   *     project's default execution service account
   * @throws IllegalArgumentException naming the option whose value Cloud Deploy would refuse
   */
  public record Settings(String project, String executionServiceAccount) {
    public Settings {
      if (project == null || !PROJECT.matcher(project).matches()) {
        throw new IllegalArgumentException("--project '" + project + "' is not a Google Cloud project ID (6 to 30"
            + " lower-case letters, digits and hyphens, starting with a letter)");
      }
      if (executionServiceAccount != null && !SERVICE_ACCOUNT.matcher(executionServiceAccount).matches()) {
        throw new IllegalArgumentException("--execution-service-account '" + executionServiceAccount + "' is not a"
            + " service account e-mail (NAME@PROJECT.iam.gserviceaccount.com)");
      }
    }
  }

  private CloudDeployDelivery() { }

  /**
   * The three files by name, in the order an operator uses them.
   *
   * @throws IllegalArgumentException when the plan has no region, or one that is not a Cloud Run region's name
   */
  public static Map<String, String> files(ServicePlan plan, Settings settings) {
    if (plan.region() == null || !REGION.matcher(plan.region()).matches()) {
      throw new IllegalArgumentException("--region " + (plan.region() == null ? "is required" : "'" + plan.region()
          + "' is not a region's name") + ": the Cloud Run region of the target, e.g. europe-west1");
    }
    Map<String, String> files = new LinkedHashMap<>();
    files.put(PIPELINE_FILE, Yaml.write(List.of(pipeline(plan), target(plan, settings))));
    files.put(SKAFFOLD_FILE, Yaml.write(List.of(skaffold(plan))));
    files.put(SERVICE_FILE, Yaml.write(List.of(CloudRunService.withoutTraffic(plan))));
    return files;
  }

  /** One pipeline per environment: each environment's service YAML comes from its own settings. */
  public static String pipelineName(ServicePlan plan) {
    return plan.service() + "-" + plan.environment();
  }

  public static String targetName(ServicePlan plan) {
    return plan.service() + "-" + plan.environment();
  }

  static Map<String, Object> pipeline(ServicePlan plan) {
    Map<String, Object> cloudRun = new LinkedHashMap<>();
    // Required for an automated canary: Cloud Deploy writes the service's traffic stanza phase by phase.
    cloudRun.put("automaticTrafficControl", true);
    cloudRun.put("canaryRevisionTags", List.of(REVISION_TAG));
    // Also when it becomes stable, so the stable phase's verification reaches the same revision by the same URL.
    cloudRun.put("stableRevisionTags", List.of(REVISION_TAG));
    Map<String, Object> canary = map(
        "runtimeConfig", map("cloudRun", cloudRun),
        "canaryDeployment", map("percentages", PERCENTAGES, "verify", true));
    return map("apiVersion", "deploy.cloud.google.com/v1", "kind", "DeliveryPipeline",
        "metadata", map("name", pipelineName(plan)),
        "description", "canary " + PERCENTAGES.stream().map(p -> p + "%, ").collect(Collectors.joining()) + "100%;"
            + " netra verify after each phase",
        "serialPipeline", map("stages", List.of(map("targetId", targetName(plan), "strategy", map("canary", canary)))));
  }

  static Map<String, Object> target(ServicePlan plan, Settings settings) {
    Map<String, Object> target = map("apiVersion", "deploy.cloud.google.com/v1", "kind", "Target",
        "metadata", map("name", targetName(plan)),
        "description", "Cloud Run service " + plan.service() + " in " + settings.project() + ", " + plan.region(),
        "run", map("location", "projects/" + settings.project() + "/locations/" + plan.region()));
    if (settings.executionServiceAccount() != null) {
      target.put("executionConfigs", List.of(map("usages", List.of("RENDER", "DEPLOY", "VERIFY"),
          "serviceAccount", settings.executionServiceAccount())));
    }
    return target;
  }

  static Map<String, Object> skaffold(ServicePlan plan) {
    // The image's entrypoint is the JVM with the service's own arguments; these replace only its command, serve.
    Map<String, Object> container = map("name", plan.service() + "-verify", "image", plan.image(),
        "args", List.of("verify", "--url-env=CLOUD_RUN_SERVICE_URLS", "--revision-tag=" + REVISION_TAG,
            "--allow-skip"));
    return map("apiVersion", SKAFFOLD_API_VERSION, "kind", "Config",
        "metadata", map("name", plan.service()),
        "manifests", map("rawYaml", List.of(SERVICE_FILE)),
        "deploy", map("cloudrun", map()),
        "verify", List.of(map("name", plan.service() + "-verify", "timeout", VERIFY_TIMEOUT_S, "container", container)));
  }
}

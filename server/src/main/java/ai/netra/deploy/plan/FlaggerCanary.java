package ai.netra.deploy.plan;

import static ai.netra.deploy.plan.CloudRunService.map;

import ai.netra.deploy.Yaml;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The plan as a Kubernetes Deployment under a Flagger {@code Canary} ({@code flagger.app/v1beta1}):
 * Flagger creates the services and moves the traffic; before any user reaches the new pods, a
 * pre-rollout webhook has Flagger's load tester run {@code netra verify} from the service's own image
 * against them, and during the analysis Flagger's built-in request success rate and latency checks
 * hold the same limits as netra verify.
 */
public final class FlaggerCanary {

  /** How often Flagger checks and, when the checks pass, moves the traffic one step. */
  static final String INTERVAL = "1m";
  /** Failed checks (the pre-rollout verification included) before Flagger rolls back: five minutes of failure. */
  static final int THRESHOLD = 5;
  /** The new pods' share of the traffic grows by this much per interval ... */
  static final int STEP_WEIGHT = 10;
  /** ... up to half of it, held for one more passing check before promotion. */
  static final int MAX_WEIGHT = 50;
  /** Non-5xx share of the canary's requests, in percent: netra verify's --max-failure-rate of 1 %. */
  static final int MIN_SUCCESS_RATE = 99;
  /** P99 of the canary's request duration, in milliseconds: netra verify's --max-p99 of 1 s. */
  static final int MAX_P99_MS = 1000;
  /** Each gate of the verification in the load tester's pod; four gates run without a token or baseline. */
  static final String VERIFY_DEADLINE = "30s";
  /** Time for Kubernetes to schedule the verification pod and pull the image (usually already on the node). */
  static final String POD_RUNNING_TIMEOUT = "2m";
  /** The webhook's limit: the pod's start plus four gates of 30 s, with room; Flagger's default is 10 s. */
  static final String WEBHOOK_TIMEOUT = "5m";

  /**
   * Where the canary runs.
   *
   * @param namespace the Kubernetes namespace of the Deployment, the Canary and the services Flagger creates
   * @param loadTester the URL of Flagger's load tester; null for {@code http://flagger-loadtester.NAMESPACE/},
   *     where Flagger's documentation installs it beside the application
   * @throws IllegalArgumentException naming the option whose value Kubernetes or Flagger would refuse
   */
  public record Settings(String namespace, URI loadTester) {
    public Settings {
      KubernetesManifests.checkNamespace(namespace);
      if (loadTester == null) {
        loadTester = URI.create("http://flagger-loadtester." + namespace + "/");
      }
      String scheme = loadTester.getScheme() == null ? "" : loadTester.getScheme().toLowerCase(Locale.ROOT);
      if (!List.of("http", "https").contains(scheme) || loadTester.getHost() == null) {
        throw new IllegalArgumentException("--loadtester-url '" + loadTester + "' must be http:// or https:// with a"
            + " host, e.g. http://flagger-loadtester." + namespace + "/");
      }
      if (!loadTester.getRawPath().endsWith("/")) {
        loadTester = URI.create(loadTester + "/"); // its API's paths are resolved against it
      }
    }
  }

  private FlaggerCanary() { }

  /** The Deployment and its Canary; Flagger makes the Service, so the plain manifests' Service is left out. */
  public static String yaml(ServicePlan plan, Settings settings) {
    return Yaml.write(List.of(KubernetesManifests.deployment(plan, settings.namespace()), canary(plan, settings)));
  }

  /** What the operator must know about what Flagger and its load tester will do, for stderr. */
  public static String note(ServicePlan plan, Settings settings) {
    return "Flagger creates the services " + plan.service() + ", " + plan.service() + "-primary and " + plan.service()
        + "-canary (port " + KubernetesManifests.SERVICE_PORT + "); before any traffic, the load tester at "
        + settings.loadTester() + " runs netra verify against " + canaryUrl(plan, settings) + " in a pod of " + plan.image()
        + " (the load tester's service account needs to create pods in " + settings.namespace() + ": see the README)";
  }

  /** The service only new pods answer during the analysis, which Flagger creates beside SERVICE and SERVICE-primary. */
  public static URI canaryUrl(ServicePlan plan, Settings settings) {
    return URI.create("http://" + plan.service() + "-canary." + settings.namespace() + "/");
  }

  static Map<String, Object> canary(ServicePlan plan, Settings settings) {
    Map<String, Object> analysis = map(
        "interval", INTERVAL,
        "threshold", THRESHOLD,
        "maxWeight", MAX_WEIGHT,
        "stepWeight", STEP_WEIGHT,
        "metrics", List.of(
            map("name", "request-success-rate", "interval", INTERVAL, "thresholdRange", map("min", MIN_SUCCESS_RATE)),
            map("name", "request-duration", "interval", INTERVAL, "thresholdRange", map("max", MAX_P99_MS))),
        "webhooks", List.of(map(
            "name", plan.service() + "-verify",
            "type", "pre-rollout",
            "url", settings.loadTester().toString(),
            "timeout", WEBHOOK_TIMEOUT,
            // bash, not cmd: the load tester answers a cmd task at once (it runs in the background, for load), and
            // waits for a bash task, answering 500 when it fails, which is what makes the hook a gate.
            "metadata", map("type", "bash", "cmd", verifyCommand(plan, settings))),
            // Closed until an operator opens it through the load tester's API: then Flagger rolls back at once.
            map("name", plan.service() + "-rollback", "type", "rollback",
                "url", settings.loadTester().resolve("rollback/check").toString())));
    return map("apiVersion", "flagger.app/v1beta1", "kind", "Canary",
        "metadata", map("name", plan.service(), "namespace", settings.namespace(),
            "labels", map("app.kubernetes.io/name", plan.service())),
        "spec", map(
            "targetRef", map("apiVersion", "apps/v1", "kind", "Deployment", "name", plan.service()),
            "service", map("port", KubernetesManifests.SERVICE_PORT, "targetPort", "http", "portName", "http"),
            "analysis", analysis));
  }

  /**
   * The load tester's command: a pod of the service's image runs {@code netra verify} against the canary
   * service and is removed; with {@code --restart=Never} kubectl exits with the verification's exit code.
   */
  static String verifyCommand(ServicePlan plan, Settings settings) {
    return "kubectl run " + plan.service() + "-verify-$(date +%s) --namespace=" + settings.namespace()
        + " --image=" + GcloudCommand.quote(plan.image()) + " --restart=Never --rm --attach --quiet --pod-running-timeout=" + POD_RUNNING_TIMEOUT
        + " -- verify --url=" + canaryUrl(plan, settings) + " --deadline=" + VERIFY_DEADLINE + " --allow-skip";
  }
}

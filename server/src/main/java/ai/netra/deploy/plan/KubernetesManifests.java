package ai.netra.deploy.plan;

import static ai.netra.config.SettingNames.PORT;
import static ai.netra.deploy.plan.CloudRunService.map;

import ai.netra.deploy.Yaml;
import ai.netra.deploy.check.SecretRef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The plan as a Kubernetes Deployment and Service with the same probes (and a readiness probe on
 * {@code /health/ready}), resources and settings. Secrets come from one Kubernetes Secret,
 * {@code SERVICE-secrets}, with a key per setting (kept in sync from Secret Manager, for example
 * by External Secrets); the manifests never hold a value.
 */
public final class KubernetesManifests {

  /** SIGKILL comes this long after SIGTERM; the service closes everything within 8 s, as on Cloud Run. */
  static final int GRACE_SECONDS = 10;
  /** The Service's port: clients speak plain HTTP and WebSocket to it, TLS ends at the ingress. */
  static final int SERVICE_PORT = 80;
  private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  private KubernetesManifests() { }

  public static String yaml(ServicePlan plan) {
    return yaml(plan, null);
  }

  /**
   * The manifests placed in {@code namespace}, or in kubectl's current one when it is null.
   *
   * @throws IllegalArgumentException when {@code namespace} is not a Kubernetes namespace's name
   */
  public static String yaml(ServicePlan plan, String namespace) {
    if (namespace != null) {
      checkNamespace(namespace);
    }
    return Yaml.write(List.of(deployment(plan, namespace), service(plan, namespace)));
  }

  /** @throws IllegalArgumentException when {@code namespace} is not a Kubernetes namespace's name (a DNS label) */
  static String checkNamespace(String namespace) {
    if (namespace == null || !NAMESPACE.matcher(namespace).matches()) {
      throw new IllegalArgumentException("--namespace '" + namespace + "' is not a Kubernetes namespace (lower-case"
          + " letters, digits and hyphens, at most 63)");
    }
    return namespace;
  }

  /** The Kubernetes Secret every secret setting is read from. */
  public static String secretName(ServicePlan plan) {
    return plan.service() + "-secrets";
  }

  static Map<String, Object> deployment(ServicePlan plan, String namespace) {
    Map<String, Object> labels = map("app.kubernetes.io/name", plan.service());
    List<Map<String, Object>> env = new ArrayList<>();
    env.add(map("name", PORT, "value", String.valueOf(plan.port()))); // Kubernetes does not set it, Cloud Run does
    plan.env().forEach((name, value) -> env.add(map("name", name, "value", value)));
    for (Map.Entry<String, SecretRef> e : plan.secrets().entrySet()) {
      env.add(map("name", e.getKey(), "valueFrom", map("secretKeyRef", map("name", secretName(plan), "key", e.getKey()))));
    }
    Map<String, Object> resources = map("cpu", plan.resources().cpuText(), "memory", plan.resources().memory().toString());
    Map<String, Object> container = new LinkedHashMap<>();
    container.put("name", plan.service());
    container.put("image", plan.image());
    container.put("ports", List.of(map("name", "http", "containerPort", plan.port())));
    container.put("env", env);
    container.put("resources", map("requests", resources, "limits", resources));
    container.put("startupProbe", CloudRunService.startupProbe(plan));
    container.put("livenessProbe", CloudRunService.probe(plan.livenessProbe(), plan.port()));
    container.put("readinessProbe", CloudRunService.probe(plan.readinessProbe(), plan.port()));
    container.put("securityContext", map("runAsNonRoot", true, "allowPrivilegeEscalation", false));

    Map<String, Object> podSpec = new LinkedHashMap<>();
    if (plan.serviceAccount() != null) {
      podSpec.put("serviceAccountName", plan.serviceAccount());
    }
    podSpec.put("terminationGracePeriodSeconds", GRACE_SECONDS);
    podSpec.put("containers", List.of(container));

    return map("apiVersion", "apps/v1", "kind", "Deployment",
        "metadata", metadata(plan, namespace, labels),
        "spec", map("replicas", Math.max(1, plan.minInstances()),
            "selector", map("matchLabels", labels),
            "template", map("metadata", map("labels", labels), "spec", podSpec)));
  }

  static Map<String, Object> service(ServicePlan plan, String namespace) {
    Map<String, Object> labels = map("app.kubernetes.io/name", plan.service());
    return map("apiVersion", "v1", "kind", "Service",
        "metadata", metadata(plan, namespace, labels),
        "spec", map("selector", labels,
            "ports", List.of(map("name", "http", "port", SERVICE_PORT, "targetPort", "http")),
            // A reconnecting socket finds the instance that holds its session, as with Cloud Run's session affinity.
            "sessionAffinity", plan.sessionAffinity() ? "ClientIP" : "None"));
  }

  private static Map<String, Object> metadata(ServicePlan plan, String namespace, Map<String, Object> labels) {
    Map<String, Object> metadata = map("name", plan.service());
    if (namespace != null) {
      metadata.put("namespace", namespace);
    }
    metadata.put("labels", labels);
    return metadata;
  }
}

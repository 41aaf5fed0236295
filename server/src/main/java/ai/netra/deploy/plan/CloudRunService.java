package ai.netra.deploy.plan;

import ai.netra.deploy.StartupProbe;
import ai.netra.deploy.Yaml;
import ai.netra.deploy.check.SecretRef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The plan as a Cloud Run service YAML ({@code serving.knative.dev/v1} Service), the form
 * {@code gcloud run services replace} deploys. Per-revision settings are annotations of the
 * template, as Cloud Run's YAML reference places them.
 */
public final class CloudRunService {

  private CloudRunService() { }

  public static String yaml(ServicePlan plan) {
    return Yaml.write(List.of(document(plan)));
  }

  static Map<String, Object> document(ServicePlan plan) {
    return document(plan, List.of(map("percent", 100, "latestRevision", true)));
  }

  /** The service with no traffic stanza, for a deployer that splits the traffic itself (Cloud Deploy's canary). */
  static Map<String, Object> withoutTraffic(ServicePlan plan) {
    return document(plan, null);
  }

  private static Map<String, Object> document(ServicePlan plan, List<Map<String, Object>> traffic) {
    Map<String, Object> metadata = map("name", plan.service());
    if (plan.region() != null) {
      metadata.put("labels", map("cloud.googleapis.com/location", plan.region()));
    }
    Map<String, Object> annotations = new LinkedHashMap<>();
    annotations.put("autoscaling.knative.dev/minScale", String.valueOf(plan.minInstances()));
    annotations.put("autoscaling.knative.dev/maxScale", String.valueOf(plan.maxInstances()));
    annotations.put("run.googleapis.com/execution-environment", "gen2");
    annotations.put("run.googleapis.com/startup-cpu-boost", String.valueOf(plan.cpuBoost()));
    // The health monitor, Redis subscriptions and socket pings run between requests: keep the CPU.
    annotations.put("run.googleapis.com/cpu-throttling", "false");
    annotations.put("run.googleapis.com/sessionAffinity", String.valueOf(plan.sessionAffinity()));
    if (plan.cloudSqlInstance() != null) {
      annotations.put("run.googleapis.com/cloudsql-instances", plan.cloudSqlInstance());
    }
    if (plan.vpcConnector() != null) {
      annotations.put("run.googleapis.com/vpc-access-connector", plan.vpcConnector());
      annotations.put("run.googleapis.com/vpc-access-egress", plan.vpcEgress());
    }

    Map<String, Object> container = new LinkedHashMap<>();
    container.put("name", plan.service());
    container.put("image", plan.image());
    container.put("ports", List.of(map("name", "http1", "containerPort", plan.port())));
    container.put("env", env(plan));
    container.put("resources", map("limits", map("cpu", plan.resources().cpuText(), "memory", plan.resources().memory().toString())));
    container.put("startupProbe", startupProbe(plan));
    container.put("livenessProbe", probe(plan.livenessProbe(), plan.port()));

    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("containerConcurrency", plan.concurrency());
    spec.put("timeoutSeconds", plan.requestTimeoutSeconds());
    if (plan.serviceAccount() != null) {
      spec.put("serviceAccountName", plan.serviceAccount());
    }
    spec.put("containers", List.of(container));

    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("apiVersion", "serving.knative.dev/v1");
    doc.put("kind", "Service");
    doc.put("metadata", metadata);
    Map<String, Object> serviceSpec = map("template", map("metadata", map("annotations", annotations), "spec", spec));
    if (traffic != null) {
      serviceSpec.put("traffic", traffic);
    }
    doc.put("spec", serviceSpec);
    return doc;
  }

  /** Plain values, then secrets as Secret Manager references (secret name and version, never a value). */
  static List<Map<String, Object>> env(ServicePlan plan) {
    List<Map<String, Object>> env = new ArrayList<>();
    plan.env().forEach((name, value) -> env.add(map("name", name, "value", value)));
    for (Map.Entry<String, SecretRef> e : plan.secrets().entrySet()) {
      env.add(map("name", e.getKey(), "valueFrom",
          map("secretKeyRef", map("name", e.getValue().secret(), "key", e.getValue().version()))));
    }
    return env;
  }

  static Map<String, Object> startupProbe(ServicePlan plan) {
    StartupProbe p = plan.startupProbe();
    return map("httpGet", map("path", "/health/startup", "port", plan.port()),
        "initialDelaySeconds", p.initialDelaySeconds(), "periodSeconds", p.periodSeconds(),
        "timeoutSeconds", p.timeoutSeconds(), "failureThreshold", p.failureThreshold());
  }

  static Map<String, Object> probe(Probe p, int port) {
    return map("httpGet", map("path", p.path(), "port", port), "periodSeconds", p.periodSeconds(),
        "timeoutSeconds", p.timeoutSeconds(), "failureThreshold", p.failureThreshold());
  }

  /** An ordered map from key, value pairs. */
  static Map<String, Object> map(Object... pairs) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      m.put((String) pairs[i], pairs[i + 1]);
    }
    return m;
  }
}

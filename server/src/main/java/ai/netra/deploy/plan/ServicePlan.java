package ai.netra.deploy.plan;

import ai.netra.deploy.StartupProbe;
import ai.netra.deploy.check.ResourceProfile;
import ai.netra.deploy.check.SecretRef;
import java.util.List;
import java.util.Map;

/**
 * Everything one deployment of the service is, decided once and written in several forms (Cloud
 * Run YAML, a {@code gcloud run deploy} line, Kubernetes manifests) so they cannot disagree.
 *
 * @param region null when not given (the YAML then has no location label; gcloud uses its default)
 * @param env plain settings in the order written (NETRA_ENV first, then by name); never a secret
 * @param secrets secret settings by name, each a Secret Manager secret and version; never a value
 * @param cloudSqlInstance {@code PROJECT:REGION:INSTANCE}, or null without Cloud SQL
 * @param vpcConnector the Serverless VPC Access connector, or null
 * @param serviceAccount the identity the service runs as, or null for the project's default
 * @param notes what an operator should know about the choices made, for stderr
 */
public record ServicePlan(
    String service,
    String region,
    String image,
    String environment,
    int port,
    ResourceProfile resources,
    boolean cpuBoost,
    int minInstances,
    int maxInstances,
    int concurrency,
    int requestTimeoutSeconds,
    boolean sessionAffinity,
    String cloudSqlInstance,
    String vpcConnector,
    String vpcEgress,
    String serviceAccount,
    Map<String, String> env,
    Map<String, SecretRef> secrets,
    StartupProbe startupProbe,
    Probe livenessProbe,
    Probe readinessProbe,
    List<String> notes) {

  public ServicePlan {
    env = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(env));
    secrets = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(secrets));
    notes = List.copyOf(notes);
  }
}

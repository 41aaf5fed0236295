package ai.netra.deploy.plan;

/** A plain HTTP probe (liveness, readiness) on {@code path}. */
public record Probe(String path, int periodSeconds, int timeoutSeconds, int failureThreshold) {

  /** {@code /health/live}: restart only a process that stopped answering for 30 s, never for a dependency outage. */
  public static final Probe LIVENESS = new Probe("/health/live", 10, 1, 3);
  /** {@code /health/ready} (Kubernetes): out of the load balancer within 10 s of a dependency outage. */
  public static final Probe READINESS = new Probe("/health/ready", 5, 1, 2);
}

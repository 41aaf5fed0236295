package ai.netra.deploy.check;

import ai.netra.config.Settings;
import ai.netra.deploy.RecordedStartup;
import ai.netra.deploy.StartupProbe;
import ai.netra.startup.TimeoutPolicy;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The deployment's startup probe and scaling against the service: binding first means a TCP probe
 * (Cloud Run's default) passes at once and sends traffic to a service that answers 503 while it
 * starts, so only an HTTP probe on {@code /health/startup} will do, with a window that covers the start.
 */
final class ProbeCheck {

  /** Kubernetes' and Cloud Run's defaults for a probe that does not say. */
  static final int DEFAULT_PERIOD_S = 10;
  static final int DEFAULT_FAILURE_THRESHOLD = 3;

  private ProbeCheck() { }

  static List<Finding> run(ServiceYaml service, Settings settings, RecordedStartup report, double margin) {
    List<Finding> findings = new ArrayList<>();
    String where = "in " + service.source();
    String fix = "use the HTTP startup probe on /health/startup that netra plan writes";
    JsonNode probe = service.container().path("startupProbe");
    if (!probe.isObject()) {
      findings.add(Finding.fail(Area.PROBE, "no startup probe " + where + ": Cloud Run's default TCP probe passes as soon as"
          + " the port is bound, which this service does at once, so traffic arrives while every route answers 503", fix));
    } else if (probe.has("tcpSocket")) {
      findings.add(Finding.fail(Area.PROBE, "a TCP startup probe " + where + " passes as soon as the port is bound, which this"
          + " service does at once: traffic arrives while every route answers 503", fix));
    } else if (!"/health/startup".equals(probe.at("/httpGet/path").asText())) {
      findings.add(Finding.fail(Area.PROBE, "the startup probe " + where + " asks " + probe.at("/httpGet/path").asText("(no HTTP path)")
          + ", which does not wait for the start to finish (/health/startup answers 200 only once READY)", fix));
    } else {
      int delay = probe.path("initialDelaySeconds").asInt(0);
      int period = probe.path("periodSeconds").asInt(DEFAULT_PERIOD_S);
      int threshold = probe.path("failureThreshold").asInt(DEFAULT_FAILURE_THRESHOLD);
      int window = delay + period * threshold;
      String arithmetic = String.format("the startup probe waits %d s (%d + %d x %d)", window, delay, period, threshold);
      Duration budget = settings.startup().totalBudget();
      Duration measured = report != null && report.serving() ? report.elapsed() : null;
      StartupProbe planned = StartupProbe.of(budget, measured, measured == null ? null : report.source());
      String planFix = String.format("set periodSeconds %d and failureThreshold %d, netra plan's probe (%s)%s",
          planned.periodSeconds(), planned.failureThreshold(), planned.basis(), planned.fits() ? ""
              : "; even that cannot cover the start: make it faster (more CPU, startup CPU boost)");
      if (period * threshold > StartupProbe.MAX_WINDOW_S || delay > StartupProbe.MAX_WINDOW_S) {
        findings.add(Finding.fail(Area.PROBE, arithmetic + ": Cloud Run allows at most " + StartupProbe.MAX_WINDOW_S
            + " s of period x failureThreshold", planFix));
      } else if (measured != null && measured.toMillis() * (1 + margin) > window * 1000L) {
        findings.add(Finding.fail(Area.PROBE, arithmetic + ", but the recorded start needed " + TimeoutPolicy.seconds(measured)
            + ": the platform stops a start like it", planFix));
      } else if (window * 1000L < budget.toMillis()) {
        findings.add(Finding.warn(Area.PROBE, arithmetic + ", less than the " + TimeoutPolicy.seconds(budget) + " startup budget:"
            + " a slow start is stopped by the platform before the service can log why", planFix));
      } else {
        findings.add(Finding.pass(Area.PROBE, arithmetic + " on /health/startup" + (measured == null ? ""
            : ", covering the recorded " + TimeoutPolicy.seconds(measured))));
      }
    }
    JsonNode maxScale = service.annotations().path("autoscaling.knative.dev/maxScale");
    int instances = settings.pool().maxInstances();
    if (service.annotations().isObject()) {
      if (maxScale.isMissingNode()) {
        findings.add(Finding.warn(Area.PROBE, "no autoscaling.knative.dev/maxScale " + where + ": Cloud Run may run up to 100"
            + " instances, but the pool sizing is checked for MAX_INSTANCES " + instances,
            "set autoscaling.knative.dev/maxScale: '" + instances + "' (netra plan does)"));
      } else if (maxScale.asInt() > instances) {
        findings.add(Finding.fail(Area.PROBE, "autoscaling.knative.dev/maxScale " + maxScale.asText() + " " + where
            + " is more than MAX_INSTANCES " + instances + ", the number the pool sizing is checked for",
            "set MAX_INSTANCES=" + maxScale.asText() + " (and check the pool again), or maxScale to " + instances));
      }
    }
    return findings;
  }
}

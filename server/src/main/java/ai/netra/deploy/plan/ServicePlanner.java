package ai.netra.deploy.plan;

import static ai.netra.config.SettingNames.KUBERNETES_SERVICE_HOST;
import static ai.netra.config.SettingNames.K_REVISION;
import static ai.netra.config.SettingNames.K_SERVICE;
import static ai.netra.config.SettingNames.NETRA_ENV;
import static ai.netra.config.SettingNames.PORT;

import ai.netra.config.Settings;
import ai.netra.deploy.MemorySize;
import ai.netra.deploy.RecordedStartup;
import ai.netra.deploy.StartupProbe;
import ai.netra.deploy.check.DeployEnv;
import ai.netra.deploy.check.ResourceProfile;
import ai.netra.deploy.check.SecretRef;
import ai.netra.deploy.history.HistorySizing;
import ai.netra.startup.TimeoutModel;
import ai.netra.startup.TimeoutPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** Decides a {@link ServicePlan} from the deployment's settings, a recorded start and the command line's choices. */
public final class ServicePlanner {

  /** Each open WebSocket holds one request for its whole life; Cloud Run allows up to 1000 per instance. */
  public static final int DEFAULT_CONCURRENCY = 250;
  /** Cloud Run's longest request: a WebSocket is closed when it is reached, and the client reconnects and resumes. */
  public static final int WEBSOCKET_REQUEST_TIMEOUT_S = 3600;
  /** Without a measured peak RSS: what a JVM with the chat and ten thousand idle sockets was measured to fit comfortably. */
  static final MemorySize DEFAULT_MEMORY = MemorySize.gi(1);
  /** Set by the platform itself; Cloud Run refuses a service that sets them. */
  static final Set<String> RESERVED = Set.of(PORT, K_SERVICE, K_REVISION, "K_CONFIGURATION", KUBERNETES_SERVICE_HOST);
  private static final Pattern SERVICE_NAME = Pattern.compile("[a-z]([-a-z0-9]{0,47}[a-z0-9])?");
  private static final Set<String> EGRESS = Set.of("private-ranges-only", "all-traffic");

  /**
   * The command line's choices; each may be null for the default.
   *
   * @param cloudSqlInstance overrides the instance read from a {@code /cloudsql/...} database host
   */
  public record Options(String image, String service, String region, Double cpus, MemorySize memory, Integer minInstances,
      Integer concurrency, String cloudSqlInstance, String vpcConnector, String vpcEgress, String serviceAccount) { }

  private ServicePlanner() { }

  /** The settings the kept starts call for, and what drifted, as notes. */
  private static List<String> historyNotes(HistorySizing history, Settings settings) {
    List<String> notes = new ArrayList<>();
    double margin = history.model().inputs().margin();
    notes.add(String.format(Locale.ROOT, "sized from %d kept starts (%d failed): READY p50 %s, p95 %s, p99 %s",
        history.stats().starts(), history.stats().failedStarts(), seconds(history.stats().ready().p50()),
        seconds(history.stats().ready().p95()), seconds(history.stats().ready().p99())));
    Map<String, String> changes = new LinkedHashMap<>();
    for (HistorySizing.StepSize step : history.steps()) {
      if (step.p99() != null && step.tooShort(margin)) {
        changes.merge(step.setting(), step.sizedBase(), (a, b) -> Double.parseDouble(a) >= Double.parseDouble(b) ? a : b);
      }
    }
    if (settings.startup().totalBudget().toSeconds() < history.budgetSeconds()) {
      changes.put(TimeoutModel.BUDGET_SETTING, String.valueOf(history.budgetSeconds()));
    }
    changes.forEach((name, value) -> notes.add("set " + name + "=" + value + " (the p99 of the kept starts with a "
        + Math.round(margin * 100) + "% margin; netra check --history explains)"));
    history.drift().forEach(d -> notes.add("WARNING: drift: " + d));
    return notes;
  }

  private static String seconds(long ms) {
    return TimeoutPolicy.seconds(Duration.ofMillis(ms));
  }

  /**
   * The plan for {@code env} (and {@code report}, a recorded start, when not null).
   *
   * @throws IllegalArgumentException naming what is wrong: a missing image, a bad name or option, settings
   *     with problems, a report of a start that did not get through
   */
  public static ServicePlan plan(DeployEnv env, RecordedStartup report, Options options) {
    return plan(env, report, null, options);
  }

  /**
   * The plan for {@code env}, sized from {@code history} (kept starts, through the timeout model) when not null:
   * its startup probe covers their p99 to READY, its memory their largest peak RSS, and the notes say which
   * timeouts and budget to set and what drifted.
   *
   * @throws IllegalArgumentException as {@link #plan(DeployEnv, RecordedStartup, Options)} does
   */
  public static ServicePlan plan(DeployEnv env, RecordedStartup report, HistorySizing history, Options options) {
    Settings settings = env.settings();
    if (!settings.problems().isEmpty()) {
      throw new IllegalArgumentException("the settings have " + settings.problems().size() + " problem(s); a deploy would"
          + " fail at INIT: " + String.join("; ", settings.problems().stream().map(Settings.Problem::message).toList())
          + " (netra check lists them with fixes)");
    }
    if (options.image() == null || options.image().isBlank()) {
      throw new IllegalArgumentException("--image is required: the container image to deploy");
    }
    String service = options.service() == null ? "netra" : options.service();
    if (!SERVICE_NAME.matcher(service).matches()) {
      throw new IllegalArgumentException("--service '" + service + "' must be lower-case letters, digits and -, starting with"
          + " a letter, at most 49 characters");
    }
    String egress = options.vpcEgress() == null ? "private-ranges-only" : options.vpcEgress();
    if (!EGRESS.contains(egress)) {
      throw new IllegalArgumentException("--vpc-egress '" + egress + "' must be private-ranges-only or all-traffic");
    }
    if (report != null && !report.serving()) {
      throw new IllegalArgumentException("the report " + report.source() + " records a start that did not get through (outcome "
          + report.report().outcome() + "); it cannot size a startup probe: fix the start first (netra check --report)");
    }
    List<String> notes = new ArrayList<>();

    MemorySize peak = report == null ? null : report.resources().peakRss();
    String peakFrom = "the recorded peak RSS ";
    if (history != null && history.stats().peakRssBytes() != null) {
      peak = new MemorySize(history.stats().peakRssBytes());
      peakFrom = "the largest peak RSS of " + history.stats().starts() + " kept starts ";
    }
    MemorySize memory = options.memory() != null ? options.memory() : peak != null ? peak.instanceForPeak() : DEFAULT_MEMORY;
    double cpus = options.cpus() != null ? options.cpus() : Math.max(1, memory.cloudRunMinimumCpus());
    if (options.memory() == null) {
      notes.add("memory " + memory + (peak != null ? ": " + peakFrom + peak.wholeMebibytes()
          + " MiB + " + Math.round(MemorySize.HEADROOM * 100) + "% headroom, rounded up"
          : ": no peak RSS recorded (netra simulate records one), the default"));
    }

    StartupProbe probe = history != null ? history.probe()
        : StartupProbe.of(settings.startup().totalBudget(), report == null ? null : report.elapsed(),
            report == null ? null : report.source());
    if (history != null) {
      notes.addAll(historyNotes(history, settings));
    }
    notes.add("startup probe: " + probe.periodSeconds() + " s x " + probe.failureThreshold() + " = " + probe.window()
        + " s window (" + probe.basis() + ")");
    if (!probe.fits()) {
      notes.add("WARNING: the measured start needs a " + probe.measuredTarget() + " s window, more than the " + probe.window()
          + " s Cloud Run allows: the window is capped and a start that slow is stopped (netra check fails this plan)");
    }

    String cloudSql = options.cloudSqlInstance();
    if (cloudSql == null && settings.database() != null && settings.database().host().startsWith("/cloudsql/")) {
      cloudSql = settings.database().host().substring("/cloudsql/".length());
    }
    if (cloudSql != null && !cloudSql.matches("[a-z0-9:._-]+:[a-z0-9-]+:[a-z0-9-]+")) {
      throw new IllegalArgumentException("Cloud SQL instance '" + cloudSql + "' must be PROJECT:REGION:INSTANCE");
    }

    Map<String, String> plain = new LinkedHashMap<>();
    Map<String, SecretRef> secrets = new LinkedHashMap<>();
    plain.put(NETRA_ENV, settings.environment().label());
    Map<String, String> values = new TreeMap<>(env.values());
    values.remove(NETRA_ENV);
    for (Map.Entry<String, String> e : values.entrySet()) {
      String name = e.getKey();
      if (RESERVED.contains(name) || !env.fromFile() && !Settings.isKnown(name) || e.getValue() == null || e.getValue().isEmpty()) {
        continue; // the platform's own, or the shell's (PATH, HOME, ...) rather than the service's
      }
      if (env.ref(name).isPresent()) {
        secrets.put(name, env.ref(name).get());
      } else if (Settings.isSecret(name)) {
        SecretRef ref = new SecretRef(service + "-" + name.toLowerCase(Locale.ROOT).replace('_', '-'), "latest");
        secrets.put(name, ref);
        notes.add(name + " has a plain value in " + env.source() + "; the plan never carries it and refers to Secret Manager"
            + " secret " + ref + " instead (create it from the value: gcloud secrets create " + ref.secret() + " --data-file=-)");
      } else {
        plain.put(name, e.getValue());
      }
    }
    if (settings.redisUrl() != null && options.vpcConnector() == null) {
      notes.add("REDIS_URL is set but no --vpc-connector: a Memorystore instance is reachable only through the VPC");
    }
    int minInstances = options.minInstances() != null ? options.minInstances() : settings.production() ? 1 : 0;
    int maxInstances = settings.pool().maxInstances();
    if (minInstances < 0 || minInstances > maxInstances) {
      throw new IllegalArgumentException("--min-instances " + minInstances + " must be from 0 to MAX_INSTANCES " + maxInstances);
    }
    notes.add("max instances " + maxInstances + " from MAX_INSTANCES, the number the pool sizing is checked with");
    int concurrency = options.concurrency() != null ? options.concurrency() : DEFAULT_CONCURRENCY;
    if (concurrency < 1 || concurrency > 1000) {
      throw new IllegalArgumentException("--concurrency " + concurrency + " must be from 1 to 1000 (Cloud Run's limit)");
    }
    return new ServicePlan(service, options.region(), options.image(), settings.environment().label(), settings.port(),
        new ResourceProfile(cpus, memory), true, minInstances, maxInstances, concurrency, WEBSOCKET_REQUEST_TIMEOUT_S, true,
        cloudSql, options.vpcConnector(), options.vpcConnector() == null ? null : egress, options.serviceAccount(),
        plain, secrets, probe, Probe.LIVENESS, Probe.READINESS, notes);
  }
}

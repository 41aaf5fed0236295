package ai.netra.deploy.check;

import ai.netra.boot.BackendPlan;
import ai.netra.config.Settings;
import ai.netra.deploy.MemorySize;
import ai.netra.deploy.RecordedStartup;
import ai.netra.deploy.history.HistorySizing;
import ai.netra.history.StartStats;
import ai.netra.startup.StartupPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@code netra check}'s judgement of one deployment before it happens: the settings, the timeout
 * policy (against the plan, the platform's allowance and a recorded start), the database pool
 * across instances, and the instance's resources. Asking the database is the only slow part; it
 * is announced through {@code progress} first.
 */
public final class DeployCheck {

  /**
   * What the command line adds to the settings; each may be null.
   *
   * @param maxConnections the server's max_connections (else DB_MAX_CONNECTIONS, else asked)
   * @param resources the CPU and memory the deploy requests
   * @param peakRss the peak RSS a start needs (else the report's)
   * @param margin how close to a limit counts as too close, as a fraction (0.25: within 25%)
   * @param service the deployment as written for the platform (its probe, scaling and resources), or null
   * @param history the kept starts to size from ({@code --history}), or null
   */
  public record Options(Integer maxConnections, ResourceProfile resources, MemorySize peakRss, double margin, ServiceYaml service,
      StartStats history) {
    public Options {
      if (!(margin >= 0) || margin > 5) {
        throw new IllegalArgumentException("the margin must be from 0 to 500%, was " + Math.round(margin * 100) + "%");
      }
    }

    /** Without a history of starts. */
    public Options(Integer maxConnections, ResourceProfile resources, MemorySize peakRss, double margin, ServiceYaml service) {
      this(maxConnections, resources, peakRss, margin, service, null);
    }
  }

  private final Options options;
  private final Consumer<String> progress;

  public DeployCheck(Options options, Consumer<String> progress) {
    this.options = options;
    this.progress = progress;
  }

  /** Judges {@code env}, with {@code report} (a recorded start) when not null. Never throws for what it judges. */
  public CheckReport run(DeployEnv env, RecordedStartup report) {
    Settings settings = env.settings();
    List<Finding> findings = new ArrayList<>(SettingsCheck.run(env, settings));
    StartupPlan plan = BackendPlan.describe(settings);
    BackendPlan.unusedTimeouts(plan, settings.startup())
        .forEach(u -> findings.add(Finding.warn(Area.TIMEOUTS, u, "remove it, or name the component meant")));
    MemorySize peakRss = options.peakRss();
    if (options.history() == null) {
      findings.addAll(TimeoutCheck.run(plan, report, BackendPlan.CLOUD_RUN_WINDOW, options.margin()));
    } else {
      try {
        HistorySizing sizing = HistorySizing.of(plan, options.history(), options.margin());
        findings.addAll(HistoryCheck.run(sizing, options.margin()));
        if (peakRss == null && options.history().peakRssBytes() != null) {
          peakRss = new MemorySize(options.history().peakRssBytes());
        }
      } catch (IllegalArgumentException e) {
        findings.add(Finding.fail(Area.STARTUP, e.getMessage(), "fix what fails the starts, then check again"));
      }
    }
    ResourceProfile resources = options.resources();
    if (options.service() != null) {
      findings.addAll(ProbeCheck.run(options.service(), settings, report, options.margin()));
      resources = resources != null ? resources : options.service().resources();
    }
    findings.addAll(PoolCheck.run(env, settings, options.maxConnections(), progress));
    findings.addAll(ResourceCheck.run(resources, peakRss, report, settings.startup().totalBudget(),
        options.margin()));
    return new CheckReport(settings.environment().label(), env.source(), findings);
  }
}

package ai.netra.boot;

import ai.netra.auth.SigningKey;
import ai.netra.auth.Tokens;
import ai.netra.config.Platform;
import ai.netra.config.Settings;
import ai.netra.config.StartupSettings;
import ai.netra.health.HealthMonitor;
import ai.netra.startup.ConfigurationException;
import ai.netra.startup.Phase;
import ai.netra.startup.Startup;
import ai.netra.startup.StartupPlan;
import ai.netra.startup.Step;
import ai.netra.startup.StepContext;
import ai.netra.startup.TimeoutModel;
import ai.netra.startup.TimeoutPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The backend's seven startup phases, wired to its components. */
public final class BackendPlan {

  private static final Logger log = LoggerFactory.getLogger(BackendPlan.class);

  /** The phases, in the order they run. */
  public static final List<String> PHASES =
      List.of("INIT", "DEPENDENCIES", "DATABASE", "CACHE", "SERVICES", "WEBSOCKET", "FINALIZE");

  /** Base timeouts by component before multiplier and safety margin; others get {@link #DEFAULT_BASE}. */
  static final Map<String, Duration> BASE_TIMEOUTS = Map.of(
      "settings", Duration.ofSeconds(5),
      "database", Duration.ofSeconds(30),
      "redis", Duration.ofSeconds(10),
      "llm", Duration.ofSeconds(15));
  static final Duration DEFAULT_BASE = Duration.ofSeconds(10);
  /** The longest Cloud Run waits for a start (startup probe failureThreshold x periodSeconds). */
  public static final Duration CLOUD_RUN_WINDOW = Duration.ofSeconds(240);
  /** What a Cloud SQL connection over a VPC connector was seen to need under load (10-30 s). */
  static final Duration CLOUD_SQL_EXPECTED = Duration.ofSeconds(10);

  private BackendPlan() { }

  /** The timeout policy the settings describe: defaults overridden per component. */
  public static TimeoutPolicy policy(StartupSettings startup) {
    Map<String, Duration> base = new HashMap<>(BASE_TIMEOUTS);
    base.putAll(startup.baseTimeouts());
    return new TimeoutPolicy(base, DEFAULT_BASE, startup.multiplier(), startup.safetyMargin(), startup.totalBudget());
  }

  /**
   * The plan the service would run with {@code settings}, for checking its timeouts before a deploy
   * ({@code netra check}); nothing in it runs and no component is opened.
   */
  public static StartupPlan describe(Settings settings) {
    try (HealthMonitor idle = new HealthMonitor(Duration.ofSeconds(1), Duration.ofMillis(800))) {
      return build(new Components(settings, idle));
    }
  }

  /** How the engine may bend the rules here: degraded components, and bypass only outside production. */
  static Startup.Options options(Settings settings, long originNanos) {
    boolean bypass = settings.startup().bypassValidation() && !settings.production();
    return new Startup.Options(settings.startup().allowDegraded(), bypass, originNanos);
  }

  static StartupPlan build(Components components) {
    Settings settings = components.settings;
    AtomicReference<StartupPlan> self = new AtomicReference<>();
    Map<String, List<Step>> phases = new LinkedHashMap<>();
    PHASES.forEach(p -> phases.put(p, new ArrayList<>()));

    phases.get("INIT").addAll(List.of(
        Step.critical("settings", "settings")
            .hint("fix every setting listed under env in one deploy; `netra check` shows the same list before deploying")
            .run(context -> checkSettings(settings, context)),
        Step.optional("diagnostics", "diagnostics").run(context -> context.detail(Diagnostics.log(settings))),
        Step.critical("timeout-policy", "settings").validation()
            .run(context -> checkPolicy(self.get(), settings, context))));

    phases.get("DEPENDENCIES").add(
        Step.critical("signing-key", "auth").settings("JWT_SECRET_KEY")
            .run(context -> {
              SigningKey key = SigningKey.load(settings);
              components.tokens = new Tokens(key);
              context.detail("HS256 key from " + key.source());
            }));

    phases.get("DATABASE").addAll(DependencySteps.database(components));
    phases.get("CACHE").add(DependencySteps.cache(components));
    // Usage data: the price catalog (critical), and the development user's demo history (optional, development only).
    phases.get("SERVICES").addAll(UsageSteps.services(components));
    phases.get("SERVICES").addAll(AgentSteps.services(components));
    phases.get("WEBSOCKET").addAll(ChatSteps.websocket(components));
    phases.get("FINALIZE").add(
        Step.critical("self-check", "self_check").validation()
            .run(context -> context.detail(SelfChecks.ownHealth(components.httpPort, context.remaining()))));

    List<String> extensionErrors = addExtensions(settings, phases);
    if (!extensionErrors.isEmpty()) {
      phases.get("FINALIZE").add(Step.optional("extensions", "extensions").run(context -> {
        throw new IllegalStateException(String.join("; ", extensionErrors));
      }));
    }

    List<Phase> plan = new ArrayList<>();
    // SERVICES runs in order: the supervisor needs the model and the tools; WEBSOCKET: the chat needs the event bus
    Set<String> concurrent = Set.of("DEPENDENCIES");
    phases.forEach((name, steps) -> plan.add(new Phase(name, concurrent.contains(name), steps)));
    StartupPlan built = StartupPlan.of(plan, policy(settings.startup()));
    self.set(built);
    return built;
  }

  private static void checkSettings(Settings settings, StepContext context) {
    if (!settings.problems().isEmpty()) {
      Set<String> names = new LinkedHashSet<>();
      settings.problems().forEach(p -> names.addAll(p.settings()));
      StringBuilder message = new StringBuilder(settings.problems().size() + " setting problem"
          + (settings.problems().size() == 1 ? "" : "s") + " in " + settings.environment().label() + ": ");
      settings.problems().forEach(p -> message.append(p.message()).append("; "));
      throw new ConfigurationException(message.substring(0, message.length() - 2),
          "set or fix " + String.join(", ", names) + " and deploy again", List.copyOf(names));
    }
    if (settings.startup().bypassValidation()) {
      if (settings.production()) {
        log.warn("BYPASS_STARTUP_VALIDATION=true is IGNORED in production: every validation step runs");
      } else {
        log.warn("BYPASS_STARTUP_VALIDATION=true: validation steps are SKIPPED in {}", settings.environment().label());
      }
    }
    if (!settings.startup().allowDegraded().isEmpty()) {
      log.warn("STARTUP_ALLOW_DEGRADED={} in {}: these components may fail and the service still serves",
          String.join(",", settings.startup().allowDegraded()), settings.environment().label());
    }
    context.detail(settings.environment().label() + ", port " + settings.port()
        + (settings.embeddedDatabase() ? ", embedded database" : ", database " + settings.database().describe()));
  }

  private static void checkPolicy(StartupPlan plan, Settings settings, StepContext context) {
    TimeoutModel.Assessment model = TimeoutModel.assess(plan, TimeoutModel.Inputs.declared(platformWindow(settings)));
    model.warnings().forEach(w -> log.warn("timeout policy: {}{}", w.message(), w.fix().isEmpty() ? "" : "; " + w.fix()));
    if (model.fails()) {
      List<String> names = new ArrayList<>(List.of("STARTUP_TOTAL_BUDGET_S", "STARTUP_TIMEOUT_MULTIPLIER", "STARTUP_SAFETY_MARGIN"));
      model.failures().forEach(f -> f.changes().keySet().stream().filter(n -> !names.contains(n)).forEach(names::add));
      throw new ConfigurationException("unsafe timeout policy: "
          + String.join("; ", model.failures().stream().map(TimeoutModel.Finding::message).toList()),
          String.join("; ", model.failures().stream().map(TimeoutModel.Finding::fix).filter(f -> !f.isEmpty()).distinct()
              .toList()) + " (netra check --env-file shows the same before a deploy)", names);
    }
    context.detail("the critical steps fit the " + TimeoutPolicy.seconds(plan.policy().totalBudget())
        + " budget: the slowest start the timeouts allow takes " + TimeoutPolicy.seconds(model.slowestStart())
        + (model.warnings().isEmpty() ? "" : "; " + model.warnings().size() + " warning"
            + (model.warnings().size() == 1 ? "" : "s") + " logged"));
  }

  /** How long the platform waits for a start: Cloud Run's 240 s, or null where no fixed window is known. */
  public static Duration platformWindow(Settings settings) {
    return settings.platform().kind() == Platform.Kind.CLOUD_RUN ? CLOUD_RUN_WINDOW : null;
  }

  /** Adds every installed extension's steps; returns what went wrong loading them. */
  private static List<String> addExtensions(Settings settings, Map<String, List<Step>> phases) {
    List<String> errors = new ArrayList<>();
    try {
      var providers = ServiceLoader.load(StartupExtension.class).stream().toList();
      for (var provider : providers) {
        try {
          for (StartupExtension.Contribution c : provider.get().steps(settings)) {
            List<Step> steps = phases.get(c.phase());
            if (steps == null) {
              errors.add(provider.type().getName() + " names unknown phase " + c.phase() + " (phases: " + PHASES + ")");
            } else {
              steps.add(c.step());
            }
          }
        } catch (Throwable t) { // an extension must never stop the start: record it as an optional failure
          errors.add(provider.type().getName() + " failed to load: " + t);
        }
      }
    } catch (Throwable t) {
      errors.add("extensions could not be listed: " + t);
    }
    return errors;
  }
}

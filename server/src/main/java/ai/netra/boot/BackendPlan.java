package ai.netra.boot;

import ai.netra.agent.Agent;
import ai.netra.agent.ToolRegistry;
import ai.netra.auth.Authenticator;
import ai.netra.auth.ProviderTokens;
import ai.netra.auth.Tokens;
import ai.netra.cache.EventBus;
import ai.netra.cache.RateLimiter;
import ai.netra.cache.Redis;
import ai.netra.chat.ChatService;
import ai.netra.config.Platform;
import ai.netra.config.SettingNames;
import ai.netra.config.Settings;
import ai.netra.config.StartupSettings;
import ai.netra.db.Database;
import ai.netra.db.EmbeddedPostgres;
import ai.netra.db.Migrations;
import ai.netra.health.HealthMonitor;
import ai.netra.http.ApiRoutes;
import ai.netra.llm.ChatModel;
import ai.netra.startup.ConfigurationException;
import ai.netra.startup.Phase;
import ai.netra.startup.Startup;
import ai.netra.startup.StartupPlan;
import ai.netra.startup.Step;
import ai.netra.startup.StepAction;
import ai.netra.startup.StepContext;
import ai.netra.startup.TimeoutModel;
import ai.netra.startup.TimeoutPolicy;
import ai.netra.usage.UsageImport;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backend's seven startup phases, wired to its components: each step builds one typed component
 * for the steps after it, and once the start completed they make up the {@link Application}.
 */
public final class BackendPlan {

  private static final Logger log = LoggerFactory.getLogger(BackendPlan.class);

  /** Base timeouts by component before multiplier and safety margin; others get {@link #DEFAULT_BASE}. */
  static final Map<String, Duration> BASE_TIMEOUTS = Map.of(
      "settings", Duration.ofSeconds(5),
      "database", Duration.ofSeconds(30),
      "redis", Duration.ofSeconds(10),
      AuthSteps.JWKS, Duration.ofSeconds(10),
      "llm", Duration.ofSeconds(15));
  static final Duration DEFAULT_BASE = Duration.ofSeconds(10);
  /** The longest Cloud Run waits for a start (startup probe failureThreshold x periodSeconds). */
  public static final Duration CLOUD_RUN_WINDOW = Duration.ofSeconds(240);
  /** What a Cloud SQL connection over a VPC connector was seen to need under load (10-30 s). */
  static final Duration CLOUD_SQL_EXPECTED = Duration.ofSeconds(10);

  /**
   * The event bus and the rate limiters of the chat's messages and of the REST API: Redis's, shared by every
   * instance, or this process's.
   */
  record Messaging(EventBus bus, RateLimiter limiter, RateLimiter apiLimiter) { }

  /** The chat model, and the offline model when {@code LLM_FALLBACK=offline}. */
  record Models(ChatModel model, Optional<ChatModel> fallback) { }

  /** The chat socket's service and the REST API, which need the database. */
  record Chat(ChatService service, ApiRoutes api) { }

  final Settings settings;
  final HealthMonitor monitor;
  final OpenResources resources;
  /** The registry once metrics are installed after the start; empty before. */
  final Supplier<Optional<MeterRegistry>> registry;
  final Built<Tokens> selfIssued = new Built<>("the signing key");
  final Built<ProviderTokens> provider = new Built<>("the identity provider's keys");
  final Built<EmbeddedPostgres> embeddedPostgres = new Built<>("the embedded PostgreSQL");
  final Built<Database> database = new Built<>("the database");
  final Built<Migrations> migrations = new Built<>("the migrations");
  final Built<Redis> redis = new Built<>("Redis");
  final Built<Messaging> sharedMessaging = new Built<>("Redis's event bus and rate limits");
  final Built<UsageImport> usageImport = new Built<>("the usage import");
  final Built<Models> models = new Built<>("the chat model");
  final Built<ToolRegistry> tools = new Built<>("the tool registry");
  final Built<Agent> agent = new Built<>("the agent supervisor");
  final Built<Messaging> messaging = new Built<>("the event bus");
  final Built<Chat> chat = new Built<>("the chat");
  private final StartupPlan plan;

  /**
   * @param ownPort the port the service listens on, asked once the start runs
   * @throws IllegalArgumentException when an installed extension breaks the plan (a step name taken twice)
   */
  BackendPlan(Settings settings, HealthMonitor monitor, OpenResources resources, IntSupplier ownPort,
      Supplier<Optional<MeterRegistry>> registry) {
    this.settings = settings;
    this.monitor = monitor;
    this.resources = resources;
    this.registry = registry;
    Map<StartupPhase, List<Step>> steps = new EnumMap<>(StartupPhase.class);
    steps.put(StartupPhase.INIT, List.of(
        Step.critical("settings", "settings")
            .hint("fix every setting listed under env in one deploy; `netra check` shows the same list before deploying")
            .run(context -> checkSettings(settings, context)),
        Step.optional("diagnostics", "diagnostics").run(context -> context.detail(Diagnostics.log(settings)))));
    steps.put(StartupPhase.DEPENDENCIES, AuthSteps.dependencies(this));
    steps.put(StartupPhase.DATABASE, DependencySteps.database(this));
    steps.put(StartupPhase.CACHE, List.of(DependencySteps.cache(this)));
    // Usage data: the price catalog (critical), and the development user's demo history (optional, development only).
    List<Step> services = new ArrayList<>(UsageSteps.services(this));
    services.addAll(AgentSteps.services(this));
    steps.put(StartupPhase.SERVICES, services);
    steps.put(StartupPhase.WEBSOCKET, ChatSteps.websocket(this));
    steps.put(StartupPhase.FINALIZE, List.of(
        Step.critical("self-check", "self_check").validation()
            .run(context -> context.detail(SelfChecks.ownHealth(ownPort.getAsInt(), context.remaining())))));
    addExtensions(settings, steps);

    // The timeout-policy step judges the whole plan, itself included: it judges a plan that holds a
    // stand-in for it, the same in every respect the policy reads (name, component, criticality).
    TimeoutPolicy policy = policy(settings.startup());
    StartupPlan shape = StartupPlan.of(phases(steps, timeoutPolicy(context -> { })), policy);
    this.plan = StartupPlan.of(phases(steps, timeoutPolicy(context -> checkPolicy(shape, settings, context))), policy);
  }

  private static Step timeoutPolicy(StepAction check) {
    return Step.critical("timeout-policy", "settings").validation().run(check);
  }

  /** The phases in order; the timeout policy's step follows INIT's settings and diagnostics, before any extension's. */
  private static List<Phase> phases(Map<StartupPhase, List<Step>> steps, Step timeoutPolicy) {
    List<Phase> phases = new ArrayList<>();
    for (StartupPhase phase : StartupPhase.values()) {
      List<Step> own = new ArrayList<>(steps.getOrDefault(phase, List.of()));
      if (phase == StartupPhase.INIT) {
        own.add(2, timeoutPolicy);
      }
      phases.add(new Phase(phase.name(), phase.concurrent(), own));
    }
    return phases;
  }

  StartupPlan plan() {
    return plan;
  }

  /** What the service serves with, from what the steps built; call once the start completed. */
  Application application() {
    return new Application(authenticator(), chat.optional().map(Chat::service), chat.optional().map(Chat::api),
        database.optional(), redis.optional());
  }

  /** The tokens accepted: the HS256 ones and the identity provider's, as the DEPENDENCIES steps built them. */
  Authenticator authenticator() {
    return new Authenticator(selfIssued.optional(), provider.optional());
  }

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
      return new BackendPlan(settings, idle, new OpenResources(), () -> 0, Optional::empty).plan();
    }
  }

  /** How the engine may bend the rules here: degraded components, and bypass only outside production. */
  static Startup.Options options(Settings settings, long originNanos) {
    boolean bypass = settings.startup().bypassValidation() && !settings.production();
    return new Startup.Options(settings.startup().allowDegraded(), bypass, originNanos);
  }

  private static void checkSettings(Settings settings, StepContext context) {
    if (!settings.problems().isEmpty()) {
      Set<String> names = new LinkedHashSet<>();
      settings.problems().forEach(p -> names.addAll(p.settings()));
      // With NETRA_ENV itself unreadable, the environment the other settings were judged in is only a guess.
      boolean environmentInvalid = names.contains(SettingNames.NETRA_ENV);
      StringBuilder message = new StringBuilder(environmentInvalid ? "the environment itself is invalid; "
          : settings.problems().size() + " setting problem" + (settings.problems().size() == 1 ? "" : "s") + " in "
              + settings.environment().label() + ": ");
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
    List<String> unused = unusedTimeouts(plan, settings.startup());
    unused.forEach(u -> log.warn("timeout policy: {}", u));
    if (model.fails()) {
      List<String> names = new ArrayList<>(List.of("STARTUP_TOTAL_BUDGET_S", "STARTUP_TIMEOUT_MULTIPLIER", "STARTUP_SAFETY_MARGIN"));
      model.failures().forEach(f -> f.changes().keySet().stream().filter(n -> !names.contains(n)).forEach(names::add));
      throw new ConfigurationException("unsafe timeout policy: "
          + String.join("; ", model.failures().stream().map(TimeoutModel.Finding::message).toList()),
          String.join("; ", model.failures().stream().map(TimeoutModel.Finding::fix).filter(f -> !f.isEmpty()).distinct()
              .toList()) + " (netra check --env-file shows the same before a deploy)", names);
    }
    int warnings = model.warnings().size() + unused.size();
    context.detail("the critical steps fit the " + TimeoutPolicy.seconds(plan.policy().totalBudget())
        + " budget: the slowest start the timeouts allow takes " + TimeoutPolicy.seconds(model.slowestStart())
        + (warnings == 0 ? "" : "; " + warnings + " warning" + (warnings == 1 ? "" : "s") + " logged"));
  }

  /**
   * A sentence for each {@code STARTUP_TIMEOUT_<COMPONENT>_S} that names no component of {@code plan}'s steps: a
   * misspelt one ({@code STARTUP_TIMEOUT_DB_S}) or one this start does not run ({@code STARTUP_TIMEOUT_JWKS_S} without
   * {@code AUTH_JWKS_URL}) changes nothing, while whoever set it believes it gives a step more time. The start and
   * {@code netra check} both say so.
   */
  public static List<String> unusedTimeouts(StartupPlan plan, StartupSettings startup) {
    Set<String> components = new java.util.TreeSet<>();
    plan.steps().forEach(step -> components.add(step.component()));
    return startup.baseTimeouts().keySet().stream().filter(c -> !components.contains(c)).sorted()
        .map(c -> SettingNames.startupTimeout(c) + " is set, but no step of this start has the component '" + c
            + "', so it changes nothing; the components are " + String.join(", ", components) + " (set "
            + SettingNames.startupTimeout("<component>") + ", e.g. " + SettingNames.startupTimeout("database") + ")")
        .toList();
  }

  /** How long the platform waits for a start: Cloud Run's 240 s, or null where no fixed window is known. */
  public static Duration platformWindow(Settings settings) {
    return settings.platform().kind() == Platform.Kind.CLOUD_RUN ? CLOUD_RUN_WINDOW : null;
  }

  /**
   * Adds every installed extension's steps to the end of their phases. An extension that cannot be
   * loaded must never stop the start: what went wrong shows as a failed optional step in FINALIZE.
   */
  private static void addExtensions(Settings settings, Map<StartupPhase, List<Step>> steps) {
    List<String> errors = new ArrayList<>();
    try {
      for (var provider : ServiceLoader.load(StartupExtension.class).stream().toList()) {
        try {
          for (StartupExtension.Contribution c : provider.get().steps(settings)) {
            List<Step> phase = new ArrayList<>(steps.getOrDefault(c.phase(), List.of()));
            phase.add(c.step());
            steps.put(c.phase(), phase);
          }
        } catch (Throwable t) {
          errors.add(provider.type().getName() + " failed to load: " + t);
        }
      }
    } catch (Throwable t) {
      errors.add("extensions could not be listed: " + t);
    }
    if (!errors.isEmpty()) {
      List<Step> finalize = new ArrayList<>(steps.get(StartupPhase.FINALIZE));
      finalize.add(Step.optional("extensions", "extensions").run(context -> {
        throw new IllegalStateException(String.join("; ", errors));
      }));
      steps.put(StartupPhase.FINALIZE, finalize);
    }
  }
}

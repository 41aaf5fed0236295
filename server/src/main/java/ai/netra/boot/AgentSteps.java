package ai.netra.boot;

import static ai.netra.config.SettingNames.LLM_API_KEY;
import static ai.netra.config.SettingNames.LLM_BASE_URL;
import static ai.netra.config.SettingNames.LLM_FALLBACK;
import static ai.netra.config.SettingNames.LLM_MODEL;

import ai.netra.agent.Supervisor;
import ai.netra.agent.ToolRegistry;
import ai.netra.agent.tools.UsageTools;
import ai.netra.config.Environment;
import ai.netra.config.LlmSettings;
import ai.netra.db.Database;
import ai.netra.llm.ChatModel;
import ai.netra.llm.LlmEndpointCheck;
import ai.netra.llm.MeteredChatModel;
import ai.netra.llm.OpenAiCompatibleModel;
import ai.netra.llm.offline.OfflineModel;
import ai.netra.startup.ConfigurationException;
import ai.netra.startup.Step;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/** The SERVICES phase's agent part: the chat model (LLM manager), its endpoint check, the tools and the supervisor. */
final class AgentSteps {

  private AgentSteps() { }

  /** In order: the supervisor needs the model and the tools. */
  static List<Step> services(BackendPlan p) {
    LlmSettings llm = p.settings.llm();
    Clock clock = Clock.systemUTC();
    // An LLM that cannot be reached must not stop a developer's start; deployed, it is what the
    // service is for, so the start fails unless STARTUP_ALLOW_DEGRADED names llm.
    Step.Builder endpoint = p.settings.environment() == Environment.DEVELOPMENT
        ? Step.optional("llm-endpoint", "llm") : Step.critical("llm-endpoint", "llm");
    if (!llm.offline()) {
      endpoint.waits(); // on the provider's answer to GET /models
    }
    return List.of(
        Step.critical("llm-manager", "llm").settings(LLM_MODEL, LLM_BASE_URL, LLM_API_KEY, LLM_FALLBACK)
            .run(context -> {
              if (llm.offline()) {
                p.models.set(new BackendPlan.Models(metered(p, new OfflineModel(clock), LlmSettings.OFFLINE), Optional.empty()));
                context.detail("offline model: a deterministic planner over the usage tools (set LLM_MODEL, LLM_BASE_URL"
                    + " and LLM_API_KEY for an LLM)");
                return;
              }
              OpenAiCompatibleModel model;
              try {
                model = new OpenAiCompatibleModel(llm);
              } catch (IllegalArgumentException e) { // an empty key or model, a base URL with credentials
                throw new ConfigurationException(e.getMessage(), "fix the LLM settings or set LLM_MODEL=offline",
                    List.of(LLM_MODEL, LLM_BASE_URL, LLM_API_KEY), e);
              }
              p.resources.closeAtShutdown("LLM client", model);
              Optional<ChatModel> fallback = llm.offlineFallback()
                  ? Optional.of(metered(p, new OfflineModel(clock), LlmSettings.OFFLINE)) : Optional.empty();
              p.models.set(new BackendPlan.Models(metered(p, model, llm.model()), fallback));
              context.detail(llm.model() + " at " + llm.baseUrl() + (llm.offlineFallback() ? ", offline model as fallback" : ""));
            }),
        endpoint.settings(LLM_BASE_URL, LLM_API_KEY, LLM_MODEL)
            .hint("check LLM_BASE_URL, LLM_API_KEY and LLM_MODEL, or set LLM_MODEL=offline; STARTUP_ALLOW_DEGRADED=llm"
                + " starts without the endpoint")
            .run(context -> context.detail(llm.offline() ? "offline model: no endpoint to check"
                : new LlmEndpointCheck(llm).verify(context.remaining()))),
        Step.critical("tool-registry", "tools").run(context -> {
          Optional<Database> database = p.database.optional();
          if (database.isEmpty()) { // allowed to run without a database: the chat is off, so are the tools
            context.detail("DEGRADED: no database, so no usage data to answer from");
            return;
          }
          ToolRegistry tools = p.tools.set(UsageTools.create(database.get().dataSource(Database.TOOL_STATEMENTS),
              database.get().dataSource(), clock));
          context.detail(String.join(", ", tools.names()));
        }),
        Step.critical("agent-supervisor", "agents").run(context -> {
          Optional<ToolRegistry> tools = p.tools.optional();
          if (tools.isEmpty()) {
            context.detail("DEGRADED: no tools, so no agent");
            return;
          }
          BackendPlan.Models models = p.models.require();
          int toolCalls = p.settings.limits().toolCallsPerTurn();
          p.agent.set(new Supervisor(models.model(), models.fallback().orElse(null), tools.get(), clock,
              Supervisor.MAX_STEPS, Supervisor.RUN_TIMEOUT, toolCalls));
          context.detail("up to " + Supervisor.MAX_STEPS + " tool rounds of at most " + toolCalls + " calls, "
              + Supervisor.RUN_TIMEOUT.toSeconds() + " s per run");
        }));
  }

  private static ChatModel metered(BackendPlan p, ChatModel model, String name) {
    return new MeteredChatModel(model, p.registry, name);
  }
}

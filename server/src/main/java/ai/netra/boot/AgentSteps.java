package ai.netra.boot;

import ai.netra.agent.Supervisor;
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

/** The SERVICES phase's agent part: the chat model (LLM manager), its endpoint check, the tools and the supervisor. */
final class AgentSteps {

  private AgentSteps() { }

  /** In order: the supervisor needs the model and the tools. */
  static List<Step> services(Components components) {
    LlmSettings llm = components.settings.llm();
    Clock clock = Clock.systemUTC();
    // An LLM that cannot be reached must not stop a developer's start; deployed, it is what the
    // service is for, so the start fails unless STARTUP_ALLOW_DEGRADED names llm.
    Step.Builder endpoint = components.settings.environment() == Environment.DEVELOPMENT
        ? Step.optional("llm-endpoint", "llm") : Step.critical("llm-endpoint", "llm");
    if (!llm.offline()) {
      endpoint.waits(); // on the provider's answer to GET /models
    }
    return List.of(
        Step.critical("llm-manager", "llm").settings("LLM_MODEL", "LLM_BASE_URL", "LLM_API_KEY", "LLM_FALLBACK")
            .run(context -> {
              if (llm.offline()) {
                components.model = metered(components, new OfflineModel(clock), LlmSettings.OFFLINE);
                context.detail("offline model: a deterministic planner over the usage tools (set LLM_MODEL, LLM_BASE_URL"
                    + " and LLM_API_KEY for an LLM)");
                return;
              }
              OpenAiCompatibleModel model;
              try {
                model = new OpenAiCompatibleModel(llm);
              } catch (IllegalArgumentException e) { // an empty key or model, a base URL with credentials
                throw new ConfigurationException(e.getMessage(), "fix the LLM settings or set LLM_MODEL=offline",
                    List.of("LLM_MODEL", "LLM_BASE_URL", "LLM_API_KEY"), e);
              }
              components.closeAtShutdown("LLM client", model);
              components.model = metered(components, model, llm.model());
              if (llm.offlineFallback()) {
                components.fallback = metered(components, new OfflineModel(clock), LlmSettings.OFFLINE);
              }
              context.detail(llm.model() + " at " + llm.baseUrl() + (llm.offlineFallback() ? ", offline model as fallback" : ""));
            }),
        endpoint.settings("LLM_BASE_URL", "LLM_API_KEY", "LLM_MODEL")
            .hint("check LLM_BASE_URL, LLM_API_KEY and LLM_MODEL, or set LLM_MODEL=offline; STARTUP_ALLOW_DEGRADED=llm"
                + " starts without the endpoint")
            .run(context -> context.detail(llm.offline() ? "offline model: no endpoint to check"
                : new LlmEndpointCheck(llm).verify(context.remaining()))),
        Step.critical("tool-registry", "tools").run(context -> {
          if (components.database == null) { // allowed to run without a database: the chat is off, so are the tools
            context.detail("DEGRADED: no database, so no usage data to answer from");
            return;
          }
          components.tools = UsageTools.create(components.database.dataSource(Database.TOOL_STATEMENTS), clock);
          context.detail(String.join(", ", components.tools.names()));
        }),
        Step.critical("agent-supervisor", "agents").run(context -> {
          if (components.tools == null) {
            context.detail("DEGRADED: no tools, so no agent");
            return;
          }
          components.agent = new Supervisor(components.model, components.fallback, components.tools, clock);
          context.detail("up to " + Supervisor.MAX_STEPS + " tool rounds, " + Supervisor.RUN_TIMEOUT.toSeconds() + " s per run");
        }));
  }

  private static ChatModel metered(Components components, ChatModel model, String name) {
    return new MeteredChatModel(model, () -> components.metrics == null ? null : components.metrics.registry(), name);
  }
}

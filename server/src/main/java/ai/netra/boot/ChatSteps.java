package ai.netra.boot;

import ai.netra.agent.Supervisor;
import ai.netra.chat.ChatService;
import ai.netra.config.Environment;
import ai.netra.config.LimitSettings;
import ai.netra.config.Settings;
import ai.netra.db.ChatRepository;
import ai.netra.db.Database;
import ai.netra.http.ApiRoutes;
import ai.netra.usage.OtlpReceiver;
import ai.netra.http.OriginPolicy;
import ai.netra.startup.Step;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The WEBSOCKET phase: the event bus, and the chat socket and API. */
final class ChatSteps {

  private static final Logger log = LoggerFactory.getLogger(ChatSteps.class);

  private ChatSteps() { }

  /** In order: the chat needs the event bus. */
  static List<Step> websocket(BackendPlan p) {
    return List.of(
        Step.critical("event-bus", "event_bus").run(context -> {
          Optional<BackendPlan.Messaging> shared = p.sharedMessaging.optional();
          if (shared.isEmpty()) { // Redis failed and was allowed to: one instance still works
            p.messaging.set(DependencySteps.local(p.settings));
            log.warn("Redis is unavailable: events reach only this instance's sockets until it returns and the service restarts");
            context.detail("DEGRADED to the in-process event bus: other instances do not see this one's events");
            return;
          }
          context.detail(p.messaging.set(shared.get()).bus().kind() + " event bus");
        }),
        Step.critical("chat-endpoint", "chat").run(context -> {
          Optional<Database> database = p.database.optional();
          if (database.isEmpty()) { // allowed to run without a database: no chat, the rest serves
            context.detail("DEGRADED: no database, so the chat socket and the API answer 503");
            return;
          }
          BackendPlan.Messaging messaging = p.messaging.require();
          ChatRepository chats = new ChatRepository(database.get().dataSource(), Clock.systemUTC());
          ChatService service = new ChatService(chats, messaging.bus(), messaging.limiter(), p.agent.require(),
              new ChatService.Limits(p.settings.chat().runsPerUser(), p.settings.pool().poolSize(),
                  p.settings.chat().socketsPerUser(), Supervisor.RUN_TIMEOUT, runThreads(p.settings)));
          ApiRoutes api = new ApiRoutes(p.authenticator(), chats, p.usageImport.require(),
              new OtlpReceiver(p.usageImport.require(), p.settings.ingest()), origins(p.settings),
              apiLimits(messaging, p.settings.limits()));
          p.chat.set(new BackendPlan.Chat(service, api));
          context.detail("/ws/chat and /ws over the " + messaging.bus().kind() + " event bus");
        }));
  }

  static ApiRoutes.Limits apiLimits(BackendPlan.Messaging messaging, LimitSettings limits) {
    return new ApiRoutes.Limits(messaging.apiLimiter(), limits.apiBurst(), limits.apiPerSecond(),
        limits.uploadMinBytesPerSecond(), limits.uploadRateWindow());
  }

  /**
   * The offline model computes for all of a run but its database calls, so its runs get one thread per CPU and the
   * carrier of the virtual threads (every HTTP request, health included) keeps its share; an LLM's runs mostly wait on
   * the endpoint, so each gets a thread, as many as may run at once.
   */
  static int runThreads(Settings settings) {
    int cpus = Runtime.getRuntime().availableProcessors();
    int runs = settings.pool().poolSize();
    return settings.llm().offline() ? Math.min(runs, cpus) : runs;
  }

  /** Which browser origins may open the chat socket and call the API. */
  static OriginPolicy origins(Settings settings) {
    return new OriginPolicy(settings.allowedOrigins(), settings.environment() == Environment.DEVELOPMENT);
  }
}

package ai.netra.boot;

import ai.netra.cache.LocalEventBus;
import ai.netra.cache.LocalRateLimiter;
import ai.netra.chat.ChatEndpoint;
import ai.netra.chat.ChatService;
import ai.netra.db.ChatRepository;
import ai.netra.http.ApiRoutes;
import ai.netra.startup.Step;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The WEBSOCKET phase: the event bus, the chat socket and API, and the self-test of the events' JSON. */
final class ChatSteps {

  private static final Logger log = LoggerFactory.getLogger(ChatSteps.class);

  private ChatSteps() { }

  /** In order: the chat needs the event bus. */
  static List<Step> websocket(Components components) {
    return List.of(
        Step.critical("event-bus", "event_bus").run(context -> {
          if (components.eventBus == null) { // Redis failed and was allowed to: one instance still works
            components.eventBus = new LocalEventBus();
            components.rateLimiter = new LocalRateLimiter(ChatEndpoint.MESSAGES_BURST, ChatEndpoint.MESSAGES_PER_SECOND);
            log.warn("Redis is unavailable: events reach only this instance's sockets until it returns and the service restarts");
            context.detail("DEGRADED to the in-process event bus: other instances do not see this one's events");
            return;
          }
          context.detail(components.eventBus.kind() + " event bus");
        }),
        Step.critical("chat-endpoint", "chat").run(context -> {
          if (components.database == null) { // allowed to run without a database: no chat, the rest serves
            context.detail("DEGRADED: no database, so the chat socket and the API answer 503");
            return;
          }
          ChatRepository chats = new ChatRepository(components.database.dataSource());
          components.chat = new ChatService(chats, components.eventBus, components.rateLimiter, components.agent);
          components.api = new ApiRoutes(components.tokens, chats, components.usageImport, components.origins);
          context.detail("/ws/chat and /ws over the " + components.eventBus.kind()
              + " event bus");
        }),
        Step.critical("serialization-self-test", "serialization").validation()
            .run(context -> context.detail(SelfChecks.serialization())));
  }
}

package ai.netra.boot;

import ai.netra.agent.Agent;
import ai.netra.agent.ToolRegistry;
import ai.netra.auth.Tokens;
import ai.netra.chat.ChatService;
import ai.netra.chat.OriginPolicy;
import ai.netra.config.Environment;
import ai.netra.cache.EventBus;
import ai.netra.cache.RateLimiter;
import ai.netra.cache.Redis;
import ai.netra.db.Database;
import ai.netra.db.EmbeddedPostgres;
import ai.netra.config.Settings;
import ai.netra.health.HealthMonitor;
import ai.netra.health.Readiness;
import ai.netra.llm.ChatModel;
import ai.netra.metrics.Metrics;
import ai.netra.usage.UsageImport;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the startup steps build, for the rest of the service to use, and what must be closed at
 * shutdown (last opened, first closed). Steps fill it; nothing else creates components.
 */
final class Components {

  private static final Logger log = LoggerFactory.getLogger(Components.class);

  final Settings settings;
  final HealthMonitor monitor;
  /** Which browser origins may open the chat socket and call the API. */
  final OriginPolicy origins;
  private final Deque<Closer> closers = new ArrayDeque<>();
  volatile int httpPort;
  volatile EmbeddedPostgres embeddedPostgres;
  volatile Database database;
  volatile Redis redis;
  volatile EventBus eventBus;
  volatile RateLimiter rateLimiter;
  volatile Tokens tokens;
  volatile ChatModel model;
  /** The offline model when LLM_FALLBACK=offline, else null. */
  volatile ChatModel fallback;
  volatile ToolRegistry tools;
  volatile Agent agent;
  volatile ChatService chat;
  volatile org.eclipse.jetty.server.Handler api;
  /** What /health/ready and /health/startup answer from; set before the start runs. */
  volatile Readiness readiness;
  /** The Prometheus registry, created once the service serves; null before, or if that failed. */
  volatile Metrics metrics;
  /** Usage uploads into llm_usage, checked against the price catalog; null without a database. */
  volatile UsageImport usageImport;

  private record Closer(String name, AutoCloseable resource) { }

  Components(Settings settings, HealthMonitor monitor) {
    this.settings = settings;
    this.monitor = monitor;
    this.origins = new OriginPolicy(settings.allowedOrigins(), settings.environment() == Environment.DEVELOPMENT);
  }

  /** Registers {@code resource} to be closed at shutdown, before everything registered earlier. */
  synchronized void closeAtShutdown(String name, AutoCloseable resource) {
    closers.push(new Closer(name, resource));
  }

  /** Closes everything registered, newest first, each given its share of {@code budget}; never throws. */
  void closeAll(Duration budget) {
    Deque<Closer> toClose;
    synchronized (this) {
      toClose = new ArrayDeque<>(closers);
      closers.clear();
    }
    long deadline = System.nanoTime() + budget.toNanos();
    for (Closer closer : toClose) {
      long left = deadline - System.nanoTime();
      try {
        CompletableFuture.runAsync(() -> {
          try {
            closer.resource().close();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }, Thread.ofVirtual()::start).get(Math.max(left, 1), TimeUnit.NANOSECONDS);
        log.info("closed {}", closer.name());
      } catch (Exception e) {
        log.warn("closing {} failed or took too long: {}", closer.name(), e.toString());
      }
    }
  }
}

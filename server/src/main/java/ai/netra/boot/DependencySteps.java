package ai.netra.boot;

import ai.netra.cache.LocalEventBus;
import ai.netra.cache.LocalRateLimiter;
import ai.netra.cache.Redis;
import ai.netra.cache.RedisEventBus;
import ai.netra.cache.RedisRateLimiter;
import ai.netra.chat.ChatEndpoint;
import ai.netra.config.DatabaseSettings;
import ai.netra.config.Settings;
import ai.netra.db.Database;
import ai.netra.db.EmbeddedPostgres;
import ai.netra.db.Migrations;
import ai.netra.db.PoolSizing;
import ai.netra.startup.ConfigurationException;
import ai.netra.startup.DependencyException;
import ai.netra.startup.Retry;
import ai.netra.startup.Step;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The DATABASE and CACHE phases: PostgreSQL (or the embedded one) and Redis (or in-process). */
final class DependencySteps {

  private static final Logger log = LoggerFactory.getLogger(DependencySteps.class);
  /** Connecting retries quickly at first (a cold Cloud SQL proxy), then backs off; never past the step's timeout. */
  static final Retry CONNECT_RETRY = Retry.untilTimeout(Duration.ofMillis(200), Duration.ofSeconds(3));

  private DependencySteps() { }

  static List<Step> database(Components components) {
    Settings settings = components.settings;
    boolean critical = !settings.startup().allowDegraded().contains("database");
    List<String> names = settings.database() == null ? List.of("DATABASE_URL", "POSTGRES_HOST", "NETRA_DATA_DIR")
        : settings.database().source().equals("DATABASE_URL") ? List.of("DATABASE_URL", "STARTUP_TIMEOUT_DATABASE_S")
        : List.of("POSTGRES_HOST", "POSTGRES_PORT", "POSTGRES_DB", "POSTGRES_USER", "STARTUP_TIMEOUT_DATABASE_S");
    List<Step> steps = new ArrayList<>();
    if (settings.embeddedDatabase()) {
      steps.add(Step.critical("embedded-postgres", "database").waits().settings("NETRA_DATA_DIR")
          .hint("the embedded database is for development; set DATABASE_URL to use a PostgreSQL server")
          .run(context -> {
            components.embeddedPostgres = EmbeddedPostgres.start(settings.dataDir(), context.remaining());
            components.closeAtShutdown("embedded PostgreSQL", components.embeddedPostgres);
            context.detail("embedded PostgreSQL on 127.0.0.1:" + components.embeddedPostgres.port() + ", data in "
                + settings.dataDir().resolve("postgres"));
          }));
    }
    Step.Builder connect = Step.critical("database", "database").settings(names).retry(CONNECT_RETRY);
    if (settings.database() != null && settings.database().host().startsWith("/cloudsql/")) {
      connect.expects(BackendPlan.CLOUD_SQL_EXPECTED);
    }
    steps.add(connect.run(context -> {
      DatabaseSettings target = settings.embeddedDatabase() ? requireEmbedded(components).settings() : settings.database();
      Database db = Database.connect(target, settings.pool(), context.remaining());
      components.database = db;
      components.closeAtShutdown("database pool", db);
      components.monitor.register(db.healthCheck(critical));
      context.detail("connected to " + target.describe() + "; pool " + settings.pool().poolSize() + " + "
          + settings.pool().maxOverflow() + " overflow");
    }));
    var migrations = new java.util.concurrent.atomic.AtomicReference<Migrations>();
    // Waits: for a pooled connection on a slow path, and for another instance's migration lock.
    steps.add(Step.critical("migrations", "database").waits().run(context -> {
      migrations.set(new Migrations(requireDatabase(components).dataSource(context.remaining())));
      context.detail(migrations.get().migrate());
    }));
    steps.add(Step.critical("schema-check", "database").validation().run(context -> {
      if (migrations.get() == null) {
        throw new DependencyException("the migrations did not run", "", List.of(), null);
      }
      context.detail(migrations.get().verify());
    }));
    steps.add(Step.critical("pool-sizing", "database").validation()
        .settings("DB_POOL_SIZE", "DB_POOL_MAX_OVERFLOW", "MAX_INSTANCES")
        .run(context -> {
          PoolSizing sizing = requireDatabase(components).sizing(settings.pool());
          if (!sizing.fits()) {
            if (settings.environment() != ai.netra.config.Environment.DEVELOPMENT) {
              throw new ConfigurationException("database pool sizing: " + sizing.describe(),
                  "size the pools so every instance fits the server's max_connections",
                  List.of("DB_POOL_SIZE", "DB_POOL_MAX_OVERFLOW", "MAX_INSTANCES"));
            }
            log.warn("database pool sizing (a warning in development, a failed start elsewhere): {}", sizing.describe());
            context.detail("WARNING: " + sizing.describe());
            return;
          }
          context.detail(sizing.describe());
        }));
    return steps;
  }

  static Step cache(Components components) {
    Settings settings = components.settings;
    boolean critical = !settings.startup().allowDegraded().contains("redis");
    return Step.critical("redis", "redis").settings("REDIS_URL", "STARTUP_TIMEOUT_REDIS_S").retry(CONNECT_RETRY)
        .run(context -> {
          if (settings.redisUrl() == null) {
            components.eventBus = new LocalEventBus();
            components.rateLimiter = new LocalRateLimiter(ChatEndpoint.MESSAGES_BURST, ChatEndpoint.MESSAGES_PER_SECOND);
            context.detail("in-process cache, rate limits and event bus (no REDIS_URL: one instance only)");
            return;
          }
          Redis redis = Redis.connect(settings.redisUrl(), settings.redisKeyPrefix(), context.remaining());
          components.redis = redis;
          components.closeAtShutdown("Redis", redis);
          components.eventBus = new RedisEventBus(redis);
          components.closeAtShutdown("Redis event bus", components.eventBus);
          components.rateLimiter = new RedisRateLimiter(redis, ChatEndpoint.MESSAGES_BURST, ChatEndpoint.MESSAGES_PER_SECOND);
          components.monitor.register(redis.healthCheck(critical));
          context.detail("Redis at " + redis + ": rate limits and the event bus are shared across instances");
        });
  }

  private static EmbeddedPostgres requireEmbedded(Components components) {
    if (components.embeddedPostgres == null) {
      throw new DependencyException("the embedded PostgreSQL did not start", "", List.of("NETRA_DATA_DIR"), null);
    }
    return components.embeddedPostgres;
  }

  private static Database requireDatabase(Components components) {
    if (components.database == null) {
      throw new DependencyException("the database is not connected (its step failed or runs degraded)", "",
          List.of(), null);
    }
    return components.database;
  }
}

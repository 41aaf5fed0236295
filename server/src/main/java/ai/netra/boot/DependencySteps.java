package ai.netra.boot;

import static ai.netra.config.SettingNames.DATABASE_URL;
import static ai.netra.config.SettingNames.DB_POOL_MAX_OVERFLOW;
import static ai.netra.config.SettingNames.DB_POOL_SIZE;
import static ai.netra.config.SettingNames.MAX_INSTANCES;
import static ai.netra.config.SettingNames.NETRA_DATA_DIR;
import static ai.netra.config.SettingNames.POSTGRES_DB;
import static ai.netra.config.SettingNames.POSTGRES_HOST;
import static ai.netra.config.SettingNames.POSTGRES_PORT;
import static ai.netra.config.SettingNames.POSTGRES_USER;
import static ai.netra.config.SettingNames.REDIS_URL;

import ai.netra.cache.LocalEventBus;
import ai.netra.cache.LocalRateLimiter;
import ai.netra.cache.Redis;
import ai.netra.cache.RedisEventBus;
import ai.netra.cache.RedisRateLimiter;
import ai.netra.chat.ChatLimits;
import ai.netra.config.DatabaseSettings;
import ai.netra.config.Environment;
import ai.netra.config.LimitSettings;
import ai.netra.config.SettingNames;
import ai.netra.config.Settings;
import ai.netra.db.Database;
import ai.netra.db.EmbeddedPostgres;
import ai.netra.db.Migrations;
import ai.netra.db.PoolSizing;
import ai.netra.startup.ConfigurationException;
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

  static List<Step> database(BackendPlan p) {
    Settings settings = p.settings;
    boolean critical = !settings.startup().allowDegraded().contains("database");
    List<String> names = settings.database() == null ? List.of(DATABASE_URL, POSTGRES_HOST, NETRA_DATA_DIR)
        : settings.database().source().equals(DATABASE_URL) ? List.of(DATABASE_URL, SettingNames.startupTimeout("database"))
        : List.of(POSTGRES_HOST, POSTGRES_PORT, POSTGRES_DB, POSTGRES_USER, SettingNames.startupTimeout("database"));
    List<Step> steps = new ArrayList<>();
    if (settings.embeddedDatabase()) {
      steps.add(Step.critical("embedded-postgres", "database").waits().settings(NETRA_DATA_DIR)
          .hint("the embedded database is for development; set DATABASE_URL to use a PostgreSQL server")
          .run(context -> {
            EmbeddedPostgres embedded = p.embeddedPostgres.set(p.resources.closeAtShutdown("embedded PostgreSQL",
                OpenDatabase.startEmbedded(settings, context.remaining())));
            context.detail("embedded PostgreSQL on the unix socket " + embedded.socket());
          }));
    }
    Step.Builder connect = Step.critical("database", "database").settings(names).retry(CONNECT_RETRY);
    if (settings.database() != null && settings.database().host().startsWith("/cloudsql/")) {
      connect.expects(BackendPlan.CLOUD_SQL_EXPECTED);
    }
    steps.add(connect.run(context -> {
      DatabaseSettings target = settings.embeddedDatabase() ? p.embeddedPostgres.require().settings() : settings.database();
      Database db = p.database.set(p.resources.closeAtShutdown("database pool",
          OpenDatabase.connect(target, settings.pool(), context.remaining())));
      p.monitor.register(db.healthCheck(critical));
      context.detail("connected to " + target.describe() + "; pool " + settings.pool().poolSize() + " + "
          + settings.pool().maxOverflow() + " overflow");
    }));
    // Waits: for a pooled connection on a slow path, and for another instance's migration lock.
    steps.add(Step.critical("migrations", "database").waits().run(context ->
        context.detail(p.migrations.set(new Migrations(p.database.require().dataSource(context.remaining()))).migrate())));
    steps.add(Step.critical("schema-check", "database").validation().run(context ->
        context.detail(p.migrations.require().verify())));
    steps.add(Step.critical("pool-sizing", "database").validation()
        .settings(DB_POOL_SIZE, DB_POOL_MAX_OVERFLOW, MAX_INSTANCES)
        .run(context -> {
          PoolSizing sizing = p.database.require().sizing(settings.pool());
          if (!sizing.fits()) {
            if (settings.environment() != Environment.DEVELOPMENT) {
              throw new ConfigurationException("database pool sizing: " + sizing.describe(),
                  "size the pools so every instance fits the server's max_connections",
                  List.of(DB_POOL_SIZE, DB_POOL_MAX_OVERFLOW, MAX_INSTANCES));
            }
            log.warn("database pool sizing (a warning in development, a failed start elsewhere): {}", sizing.describe());
            context.detail("WARNING: " + sizing.describe());
            return;
          }
          context.detail(sizing.describe());
        }));
    return steps;
  }

  static Step cache(BackendPlan p) {
    Settings settings = p.settings;
    boolean critical = !settings.startup().allowDegraded().contains("redis");
    return Step.critical("redis", "redis").settings(REDIS_URL, SettingNames.startupTimeout("redis")).retry(CONNECT_RETRY)
        .run(context -> {
          if (settings.redisUrl() == null) {
            p.sharedMessaging.set(local(settings));
            context.detail("in-process cache, rate limits and event bus (no REDIS_URL: one instance only)");
            return;
          }
          Redis redis = p.redis.set(p.resources.closeAtShutdown("Redis",
              Redis.connect(settings.redisUrl(), settings.redisKeyPrefix(), context.remaining())));
          LimitSettings limits = settings.limits();
          p.sharedMessaging.set(new BackendPlan.Messaging(p.resources.closeAtShutdown("Redis event bus", new RedisEventBus(redis)),
              new RedisRateLimiter(redis, ChatLimits.MESSAGES_BURST, ChatLimits.MESSAGES_PER_SECOND,
                  new LocalRateLimiter(ChatLimits.MESSAGES_BURST, ChatLimits.MESSAGES_PER_SECOND)),
              new RedisRateLimiter(redis, limits.apiBurst(), limits.apiPerSecond(),
                  new LocalRateLimiter(limits.apiBurst(), limits.apiPerSecond()))));
          p.monitor.register(redis.healthCheck(critical));
          context.detail("Redis at " + redis + ": rate limits and the event bus are shared across instances");
        });
  }

  /** This process's own event bus and rate limits: enough for one instance. */
  static BackendPlan.Messaging local(Settings settings) {
    LimitSettings limits = settings.limits();
    return new BackendPlan.Messaging(new LocalEventBus(),
        new LocalRateLimiter(ChatLimits.MESSAGES_BURST, ChatLimits.MESSAGES_PER_SECOND),
        new LocalRateLimiter(limits.apiBurst(), limits.apiPerSecond()));
  }
}

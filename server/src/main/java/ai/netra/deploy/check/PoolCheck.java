package ai.netra.deploy.check;

import static ai.netra.config.SettingNames.DATABASE_URL;
import static ai.netra.config.SettingNames.POSTGRES_PASSWORD;

import ai.netra.config.PoolSettings;
import ai.netra.config.Settings;
import ai.netra.db.Database;
import ai.netra.db.PoolSizing;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * Every instance's pool at its peak against the server's {@code max_connections}: the seed's
 * 20 + 30 overflow across 10 instances asked 500 connections of a server that allows 100.
 */
final class PoolCheck {

  /** PostgreSQL's default {@code superuser_reserved_connections}, assumed when the limit is given rather than read. */
  static final int DEFAULT_RESERVED = 3;
  /** How long asking the server may take: connect, login and one query. */
  static final Duration QUERY_TIMEOUT = Duration.ofSeconds(5);
  /** Above this share of max_connections a deploy of one more revision (old and new instances at once) can exhaust it. */
  static final double CROWDED = 0.8;

  private PoolCheck() { }

  /**
   * @param givenMax the server's max_connections from the command line, or null to use DB_MAX_CONNECTIONS or ask the server
   * @param progress told before anything slow starts
   */
  static List<Finding> run(DeployEnv env, Settings settings, Integer givenMax, Consumer<String> progress) {
    PoolSettings pool = settings.pool();
    if (settings.embeddedDatabase()) {
      return List.of(Finding.pass(Area.POOL, "embedded database (development, one instance): pool "
          + pool.poolSize() + " + " + pool.maxOverflow() + " overflow, sizing across instances not checked"));
    }
    PoolSizing sizing;
    String source;
    if (givenMax != null) {
      sizing = new PoolSizing(pool, givenMax, DEFAULT_RESERVED);
      source = "max_connections " + givenMax + " from --max-connections, " + DEFAULT_RESERVED + " reserved assumed";
    } else if (pool.serverMaxConnections() > 0) {
      sizing = new PoolSizing(pool, pool.serverMaxConnections(), DEFAULT_RESERVED);
      source = "max_connections " + pool.serverMaxConnections() + " from DB_MAX_CONNECTIONS, " + DEFAULT_RESERVED + " reserved assumed";
    } else if (env.ref(DATABASE_URL).isPresent() || env.ref(POSTGRES_PASSWORD).isPresent()) {
      return List.of(unknown("the database credentials are in Secret Manager, so the server is not asked from here"));
    } else if (settings.problems().stream().anyMatch(p -> p.settings().stream().anyMatch(
        n -> n.startsWith("POSTGRES_") || n.equals(DATABASE_URL)))) {
      return List.of(unknown("the database settings have problems (see settings)"));
    } else {
      progress.accept("asking " + settings.database().describe() + " for max_connections (up to "
          + QUERY_TIMEOUT.toSeconds() + " s) ...");
      try {
        sizing = Database.sizing(settings.database(), pool, QUERY_TIMEOUT);
      } catch (RuntimeException e) { // unreachable from here, or refused: judge nothing rather than guess
        progress.accept("  no answer: " + e.getMessage());
        return List.of(unknown("the server did not answer: " + e.getMessage()));
      }
      progress.accept("  max_connections " + sizing.maxConnections() + ", " + sizing.reserved() + " reserved for superusers");
      source = "max_connections " + sizing.maxConnections() + " read from the server, " + sizing.reserved() + " reserved";
    }
    return List.of(judge(sizing, source));
  }

  static Finding judge(PoolSizing sizing, String source) {
    String sum = sizing.describe() + " (" + source + ")";
    if (!sizing.fits()) {
      return Finding.fail(Area.POOL, sum, fix(sizing));
    }
    if (sizing.needed() > sizing.maxConnections() * CROWDED) {
      return Finding.warn(Area.POOL, sum + ": over " + Math.round(CROWDED * 100) + "% of the server's limit, so a rollout"
          + " (old and new revision running together) or an admin session can exhaust it", fix(sizing));
    }
    return Finding.pass(Area.POOL, sum);
  }

  /** The concrete change: the pool that fits at this many instances, or the instances that fit at this pool. */
  static String fix(PoolSizing sizing) {
    PoolSettings pool = sizing.pool();
    int fixed = sizing.needed() - pool.acrossInstances(); // reserved + headroom, whatever the pools do
    int capacity = (int) Math.floor((sizing.maxConnections() - fixed) * (sizing.fits() ? CROWDED : 1.0));
    int perInstance = capacity / pool.maxInstances();
    StringBuilder fix = new StringBuilder();
    if (perInstance >= 1) {
      int size = Math.min(pool.poolSize(), perInstance);
      fix.append("set DB_POOL_SIZE=").append(size).append(" and DB_POOL_MAX_OVERFLOW=").append(perInstance - size)
          .append(" (").append(perInstance).append(" per instance x MAX_INSTANCES ").append(pool.maxInstances()).append(")");
    }
    int instances = capacity / pool.perInstance();
    if (instances >= 1) {
      fix.append(fix.isEmpty() ? "set " : ", or ").append("MAX_INSTANCES=").append(instances).append(" at ")
          .append(pool.perInstance()).append(" per instance");
    }
    fix.append(fix.isEmpty() ? "" : ", or ").append("put a connection pooler (PgBouncer) in front, or raise max_connections");
    return fix.toString();
  }

  private static Finding unknown(String why) {
    return Finding.warn(Area.POOL, "max_connections unknown: " + why,
        "give --max-connections N (the server's SHOW max_connections) or set DB_MAX_CONNECTIONS");
  }
}

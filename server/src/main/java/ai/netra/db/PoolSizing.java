package ai.netra.db;

import ai.netra.config.PoolSettings;

/**
 * Whether every instance's pool at its peak fits the server's connection limit. The seed's 20 +
 * 30 overflow per instance across 10 instances asked for 500 connections of a server that allows 100.
 */
public record PoolSizing(PoolSettings pool, int maxConnections, int reserved) {

  /** Connections kept free for superusers (the server's own reserve) and for migrations and admin sessions. */
  static final int ADMIN_HEADROOM = 2;

  public int needed() {
    return pool.acrossInstances() + reserved + ADMIN_HEADROOM;
  }

  public boolean fits() {
    return needed() <= maxConnections;
  }

  /** One line for operators: the arithmetic, and what to change when it does not fit. */
  public String describe() {
    String sum = String.format("(DB_POOL_SIZE %d + DB_POOL_MAX_OVERFLOW %d) x MAX_INSTANCES %d + %d reserved + %d headroom = %d"
            + " of max_connections %d", pool.poolSize(), pool.maxOverflow(), pool.maxInstances(), reserved, ADMIN_HEADROOM,
        needed(), maxConnections);
    if (fits()) {
      return sum;
    }
    int perInstance = Math.max(1, (maxConnections - reserved - ADMIN_HEADROOM) / pool.maxInstances());
    return sum + ": the pools can exhaust the server; at most " + perInstance + " connections per instance fit"
        + " (lower DB_POOL_SIZE + DB_POOL_MAX_OVERFLOW or MAX_INSTANCES, or put a pooler in front)";
  }
}

package ai.netra.config;

/**
 * Database connection pool sizing across instances.
 *
 * @param serverMaxConnections the server's {@code max_connections} when given, else 0 (query it)
 */
public record PoolSettings(int poolSize, int maxOverflow, int maxInstances, int serverMaxConnections) {

  /** Connections one instance may hold at its peak. */
  public int perInstance() {
    return poolSize + maxOverflow;
  }

  /** Connections all instances may hold together at their peak. */
  public int acrossInstances() {
    return perInstance() * maxInstances;
  }
}

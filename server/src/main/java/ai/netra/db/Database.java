package ai.netra.db;

import ai.netra.config.DatabaseSettings;
import ai.netra.config.PoolSettings;
import ai.netra.health.HealthCheck;
import ai.netra.startup.ConfigurationException;
import ai.netra.startup.DependencyException;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.slf4j.LoggerFactory;

/**
 * The service's PostgreSQL: a connection pool that never blocks the start, and the checks the
 * startup plan and the health monitor run against it.
 *
 * <p>After an outage HikariCP waits up to 5 s between reconnection attempts (a fixed backoff), so
 * a database that is back would stay unused for seconds. The health check therefore probes the
 * server directly when the pool holds no connection, and when the server answers, replaces the
 * empty pool with a fresh one: readiness and the pool recover within one check.
 */
public final class Database implements AutoCloseable {

  private static final org.slf4j.Logger log = LoggerFactory.getLogger(Database.class);
  /** How long runtime code waits for a pooled connection before failing fast. */
  static final Duration BORROW_TIMEOUT = Duration.ofSeconds(2);
  /** Bounds every runtime read, so a black-holed database fails requests instead of hanging them. */
  static final Duration RUNTIME_READ_TIMEOUT = Duration.ofSeconds(30);
  /** The least bound on each new pooled connection (connect and login); slower paths get three times what they took. */
  static final Duration RUNTIME_CONNECT_TIMEOUT = Duration.ofSeconds(2);

  private final DatabaseSettings settings;
  private final HikariConfig config;
  private final int maxConnections;
  private final int reservedConnections;
  private final int servingMinimumIdle;
  private final DataSource handle = new Handle();
  private volatile HikariDataSource pool;
  private volatile boolean closed;
  /** Set by a failed check: only a pool that emptied during an outage is renewed, never a pool still filling up. */
  private volatile boolean outage;

  private Database(DatabaseSettings settings, HikariConfig config, int maxConnections, int reservedConnections,
      int servingMinimumIdle) {
    this.settings = settings;
    this.servingMinimumIdle = servingMinimumIdle;
    this.config = config;
    this.maxConnections = maxConnections;
    this.reservedConnections = reservedConnections;
    this.pool = new HikariDataSource(config);
  }

  /**
   * Connects once directly (bounded by {@code within}: connect, login and reads), proving the
   * database answers and the credentials work, then creates the pool without waiting on it.
   *
   * @throws ConfigurationException when the server answers but refuses the credentials or the database
   * @throws DependencyException when it does not answer within {@code within}
   */
  public static Database connect(DatabaseSettings settings, PoolSettings sizing, Duration within) {
    long probeStart = System.nanoTime();
    int[] limits = connectionLimits(settings, within);
    int maxConnections = limits[0];
    int reserved = limits[1];
    // A path that needed t to connect needs about t for every pooled connection too (a slow Cloud SQL
    // connector); a fast one gets a short bound so the pool notices a returning database soon.
    Duration probeTook = Duration.ofNanos(System.nanoTime() - probeStart);
    Duration connectBound = probeTook.multipliedBy(3).plusSeconds(1);
    connectBound = connectBound.compareTo(RUNTIME_CONNECT_TIMEOUT) < 0 ? RUNTIME_CONNECT_TIMEOUT
        : connectBound.compareTo(within) > 0 ? within : connectBound;
    JdbcTarget runtime = JdbcTarget.of(settings, connectBound, RUNTIME_READ_TIMEOUT);
    HikariConfig config = new HikariConfig();
    config.setPoolName("netra-db");
    config.setJdbcUrl(runtime.url());
    config.setDataSourceProperties(runtime.properties());
    config.setMaximumPoolSize(sizing.perInstance());
    // While starting, one idle connection: the steps use one at a time, and on one CPU filling the
    // pool (a few ms of driver work per connection, more while the JVM is cold) would delay the
    // start; serving() raises the floor to the pool size, which Hikari reaches on demand or at its
    // next housekeeping run (every 30 s), in the background.
    config.setMinimumIdle(1);
    // While the start runs, a borrow may take as long as the step may (a slow Cloud SQL path needs
    // seconds per connection); once serving, runtime code fails fast instead (see serving()).
    config.setConnectionTimeout(Math.max(BORROW_TIMEOUT.toMillis(), within.toMillis()));
    config.setValidationTimeout(Duration.ofSeconds(1).toMillis());
    config.setKeepaliveTime(Duration.ofMinutes(2).toMillis());
    // -1: do not connect while building the pool. Hikari's own fail-fast loop would retry on this
    // thread and could outlive the step's budget; the direct connection above already proved the path.
    config.setInitializationFailTimeout(-1);
    return new Database(settings, config, maxConnections, reserved, sizing.poolSize());
  }

  /**
   * Asks the server for its connection limits once, without a pool, every call bounded by
   * {@code within}: the pool sizing {@code netra check} judges before a deploy.
   *
   * @throws ConfigurationException when the server answers but refuses the credentials or the database
   * @throws DependencyException when it does not answer within {@code within}
   */
  public static PoolSizing sizing(DatabaseSettings settings, PoolSettings pool, Duration within) {
    int[] limits = connectionLimits(settings, within);
    return new PoolSizing(pool, limits[0], limits[1]);
  }

  /** {@code max_connections} and {@code superuser_reserved_connections}, read over one direct connection. */
  private static int[] connectionLimits(DatabaseSettings settings, Duration within) {
    JdbcTarget probe = JdbcTarget.of(settings, within, within);
    try (Connection c = DriverManager.getConnection(probe.url(), probe.properties()); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("select current_setting('max_connections')::int,"
            + " current_setting('superuser_reserved_connections')::int")) {
      rs.next();
      return new int[] {rs.getInt(1), rs.getInt(2)};
    } catch (SQLException e) {
      throw classify(settings, e);
    }
  }

  /** The start is over: from now on a borrow waits at most {@link #BORROW_TIMEOUT}, and the pool keeps its size idle. */
  public void serving() {
    config.setConnectionTimeout(BORROW_TIMEOUT.toMillis());
    config.setMinimumIdle(servingMinimumIdle);
    pool.getHikariConfigMXBean().setConnectionTimeout(BORROW_TIMEOUT.toMillis());
    pool.getHikariConfigMXBean().setMinimumIdle(servingMinimumIdle);
  }

  /** The current pool's connections right now: in use, idle, and borrowers waiting for one. */
  public record PoolStats(int active, int idle, int pending, int max) { }

  /** The current pool's counts, or null while Hikari has not started it. */
  public PoolStats poolStats() {
    var bean = pool.getHikariPoolMXBean();
    return bean == null ? null : new PoolStats(bean.getActiveConnections(), bean.getIdleConnections(),
        bean.getThreadsAwaitingConnection(), pool.getMaximumPoolSize());
  }

  /** Connections from the current pool; stays valid when the pool is replaced after an outage. */
  public DataSource dataSource() {
    return handle;
  }

  public DatabaseSettings settings() {
    return settings;
  }

  /**
   * A readiness check: borrow a connection and run {@code select 1}; when the pool holds no
   * connection at all, ask the server directly instead, and renew the pool once it answers.
   */
  public HealthCheck healthCheck(boolean critical) {
    return new HealthCheck() {
      @Override
      public String name() {
        return "database";
      }

      @Override
      public boolean critical() {
        return critical;
      }

      @Override
      public Result check(Duration timeout) throws SQLException {
        HikariDataSource current = pool;
        try {
          if (outage && current.getHikariPoolMXBean().getTotalConnections() == 0) {
            JdbcTarget direct = JdbcTarget.of(settings, timeout, timeout);
            try (Connection c = DriverManager.getConnection(direct.url(), direct.properties());
                Statement s = c.createStatement()) {
              s.execute("select 1");
            }
            renew(current);
            outage = false;
            return Result.healthy(settings.describe() + " answers again; the connection pool was renewed");
          }
          try (Connection c = current.getConnection(); Statement s = c.createStatement()) {
            // The check is never interrupted (that would close a pooled connection); its own read is
            // bounded instead. The pool restores the connection's usual timeout when it is returned.
            c.setNetworkTimeout(Runnable::run, (int) Math.max(1, timeout.toMillis()));
            s.setQueryTimeout((int) Math.max(1, timeout.toSeconds()));
            s.execute("select 1");
            outage = false;
            return Result.healthy(settings.describe() + " answers; pool active "
                + current.getHikariPoolMXBean().getActiveConnections() + ", idle "
                + current.getHikariPoolMXBean().getIdleConnections());
          }
        } catch (SQLException | RuntimeException e) {
          outage = true;
          throw e;
        }
      }
    };
  }

  /** Replaces {@code empty} (a pool with no connection, stuck in its reconnect backoff) with a fresh pool. */
  private synchronized void renew(HikariDataSource empty) {
    if (closed || pool != empty || empty.getHikariPoolMXBean().getTotalConnections() > 0) {
      return;
    }
    pool = new HikariDataSource(config);
    log.info("database {} answers again: replaced the empty connection pool", settings.describe());
    Thread.ofVirtual().start(empty::close);
  }

  /** The pool sizing against the server's {@code max_connections}, as read when connecting. */
  public PoolSizing sizing(PoolSettings sizing) {
    return new PoolSizing(sizing, maxConnections, reservedConnections);
  }

  @Override
  public synchronized void close() {
    closed = true;
    pool.close();
  }

  /** Wrong credentials or a missing database are configuration; anything else is the dependency. */
  private static RuntimeException classify(DatabaseSettings db, SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    List<String> names = db.source().equals("DATABASE_URL") ? List.of("DATABASE_URL")
        : List.of("POSTGRES_HOST", "POSTGRES_PORT", "POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD");
    if (state.startsWith("28") || state.equals("3D000")) {
      return new ConfigurationException("PostgreSQL at " + db.describe() + " refused the login: " + e.getMessage(),
          state.equals("3D000") ? "create database " + db.database() + " or fix the database name"
              : "check the user and password the service is given (Secret Manager version?)", names, e);
    }
    String where = db.unixSocket() ? "unix socket " + db.host() + "/.s.PGSQL." + db.port() : db.host() + ":" + db.port();
    return new DependencyException("PostgreSQL at " + where + " not reachable: " + e.getMessage(),
        db.host().startsWith("/cloudsql/")
            ? "check the Cloud SQL instance annotation (run.googleapis.com/cloudsql-instances) and that the instance runs"
            : "check that PostgreSQL runs at " + where + " and that this instance's network can reach it",
        names, e);
  }

  @Override
  public String toString() {
    return "Database[" + settings.describe() + "]";
  }

  /** The stable face of the pool that may be replaced. */
  private final class Handle implements DataSource {
    @Override
    public Connection getConnection() throws SQLException {
      return pool.getConnection();
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
      throw new SQLFeatureNotSupportedException("the pool's credentials are fixed");
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
      return pool.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
      pool.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
      pool.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
      return pool.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
      return pool.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
      return pool.unwrap(type);
    }

    @Override
    public boolean isWrapperFor(Class<?> type) throws SQLException {
      return pool.isWrapperFor(type);
    }
  }
}

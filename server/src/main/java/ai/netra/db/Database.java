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
  /**
   * What a statement on a request path (chat, REST) may take: the server cancels it after this, and
   * a black-holed database fails the read half a second later, so a request answers 503 within
   * {@link #BORROW_TIMEOUT} or this plus half a second, never later.
   */
  public static final Duration REQUEST_STATEMENTS = Duration.ofSeconds(2);
  /** What an agent tool's statement may take: tools read whole periods of usage. */
  public static final Duration TOOL_STATEMENTS = Duration.ofSeconds(15);
  /** What a usage import's statements may take: a COPY of the largest upload takes a few seconds. */
  public static final Duration IMPORT_STATEMENTS = Duration.ofSeconds(60);
  /** How much longer than its statement timeout a read may wait: the server's cancel comes first, with its reason. */
  private static final Duration READ_OVER_STATEMENT = Duration.ofMillis(500);
  /** Leaves the driver's own error to be seen before the step that called it runs out of time. */
  private static final Duration DRIVER_MARGIN = Duration.ofMillis(250);

  private final DatabaseSettings settings;
  private final HikariConfig config;
  private final int maxConnections;
  private final int reservedConnections;
  private final int servingMinimumIdle;
  private final DataSource requests = new Bounded(REQUEST_STATEMENTS);
  private volatile HikariDataSource pool;
  private volatile boolean closed;
  /** Set by a failed check: only a pool that emptied during an outage is renewed, never a pool still filling up. */
  private volatile boolean outage;
  /** How long a borrower waits for a connection: the step's time while starting, {@link #BORROW_TIMEOUT} once serving. */
  private volatile long borrowMillis;

  private Database(DatabaseSettings settings, HikariConfig config, HikariDataSource pool, int maxConnections,
      int reservedConnections, int servingMinimumIdle) {
    this.settings = settings;
    this.servingMinimumIdle = servingMinimumIdle;
    this.config = config;
    this.maxConnections = maxConnections;
    this.reservedConnections = reservedConnections;
    this.pool = pool;
    this.borrowMillis = config.getConnectionTimeout();
  }

  /**
   * Creates the pool, which opens its first connection in the background, and connects once
   * directly (every wait of the driver bounded by {@code within}), proving the database answers and
   * the credentials work.
   *
   * @throws ConfigurationException when the server answers but refuses the credentials or the database
   * @throws DependencyException when it does not answer within {@code within}
   */
  public static Database connect(DatabaseSettings settings, PoolSettings sizing, Duration within) {
    // Every wait of a pooled connection (connect, TLS, login) may take what the step may: a path slow
    // to its first byte (Cloud SQL over a VPC connector, 10-30 s) costs that for every new connection.
    // Borrowers bound their own reads afterwards (see Bounded), so this only bounds connecting.
    JdbcTarget pooled = JdbcTarget.of(settings, driverBound(within));
    HikariConfig config = new HikariConfig();
    config.setPoolName("netra-db");
    config.setJdbcUrl(pooled.url());
    config.setDataSourceProperties(pooled.properties());
    config.setMaximumPoolSize(sizing.perInstance());
    config.setConnectionInitSql(statementTimeout(REQUEST_STATEMENTS));
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
    // thread and could outlive the step's budget; the direct connection below proves the path.
    config.setInitializationFailTimeout(-1);
    // The pool opens its first connection in the background (Hikari's housekeeper, within 100 ms)
    // while the direct connection below proves the path: on a slow path the two waits overlap, and
    // the next step finds a connection ready instead of waiting as long again.
    HikariDataSource pool = new HikariDataSource(config);
    try {
      int[] limits = connectionLimits(settings, within);
      return new Database(settings, config, pool, limits[0], limits[1], sizing.poolSize());
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
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
    JdbcTarget probe = JdbcTarget.of(settings, driverBound(within));
    try (Connection c = DriverManager.getConnection(probe.url(), probe.properties()); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("select current_setting('max_connections')::int,"
            + " current_setting('superuser_reserved_connections')::int")) {
      rs.next();
      return new int[] {rs.getInt(1), rs.getInt(2)};
    } catch (SQLException e) {
      throw classify(settings, probe, e);
    }
  }

  /** A little less than {@code within}, so that the driver's own timeout, with its reason, ends an attempt first. */
  private static Duration driverBound(Duration within) {
    Duration bound = within.minus(DRIVER_MARGIN);
    return bound.compareTo(Duration.ofMillis(100)) < 0 ? Duration.ofMillis(100) : bound;
  }

  private static String statementTimeout(Duration d) {
    return "set statement_timeout = " + Math.max(1, d.toMillis());
  }

  /** The start is over: from now on a borrow waits at most {@link #BORROW_TIMEOUT}, and the pool keeps its size idle. */
  public void serving() {
    borrowMillis = BORROW_TIMEOUT.toMillis();
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

  /**
   * Connections for request paths (chat, REST): each statement ends within {@link #REQUEST_STATEMENTS}.
   * Stays valid when the pool is replaced after an outage.
   */
  public DataSource dataSource() {
    return requests;
  }

  /**
   * Connections whose statements may each take up to {@code statements} (agent tools, imports,
   * migrations); the pool's usual bound is restored when a connection is returned.
   */
  public DataSource dataSource(Duration statements) {
    return statements.equals(REQUEST_STATEMENTS) ? requests : new Bounded(statements);
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
            JdbcTarget direct = JdbcTarget.of(settings, timeout);
            try (Connection c = DriverManager.getConnection(direct.url(), direct.properties());
                Statement s = c.createStatement()) {
              s.execute("select 1");
            }
            renew(current);
            outage = false;
            return Result.healthy(settings.describe() + " answers again; the connection pool was renewed");
          }
          try (Connection c = borrow(current); Statement s = c.createStatement()) {
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

  /**
   * A connection from {@code from}, waiting at most {@link #borrowMillis}. Hikari reads a changed
   * connection timeout only at its next housekeeping run (every 30 s), so a borrower right after the
   * start would still wait the start's long timeout: the wait is passed on each borrow instead.
   */
  private Connection borrow(HikariDataSource from) throws SQLException {
    if (from.getHikariPoolMXBean() instanceof com.zaxxer.hikari.pool.HikariPool hikari) {
      return hikari.getConnection(borrowMillis);
    }
    return from.getConnection();
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
  private static RuntimeException classify(DatabaseSettings db, JdbcTarget target, SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    List<String> names = db.source().equals("DATABASE_URL") ? List.of("DATABASE_URL")
        : List.of("POSTGRES_HOST", "POSTGRES_PORT", "POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD");
    if (state.startsWith("28") || state.equals("3D000")) {
      return new ConfigurationException("PostgreSQL at " + db.describe() + " refused the login: " + e.getMessage(),
          state.equals("3D000") ? "create database " + db.database() + " or fix the database name"
              : "check the user and password the service is given (Secret Manager version?)", names, e);
    }
    String where = db.unixSocket() ? "unix socket " + db.host() + "/.s.PGSQL." + db.port() : db.host() + ":" + db.port();
    if (state.equals("08P01")) { // the driver's protocol violation: what answered there is not PostgreSQL
      return new DependencyException("PostgreSQL at " + where + " not reachable: something answered there, but not as"
          + " PostgreSQL does (the driver: " + e.getMessage() + ")",
          "check that " + where + " is PostgreSQL's address and port: another service, or a proxy that does not speak"
              + " PostgreSQL's protocol, listens there", names, e);
    }
    String described = DriverErrors.describe(e, target);
    String hint = db.host().startsWith("/cloudsql/")
        ? "check the Cloud SQL instance annotation (run.googleapis.com/cloudsql-instances) and that the instance runs"
        : described.startsWith("read timed out")
            ? "the connection was made but the answer did not come in time: a path slow to its first byte (Cloud SQL over"
                + " a VPC connector takes 10-30 s) needs STARTUP_TIMEOUT_DATABASE_S above its delay (netra simulate"
                + " --db-latency tries one); otherwise check that PostgreSQL at " + where + " is up and not overloaded"
            : "check that PostgreSQL runs at " + where + " and that this instance's network can reach it";
    return new DependencyException("PostgreSQL at " + where + " not reachable: " + described, hint, names, e);
  }

  @Override
  public String toString() {
    return "Database[" + settings.describe() + "]";
  }

  /**
   * The stable face of the pool that may be replaced, for borrowers whose statements each get
   * {@code statements}: the server cancels a longer one, and a read waits at most half a second more,
   * so a black-holed database fails the borrower instead of holding it.
   */
  private final class Bounded implements DataSource {
    private final Duration statements;
    private final int readMillis;

    Bounded(Duration statements) {
      this.statements = statements;
      this.readMillis = (int) statements.plus(READ_OVER_STATEMENT).toMillis();
    }

    @Override
    public Connection getConnection() throws SQLException {
      Connection c = borrow(pool);
      try {
        c.setNetworkTimeout(Runnable::run, readMillis); // the pool restores its own when the connection returns
        if (statements.equals(REQUEST_STATEMENTS)) {
          return c; // the pool's connections start with this bound (connectionInitSql)
        }
        try (Statement s = c.createStatement()) {
          s.execute(statementTimeout(statements));
        }
        return restoringOnClose(c);
      } catch (SQLException | RuntimeException e) {
        c.close();
        throw e;
      }
    }

    /** {@code c}, whose close first gives the connection the request bound back for its next borrower. */
    private Connection restoringOnClose(Connection c) {
      return (Connection) java.lang.reflect.Proxy.newProxyInstance(Connection.class.getClassLoader(),
          new Class<?>[] {Connection.class}, (proxy, method, args) -> {
            if (method.getName().equals("close") && method.getParameterCount() == 0 && !c.isClosed()) {
              try (Statement s = c.createStatement()) {
                s.execute(statementTimeout(REQUEST_STATEMENTS));
              } catch (SQLException e) {
                log.debug("restoring the statement timeout failed; the pool discards a broken connection: {}", e.toString());
              }
            }
            try {
              return method.invoke(c, args);
            } catch (java.lang.reflect.InvocationTargetException e) {
              throw e.getCause();
            }
          });
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

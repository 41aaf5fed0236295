package ai.netra.cache;

import ai.netra.health.HealthCheck;
import ai.netra.startup.ConfigurationException;
import ai.netra.startup.DependencyException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.PooledObjectFactory;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.DefaultJedisSocketFactory;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.providers.PooledConnectionProvider;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The connection to Redis ({@code REDIS_URL}, {@code rediss://} for TLS), every call bounded by a
 * socket timeout, and every key and channel under one prefix so runs and tenants never collide.
 *
 * <p>Setting up a connection and running a command have different bounds. A new connection (TCP
 * connect, TLS, the handshake and a first PING) may take as long as the path needs: while starting,
 * whatever the step has left; once serving, three times what the first connection took (at least
 * {@link #RUNTIME_TIMEOUT}), so a path slow to its first byte (a VPC connector waking up) still
 * connects. Every command on an established connection is bounded by {@link #RUNTIME_TIMEOUT}.
 */
public final class Redis implements AutoCloseable {

  /** Runtime calls fail after this instead of hanging on a black-holed path. */
  static final Duration RUNTIME_TIMEOUT = Duration.ofSeconds(2);
  /** Leaves Jedis's own error to be seen before the step that called it runs out of time. */
  private static final Duration DRIVER_MARGIN = Duration.ofMillis(250);

  private final LongAdder errors = new LongAdder();
  private final DefaultJedisClientConfig.Builder settings;
  private final HostAndPort address;
  private final boolean tls;
  private final String prefix;
  /** How long a new connection may take to answer its first PING; see the class comment. */
  private volatile Duration setupBound;
  private final Client client;
  private final PooledConnectionProvider connections;

  private Redis(DefaultJedisClientConfig.Builder settings, HostAndPort address, boolean tls, String prefix,
      Duration setupBound) {
    this.settings = settings;
    this.address = address;
    this.tls = tls;
    this.prefix = prefix;
    this.setupBound = setupBound;
    GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
    pool.setMaxTotal(32);
    pool.setMaxWait(RUNTIME_TIMEOUT); // borrowing never waits forever either
    pool.setJmxEnabled(false);
    this.connections = new PooledConnectionProvider(new Connections(), pool);
    this.client = new Client(connections);
  }

  /**
   * The pooled client, told the protocol up front: without it, Jedis borrows a connection while it
   * is built to ask the server which protocol it speaks, a hidden wait as long as a whole setup on a
   * slow path (and a second one when that fails).
   */
  static final class Client extends UnifiedJedis {
    Client(PooledConnectionProvider connections) {
      super(connections, RedisProtocol.RESP2);
    }
  }

  /**
   * Connects and answers a PING within {@code within}.
   *
   * @throws ConfigurationException when Redis refuses the credentials
   * @throws DependencyException when it does not answer in time
   */
  public static Redis connect(String url, String prefix, Duration within) {
    URI uri = URI.create(url);
    HostAndPort address = new HostAndPort(uri.getHost(), uri.getPort() > 0 ? uri.getPort() : 6379);
    boolean tls = "rediss".equals(uri.getScheme());
    DefaultJedisClientConfig.Builder builder = DefaultJedisClientConfig.builder()
        .ssl(tls)
        .clientName("netra")
        // Jedis also sends CLIENT SETINFO on every new connection, which servers before Redis 7.2 refuse:
        // two wasted round trips and exceptions per connection. The client name above is what operators see.
        .clientSetInfoConfig(ClientSetInfoConfig.DISABLED);
    if (uri.getRawUserInfo() != null) {
      String[] parts = uri.getRawUserInfo().split(":", 2);
      if (!parts[0].isEmpty()) {
        builder.user(URLDecoder.decode(parts[0], StandardCharsets.UTF_8));
      }
      if (parts.length > 1) {
        builder.password(URLDecoder.decode(parts[1], StandardCharsets.UTF_8));
      }
    }
    if (uri.getPath() != null && uri.getPath().length() > 1) {
      builder.database(Integer.parseInt(uri.getPath().substring(1)));
    }
    Duration first = within.minus(DRIVER_MARGIN);
    Redis redis = new Redis(builder, address, tls, prefix, first.compareTo(Duration.ofMillis(100)) < 0 ? Duration.ofMillis(100) : first);
    long started = System.nanoTime();
    // Directly, not through the pool: a failed create inside the pool's borrow can cost the wait twice.
    try (Connection probe = redis.newConnection()) {
      probe.ping();
    } catch (JedisException e) {
      redis.close();
      throw redis.failure(e);
    } catch (RuntimeException e) {
      redis.close();
      throw e;
    }
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    Duration later = took.multipliedBy(3).plusSeconds(1);
    redis.setupBound = later.compareTo(RUNTIME_TIMEOUT) < 0 ? RUNTIME_TIMEOUT : later.compareTo(within) > 0 ? within : later;
    // The pool's first connection, made in the background: on a slow path the first command after the
    // start would otherwise wait for a whole setup.
    Thread.ofVirtual().name("redis-pool-warm").start(() -> {
      try {
        redis.connections.getPool().addObject();
      } catch (Exception e) {
        redis.failed(); // the first command makes one itself
      }
    });
    return redis;
  }

  /** A new connection outside the pool (for a subscriber), set up under the same bound as the pool's. */
  Jedis openConnection() {
    return new Jedis(newConnection());
  }

  /** Connects, answers a first PING within {@link #setupBound}, then bounds each command by {@link #RUNTIME_TIMEOUT}. */
  private Connection newConnection() {
    int setupMillis = (int) Math.max(1, setupBound.toMillis());
    JedisClientConfig setup;
    synchronized (settings) { // one builder, shared by the threads that open connections
      setup = settings.connectionTimeoutMillis(setupMillis).socketTimeoutMillis(setupMillis).build();
    }
    Connection connection = new Connection(new DefaultJedisSocketFactory(address, setup), setup);
    try {
      connection.ping(); // the first answer of a slow path arrives here, under the setup bound
      connection.setSoTimeout((int) RUNTIME_TIMEOUT.toMillis());
      return connection;
    } catch (RuntimeException e) {
      connection.close();
      throw e;
    }
  }

  /** The pool's connections, made by {@link #newConnection()}. */
  private final class Connections implements PooledObjectFactory<Connection> {
    @Override
    public PooledObject<Connection> makeObject() {
      return new DefaultPooledObject<>(newConnection());
    }

    @Override
    public void destroyObject(PooledObject<Connection> p) {
      p.getObject().close();
    }

    @Override
    public boolean validateObject(PooledObject<Connection> p) {
      return p.getObject().isConnected() && !p.getObject().isBroken();
    }

    @Override
    public void activateObject(PooledObject<Connection> p) { }

    @Override
    public void passivateObject(PooledObject<Connection> p) { }
  }

  /** Commands that failed (no answer, refused) since start, for the metrics. */
  public long errors() {
    return errors.sum();
  }

  /** Counts a failed command; callers still handle the failure themselves. */
  void failed() {
    errors.increment();
  }

  /** PING; throws when Redis does not answer PONG. */
  public String ping() {
    try {
      String answer = client.ping();
      if (!"PONG".equals(answer)) {
        throw new DependencyException("Redis at " + address + " answered '" + answer + "' to PING", "", List.of("REDIS_URL"), null);
      }
      return "PING answered by " + address;
    } catch (JedisException e) {
      throw failure(e);
    }
  }

  /** {@code e} as the start and the health check report it: wrong credentials are configuration, the rest the dependency. */
  private RuntimeException failure(JedisException e) {
    failed();
    if (e instanceof JedisAccessControlException) {
      return new ConfigurationException("Redis at " + address + " refused the credentials: " + e.getMessage(),
          "check the user and password in REDIS_URL", List.of("REDIS_URL"), e);
    }
    String described = describe(e);
    return new DependencyException("Redis at " + address + " not reachable: " + described,
        described.startsWith("read timed out")
            ? "the connection was made but the answer did not come in time: a path slow to its first byte (a VPC"
                + " connector) needs STARTUP_TIMEOUT_REDIS_S above its delay (netra simulate --redis-latency tries one);"
                + " otherwise check that Redis at " + address + " is up and not overloaded"
            : "check that Redis runs at " + address + " and that this instance's network (VPC connector) reaches it",
        List.of("REDIS_URL"), e);
  }

  /** Which wait ended a failed call, in words. */
  private String describe(JedisException e) {
    for (Throwable t : causes(e)) {
      if (t instanceof java.net.SocketTimeoutException timeout) {
        boolean connecting = String.valueOf(timeout.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("connect");
        return (connecting ? "no TCP connection within " : "read timed out after ")
            + String.format(java.util.Locale.ROOT, "%.1f s", setupBound.toMillis() / 1000.0)
            + (connecting ? "" : " waiting for the answer to a new connection's first command (or a command after "
                + RUNTIME_TIMEOUT.toSeconds() + " s)");
      }
      if (t instanceof java.net.ConnectException) {
        return "the connection was refused (" + t.getMessage() + ")";
      }
      if (t instanceof java.net.UnknownHostException) {
        return "the host name does not resolve (" + t.getMessage() + ")";
      }
    }
    if (String.valueOf(e.getMessage()).contains("Unexpected end of stream")) {
      // Jedis read the end of the connection where an answer should be.
      return "the server closed the connection without answering: either it is not Redis, or it accepts only TLS"
          + (tls ? "" : " (then use rediss:// in REDIS_URL)") + " (the client: " + e.getMessage() + ")";
    }
    return e.getMessage();
  }

  /**
   * {@code e}, its causes and what each suppressed, in that order: Jedis reports a failed connect as
   * "Failed to connect to host:port." and keeps why (refused, timed out) as a suppressed exception.
   */
  private static List<Throwable> causes(Throwable e) {
    List<Throwable> all = new java.util.ArrayList<>();
    for (Throwable t = e; t != null && !all.contains(t); t = t.getCause()) {
      all.add(t);
      all.addAll(List.of(t.getSuppressed()));
    }
    return all;
  }

  /** A readiness check that PINGs. */
  public HealthCheck healthCheck(boolean critical) {
    return new HealthCheck() {
      @Override
      public String name() {
        return "redis";
      }

      @Override
      public boolean critical() {
        return critical;
      }

      @Override
      public Result check(Duration timeout) {
        return Result.healthy(ping());
      }
    };
  }

  UnifiedJedis client() {
    return client;
  }

  HostAndPort address() {
    return address;
  }

  /** {@code name} under this service's prefix. */
  public String key(String name) {
    return prefix + name;
  }

  public String prefix() {
    return prefix;
  }

  @Override
  public void close() {
    client.close();
  }

  @Override
  public String toString() {
    return "Redis[" + address + ", prefix " + prefix + "]";
  }
}

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
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The connection to Redis ({@code REDIS_URL}, {@code rediss://} for TLS), every call bounded by a
 * socket timeout, and every key and channel under one prefix so runs and tenants never collide.
 */
public final class Redis implements AutoCloseable {

  /** Runtime calls fail after this instead of hanging on a black-holed path. */
  static final Duration RUNTIME_TIMEOUT = Duration.ofSeconds(2);

  private final LongAdder errors = new LongAdder();
  private final JedisPooled client;
  private final JedisClientConfig config;
  private final HostAndPort address;
  private final String prefix;

  private Redis(JedisPooled client, JedisClientConfig config, HostAndPort address, String prefix) {
    this.client = client;
    this.config = config;
    this.address = address;
    this.prefix = prefix;
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
    DefaultJedisClientConfig.Builder builder = DefaultJedisClientConfig.builder()
        .connectionTimeoutMillis((int) Math.min(RUNTIME_TIMEOUT.toMillis(), Math.max(1, within.toMillis())))
        .socketTimeoutMillis((int) RUNTIME_TIMEOUT.toMillis())
        .ssl("rediss".equals(uri.getScheme()))
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
    JedisClientConfig config = builder.build();
    GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
    pool.setMaxTotal(32);
    pool.setMaxWait(RUNTIME_TIMEOUT); // borrowing never waits forever either
    pool.setJmxEnabled(false);
    JedisPooled client = new JedisPooled(address, config, pool);
    Redis redis = new Redis(client, config, address, prefix);
    try {
      redis.ping();
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
    return redis;
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
    } catch (JedisAccessControlException e) {
      failed();
      throw new ConfigurationException("Redis at " + address + " refused the credentials: " + e.getMessage(),
          "check the user and password in REDIS_URL", List.of("REDIS_URL"), e);
    } catch (JedisException e) {
      failed();
      throw new DependencyException("Redis at " + address + " not reachable: " + e.getMessage(),
          "check that Redis runs at " + address + " and that this instance's network (VPC connector) reaches it",
          List.of("REDIS_URL"), e);
    }
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

  JedisPooled client() {
    return client;
  }

  JedisClientConfig config() {
    return config;
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

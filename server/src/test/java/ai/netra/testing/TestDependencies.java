package ai.netra.testing;

import ai.netra.db.EmbeddedPostgres;
import com.zaxxer.hikari.HikariConfig;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Assumptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;

/**
 * The real PostgreSQL and Redis the tests talk to: the machine's own when they answer on their
 * usual ports, otherwise an embedded PostgreSQL and a {@code redis-server} started here. Every test
 * run gets its own database and its own Redis key prefix, so runs never collide.
 */
public final class TestDependencies {

  /** One id per test JVM: names this run's database and key prefix. */
  public static final String RUN = UUID.randomUUID().toString().substring(0, 8);

  private static String postgresUrl;
  private static int postgresPort;
  private static String redisUrl;
  private static boolean redisLooked;

  private TestDependencies() { }

  /** {@code host:port} of the PostgreSQL server in use. */
  public static synchronized int postgresPort() {
    postgresUrl();
    return postgresPort;
  }

  /** A DATABASE_URL for this run's own database, created on first use. */
  public static synchronized String postgresUrl() {
    if (postgresUrl == null) {
      String database = "netra_test_" + RUN;
      int port = 5432;
      if (!answers("127.0.0.1", 5432)) {
        // No PostgreSQL here: the embedded one, which for tests also listens on a loopback port it trusts.
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
          port = free.getLocalPort();
        } catch (IOException e) {
          throw new IllegalStateException("no free loopback port for the embedded PostgreSQL", e);
        }
        try {
          Path folder = Files.createTempDirectory("netra-test-pg", java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
              java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"))); // reachable by nobody when root
          EmbeddedPostgres embedded = EmbeddedPostgres.startTrustingLoopback(folder, Duration.ofSeconds(120), port);
          Runtime.getRuntime().addShutdownHook(new Thread(embedded::close));
        } catch (IOException | InterruptedException e) {
          throw new IllegalStateException("no PostgreSQL on 127.0.0.1:5432 and the embedded one did not start", e);
        }
      }
      try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres");
          Statement s = c.createStatement()) {
        s.execute("create database " + database);
      } catch (SQLException e) {
        throw new IllegalStateException("cannot create the test database " + database + ": " + e.getMessage(), e);
      }
      int dropPort = port;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> drop(dropPort, database)));
      postgresPort = port;
      postgresUrl = "postgres://postgres@127.0.0.1:" + port + "/" + database;
    }
    return postgresUrl;
  }

  /** A new, empty database on the same server, for a test that needs one to itself. */
  public static String freshDatabaseUrl(String purpose) {
    postgresUrl();
    String database = ("netra_test_" + RUN + "_" + purpose).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + postgresPort + "/postgres?user=postgres");
        Statement s = c.createStatement()) {
      s.execute("drop database if exists " + database + " with (force)");
      s.execute("create database " + database);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create database " + database + ": " + e.getMessage(), e);
    }
    int port = postgresPort;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> drop(port, database)));
    return "postgres://postgres@127.0.0.1:" + postgresPort + "/" + database;
  }

  /**
   * A connection pool's settings for a new, empty database of its own ({@link #freshDatabaseUrl}):
   * callers add what they need, then open it with {@code new HikariDataSource(config)}.
   */
  public static HikariConfig freshDatabasePool(String purpose, int maxPoolSize) {
    URI url = URI.create(freshDatabaseUrl(purpose));
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl("jdbc:postgresql://" + url.getHost() + ":" + url.getPort() + url.getPath());
    config.setUsername(url.getUserInfo());
    config.setMaximumPoolSize(maxPoolSize);
    config.setConnectionTimeout(10_000);
    return config;
  }

  /** True on a CI machine ({@code CI=true}), where a test that cannot get what it needs fails instead of skipping. */
  public static boolean onCi() {
    return "true".equalsIgnoreCase(System.getenv("CI"));
  }

  /**
   * This run's REDIS_URL for a test that cannot do without Redis. Without one (no Redis on 6379 and no
   * {@code redis-server} to start) the test fails where {@code CI=true}, and is skipped, saying so, elsewhere.
   */
  public static String requireRedis() {
    String url = redisUrl();
    if (url == null) {
      String why = "needs Redis: none answers on 127.0.0.1:6379 and no redis-server is installed to start one"
          + " (.ci/run installs and starts it; by hand: apt-get install redis-server)";
      if (onCi()) {
        throw new AssertionError(why);
      }
      Assumptions.abort(why);
    }
    return url;
  }

  /** A REDIS_URL, or null when there is no Redis and no {@code redis-server} to start. */
  public static synchronized String redisUrl() {
    if (!redisLooked) {
      redisLooked = true;
      if (pingsRedis(6379)) {
        redisUrl = "redis://127.0.0.1:6379";
      } else {
        redisUrl = startRedis();
      }
    }
    return redisUrl;
  }

  /** This run's key prefix; a test may add its own part. */
  public static String redisPrefix(String test) {
    return "netra-test-" + RUN + "-" + test + ":";
  }

  private static String startRedis() {
    try {
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      Process redis = new ProcessBuilder("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
          "--save", "", "--appendonly", "no").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      Runtime.getRuntime().addShutdownHook(new Thread(redis::destroy));
      try {
        Awaitility.await("redis-server answering on " + port).atMost(Duration.ofSeconds(10))
            .pollInterval(Duration.ofMillis(50)).until(() -> pingsRedis(port));
        return "redis://127.0.0.1:" + port;
      } catch (ConditionTimeoutException e) {
        redis.destroyForcibly();
        return null;
      }
    } catch (IOException e) {
      return null; // no redis-server installed: see requireRedis
    }
  }

  private static boolean pingsRedis(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 500);
      s.setSoTimeout(1000);
      OutputStream out = s.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      return new String(in.readNBytes(5), StandardCharsets.US_ASCII).equals("+PONG");
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean answers(String host, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void drop(int port, String database) {
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres");
        Statement s = c.createStatement()) {
      s.execute("drop database if exists " + database + " with (force)");
    } catch (SQLException e) {
      // the server may already be gone at JVM exit
    }
  }
}

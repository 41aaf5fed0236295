package ai.netra.deploy.simulate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DependencyRoutesTest {

  @Test
  void databaseUrlKeepsUserPasswordDatabaseAndParametersAndOnlyItsHostChanges() {
    assertThat(DependencyRoutes.databaseUrlThrough("postgres://app:s%40cr%2Ft@db.internal:6432/netra?sslmode=require", 40001))
        .isEqualTo("postgres://app:s%40cr%2Ft@127.0.0.1:40001/netra?sslmode=require");
    assertThat(DependencyRoutes.databaseUrlThrough("postgresql://app@10.0.0.2/netra", 40001))
        .as("no port: the default 5432 was meant").isEqualTo("postgresql://app@127.0.0.1:40001/netra");
    assertThat(DependencyRoutes.databaseUrlThrough("jdbc:postgresql://[fd00::2]:5432/netra?user=app&password=x", 40001))
        .isEqualTo("jdbc:postgresql://127.0.0.1:40001/netra?user=app&password=x");
    assertThat(DependencyRoutes.databaseUrlThrough("postgres://app:pw@/netra?host=10.1.2.3&sslmode=disable", 40001))
        .as("a host given as a parameter moves into the authority").isEqualTo("postgres://app:pw@127.0.0.1:40001/netra?sslmode=disable");
  }

  @Test
  void redisUrlKeepsCredentialsAndDatabase() {
    assertThat(DependencyRoutes.redisUrlThrough("rediss://default:p%2Fw@redis.internal:6380/2", 40002))
        .isEqualTo("rediss://default:p%2Fw@127.0.0.1:40002/2");
    assertThat(DependencyRoutes.redisUrlThrough("redis://10.0.0.3", 40002)).isEqualTo("redis://127.0.0.1:40002");
  }

  @Test
  void tcpDependenciesAreRoutedThroughProxiesAndTheServiceEnvironmentPointsAtThem() {
    Map<String, String> env = Map.of("NETRA_ENV", "staging", "DATABASE_URL", "postgres://app:pw@127.0.0.1:5999/netra",
        "REDIS_URL", "redis://127.0.0.1:6999");
    try (DependencyRoutes routes = DependencyRoutes.open(env, Duration.ofSeconds(20), Duration.ZERO)) {
      assertThat(routes.routes()).extracting(DependencyRoutes.Route::component).containsExactly("database", "redis");
      DependencyRoutes.Route db = routes.routes().getFirst();
      assertThat(db.upstream()).isEqualTo("127.0.0.1:5999");
      assertThat(db.latency()).isEqualTo(Duration.ofSeconds(20));
      assertThat(routes.env().get("DATABASE_URL")).isEqualTo("postgres://app:pw@127.0.0.1:" + db.proxyPort() + "/netra");
      assertThat(routes.env().get("REDIS_URL")).isEqualTo("redis://127.0.0.1:" + routes.routes().get(1).proxyPort());
      assertThat(db.describe()).as("a route is safe to print").doesNotContain("pw").contains("+20 s per new connection");
      assertThat(routes.notes()).isEmpty();
    }
  }

  @Test
  void postgresPartsAreRewrittenInPlace() {
    Map<String, String> env = Map.of("POSTGRES_HOST", "db.internal", "POSTGRES_PORT", "6432", "POSTGRES_DB", "netra",
        "POSTGRES_USER", "app");
    try (DependencyRoutes routes = DependencyRoutes.open(env, Duration.ZERO, Duration.ZERO)) {
      assertThat(routes.env()).containsEntry("POSTGRES_HOST", "127.0.0.1")
          .containsEntry("POSTGRES_PORT", String.valueOf(routes.routes().getFirst().proxyPort()));
      assertThat(routes.routes().getFirst().upstream()).isEqualTo("db.internal:6432");
    }
  }

  @Test
  void aUnixSocketDatabaseAndTheEmbeddedOneCannotBeProxiedAndSaySo() {
    Map<String, String> socket = Map.of("POSTGRES_HOST", "/cloudsql/p:r:i", "POSTGRES_DB", "netra", "POSTGRES_USER", "app");
    try (DependencyRoutes routes = DependencyRoutes.open(socket, Duration.ofSeconds(20), Duration.ZERO)) {
      assertThat(routes.routes()).isEmpty();
      assertThat(routes.env()).containsEntry("POSTGRES_HOST", "/cloudsql/p:r:i");
      assertThat(routes.notes()).anySatisfy(n -> assertThat(n).contains("unix socket", "--db-latency 20 s is NOT applied"));
    }
    try (DependencyRoutes routes = DependencyRoutes.open(Map.of(), Duration.ofSeconds(5), Duration.ofSeconds(1))) {
      assertThat(routes.notes()).anySatisfy(n -> assertThat(n).contains("embedded", "--db-latency 5 s is NOT applied",
              "set DATABASE_URL"))
          .anySatisfy(n -> assertThat(n).contains("redis: none configured", "--redis-latency 1 s is NOT applied",
              "set REDIS_URL"));
    }
  }

  @Test
  void aDependencyThatRefusesIsRefusedThroughItsProxyTooUntilItListensAndIsNamedByItsOwnAddress() throws Exception {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    int upstream;
    try (ServerSocket s = new ServerSocket(0, 1, loopback)) {
      upstream = s.getLocalPort(); // free once closed: connects to it are refused
    }
    Map<String, String> env = Map.of("DATABASE_URL", "postgres://app@127.0.0.1:" + upstream + "/netra");
    try (DependencyRoutes routes = DependencyRoutes.open(env, Duration.ZERO, Duration.ZERO)) {
      int proxy = routes.routes().getFirst().proxyPort();
      assertThatThrownBy(() -> new Socket(loopback, proxy).close())
          .as("refused, as the service would be without the proxy; not accepted and closed, which reads like another server")
          .isInstanceOf(ConnectException.class);
      assertThat(routes.unreachable()).singleElement().asString()
          .startsWith("database: 127.0.0.1:" + upstream + " refused connections from this machine (");

      try (ServerSocket started = new ServerSocket()) {
        started.setReuseAddress(true);
        started.bind(new InetSocketAddress(loopback, upstream));
        started.setSoTimeout(10_000);
        try (Socket client = connectWithin(loopback, proxy, Duration.ofSeconds(10))) {
          client.getOutputStream().write(42);
          int received = -1;
          while (received == -1) { // the probe that found it listening came first, and closed without a byte
            try (Socket forwarded = started.accept()) {
              received = forwarded.getInputStream().read();
            }
          }
          assertThat(received).isEqualTo(42);
        }
      }

      assertThat(routes.unproxied("PostgreSQL at 127.0.0.1:" + proxy + " not reachable; check localhost:" + proxy))
          .isEqualTo("PostgreSQL at 127.0.0.1:" + upstream + " not reachable; check 127.0.0.1:" + upstream);
      assertThat(routes.unproxied("port 127.0.0.1:" + proxy + "1 and 10.127.0.0.1:" + proxy))
          .as("only the proxy's own address").isEqualTo("port 127.0.0.1:" + proxy + "1 and 10.127.0.0.1:" + proxy);
    }
  }

  /** A connection to {@code port}, tried until it is no longer refused. */
  private static Socket connectWithin(InetAddress host, int port, Duration limit) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      try {
        return new Socket(host, port);
      } catch (ConnectException refused) {
        assertThat(System.nanoTime()).as("the proxy forwards again once the dependency listens").isLessThan(deadline);
        Thread.sleep(50);
      }
    }
  }
}

package ai.netra.deploy.simulate;

import ai.netra.config.DatabaseSettings;
import ai.netra.config.Settings;
import ai.netra.deploy.DurationText;
import ai.netra.deploy.net.FaultProxy;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;

/**
 * The service's PostgreSQL and Redis reached through latency proxies on this machine: the
 * environment the service gets, rewritten to point at the proxies, and the proxies themselves,
 * which add the latency before each new connection (the shape of the Cloud SQL path that took
 * 10-30 s under load). What cannot be proxied (a unix socket, the embedded development database,
 * no Redis) is said in {@link #notes()}.
 */
public final class DependencyRoutes implements AutoCloseable {

  /** One dependency behind a proxy; {@code upstream} is {@code host:port}, never a credential. */
  public record Route(String component, String upstream, int proxyPort, Duration latency) {
    public String describe() {
      return component + " " + upstream + " through a proxy on local port " + proxyPort
          + (latency.isZero() ? " (no added latency)" : " (+" + DurationText.format(latency) + " per new connection)");
    }
  }

  private static final Duration REPROBE = Duration.ofMillis(250);
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);

  private final Map<String, String> env;
  private final List<FaultProxy> proxies; // proxies.get(i) serves routes.get(i)
  private final List<Route> routes;
  private final List<String> notes;

  private final Map<String, String> refusals = new ConcurrentHashMap<>(); // component -> why its upstream refused
  private final List<Thread> mirrors = new ArrayList<>();
  private volatile boolean closed;

  private DependencyRoutes(Map<String, String> env, List<FaultProxy> proxies, List<Route> routes, List<String> notes) {
    this.env = Map.copyOf(env);
    this.proxies = List.copyOf(proxies);
    this.routes = List.copyOf(routes);
    this.notes = List.copyOf(notes);
    for (int i = 0; i < routes.size(); i++) {
      Route route = routes.get(i);
      FaultProxy proxy = proxies.get(i);
      FaultProxy.Mode configured = proxy.mode();
      refusedNow(route, proxy).ifPresent(why -> proxy.mode(FaultProxy.Mode.ABSENT));
      mirrors.add(Thread.ofVirtual().name("mirror-" + route.component())
          .start(() -> mirrorRefusals(route, proxy, configured)));
    }
  }

  /**
   * Keeps {@code proxy} refusing connections while its upstream refuses them (nothing listens there),
   * so the service sees what it would see directly: a refused connection, not one accepted and closed
   * at once, which reads like a server that is not PostgreSQL or Redis. The upstream is probed only
   * after a connection could not be forwarded, and while refusing, every {@link #REPROBE}; the
   * proxy's own mode comes back once it accepts.
   */
  private void mirrorRefusals(Route route, FaultProxy proxy, FaultProxy.Mode configured) {
    int seen = 0;
    try {
      while (!closed) {
        if (proxy.mode().kind() == FaultProxy.Kind.ABSENT) {
          if (refusedNow(route, proxy).isEmpty()) {
            proxy.mode(configured);
          }
        } else {
          int failed = proxy.upstreamFailures().map(FaultProxy.UpstreamFailures::count).orElse(0);
          if (failed > seen) {
            seen = failed;
            if (refusedNow(route, proxy).isPresent()) {
              proxy.mode(FaultProxy.Mode.ABSENT);
            }
          }
        }
        Thread.sleep(REPROBE);
      }
    } catch (InterruptedException | IllegalStateException e) {
      // closed
    }
  }

  private Optional<String> refusedNow(Route route, FaultProxy proxy) {
    Optional<String> why = proxy.upstreamRefusal(PROBE_TIMEOUT);
    why.ifPresent(w -> refusals.put(route.component(), w));
    return why;
  }

  /**
   * Opens a proxy for each TCP dependency named in {@code env} (read the way the service reads it)
   * and returns the environment rewritten to use them. Close it to stop the proxies.
   */
  public static DependencyRoutes open(Map<String, String> env, Duration databaseLatency, Duration redisLatency) {
    Map<String, String> rewritten = new HashMap<>(env);
    List<FaultProxy> proxies = new ArrayList<>();
    List<Route> routes = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    Settings settings = Settings.read(env);
    try {
      DatabaseSettings db = settings.database();
      if (db == null) {
        boolean unreadable = settings.problems().stream().anyMatch(p -> p.settings().contains("DATABASE_URL")
            || p.settings().contains("POSTGRES_HOST"));
        notes.add(unreadable
            ? "database: the settings cannot be read (the service will say why at start); not proxied, "
                + latencyNotApplied("--db-latency", databaseLatency)
            : "database: none configured, so the service runs its embedded development PostgreSQL inside itself; "
                + latencyNotApplied("--db-latency", databaseLatency)
                + (databaseLatency.isZero() ? "" : " (set DATABASE_URL to a PostgreSQL server, such as"
                    + " postgres://postgres@127.0.0.1:5432/postgres, to put the latency on its path)"));
      } else if (db.unixSocket()) {
        notes.add("database: " + db.host() + " is a unix socket, which a TCP proxy cannot stand in front of; the service"
            + " connects to it directly, " + latencyNotApplied("--db-latency", databaseLatency));
      } else {
        FaultProxy proxy = proxy(db.host(), db.port(), databaseLatency);
        proxies.add(proxy);
        if (db.source().equals("DATABASE_URL")) {
          rewritten.put("DATABASE_URL", databaseUrlThrough(env.get("DATABASE_URL").strip(), proxy.port()));
        } else {
          rewritten.put("POSTGRES_HOST", proxy.host());
          rewritten.put("POSTGRES_PORT", String.valueOf(proxy.port()));
        }
        routes.add(new Route("database", hostPort(db.host(), db.port()), proxy.port(), databaseLatency));
        String sslMode = db.sslMode() == null ? "" : db.sslMode().toLowerCase(Locale.ROOT);
        if (sslMode.equals("verify-full")) {
          notes.add("database: sslmode=verify-full checks the server's name, which is 127.0.0.1 through the proxy;"
              + " expect the TLS check to fail here and not in production");
        }
      }
      String redisUrl = settings.redisUrl();
      if (redisUrl == null) {
        notes.add("redis: none configured (the service uses its in-process cache and event bus); "
            + latencyNotApplied("--redis-latency", redisLatency)
            + (redisLatency.isZero() ? "" : " (set REDIS_URL, such as redis://127.0.0.1:6379, to put the latency on its path)"));
      } else {
        URI uri = URI.create(redisUrl);
        int port = uri.getPort() > 0 ? uri.getPort() : 6379;
        FaultProxy proxy = proxy(uri.getHost(), port, redisLatency);
        proxies.add(proxy);
        rewritten.put("REDIS_URL", redisUrlThrough(redisUrl, proxy.port()));
        routes.add(new Route("redis", hostPort(uri.getHost(), port), proxy.port(), redisLatency));
        if ("rediss".equals(uri.getScheme())) {
          notes.add("redis: TLS (rediss://) passes through the proxy unchanged; a client that checks the server's name"
              + " would see 127.0.0.1");
        }
      }
    } catch (RuntimeException e) {
      proxies.forEach(FaultProxy::close);
      throw e;
    }
    return new DependencyRoutes(rewritten, proxies, routes, notes);
  }

  /** The environment for the service, pointing at the proxies. */
  public Map<String, String> env() {
    return env;
  }

  public List<Route> routes() {
    return routes;
  }

  /**
   * {@code text} (a line of the service's, or of the verdict) with each proxy's address put back to its
   * dependency's: the service only knows the proxies, and a diagnosis naming one would send its reader
   * to an address they never configured.
   */
  public String unproxied(String text) {
    String result = text;
    for (Route r : routes) {
      result = result.replaceAll("(?<![\\d.])(127\\.0\\.0\\.1|localhost):" + r.proxyPort() + "(?!\\d)",
          Matcher.quoteReplacement(r.upstream()));
    }
    return result;
  }

  /**
   * A line for each dependency that refused connections or could not be reached, with the reason: the
   * service only talks to the proxies, so its own messages cannot say what lay behind them.
   */
  public List<String> unreachable() {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < routes.size(); i++) {
      Route r = routes.get(i);
      String refused = refusals.get(r.component());
      if (refused != null) {
        lines.add(r.component() + ": " + r.upstream() + " refused connections from this machine (" + refused
            + "), so its proxy refused the service's connections too while it did");
      } else {
        proxies.get(i).upstreamFailures().ifPresent(f -> lines.add(r.component() + ": " + r.upstream()
            + " could not be reached from this machine (" + f.lastReason() + "; " + f.count()
            + (f.count() == 1 ? " connection" : " connections") + "); the proxy closed each of the service's connections"
            + " it could not forward, which the service sees as a connection closed at once"));
      }
    }
    return lines;
  }

  /** What could not be routed, and what differs from production because of the proxies. */
  public List<String> notes() {
    return notes;
  }

  @Override
  public void close() {
    closed = true;
    for (Thread mirror : mirrors) {
      mirror.interrupt();
      try {
        mirror.join(PROBE_TIMEOUT.multipliedBy(2));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    proxies.forEach(FaultProxy::close);
  }

  /**
   * {@code url} ({@code postgres://}, {@code postgresql://} or {@code jdbc:postgresql://}) with its
   * host and port replaced by {@code 127.0.0.1:port}; the user, password, database and every query
   * parameter except {@code host} and {@code port} are kept byte for byte.
   */
  static String databaseUrlThrough(String url, int port) {
    int schemeEnd = url.indexOf("://");
    if (schemeEnd < 0) {
      throw new IllegalArgumentException("DATABASE_URL has no scheme://");
    }
    String scheme = url.substring(0, schemeEnd + 3);
    String rest = url.substring(schemeEnd + 3);
    int slash = rest.indexOf('/');
    String authority = slash < 0 ? rest : rest.substring(0, slash);
    String pathAndQuery = slash < 0 ? "/" : rest.substring(slash);
    int at = authority.lastIndexOf('@');
    String userInfo = at < 0 ? "" : authority.substring(0, at + 1);
    int question = pathAndQuery.indexOf('?');
    String path = question < 0 ? pathAndQuery : pathAndQuery.substring(0, question);
    List<String> kept = new ArrayList<>();
    if (question >= 0) {
      for (String pair : pathAndQuery.substring(question + 1).split("&")) {
        String name = pair.split("=", 2)[0];
        if (!name.equals("host") && !name.equals("port") && !pair.isEmpty()) {
          kept.add(pair);
        }
      }
    }
    return scheme + userInfo + "127.0.0.1:" + port + path + (kept.isEmpty() ? "" : "?" + String.join("&", kept));
  }

  /** {@code url} ({@code redis://} or {@code rediss://}) pointed at {@code 127.0.0.1:port}; credentials, database kept. */
  static String redisUrlThrough(String url, int port) {
    URI uri = URI.create(url);
    return uri.getScheme() + "://" + (uri.getRawUserInfo() == null ? "" : uri.getRawUserInfo() + "@") + "127.0.0.1:" + port
        + (uri.getRawPath() == null ? "" : uri.getRawPath()) + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
  }

  private static FaultProxy proxy(String host, int port, Duration latency) {
    return new FaultProxy(host, port, latency.isZero() ? FaultProxy.Mode.FORWARD : FaultProxy.Mode.slow(latency));
  }

  private static String latencyNotApplied(String option, Duration latency) {
    return latency.isZero() ? "nothing to proxy" : option + " " + DurationText.format(latency) + " is NOT applied";
  }

  private static String hostPort(String host, int port) {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}

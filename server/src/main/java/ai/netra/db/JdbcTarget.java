package ai.netra.db;

import ai.netra.config.DatabaseSettings;
import java.time.Duration;
import java.util.Properties;

/**
 * The JDBC URL and driver properties for one database, with every wait of the driver bounded by
 * one duration: the TCP connect, the answers to the SSL and GSS requests, the login, and each read.
 *
 * <p>pgjdbc has more waits than the three obvious settings, and their defaults are short, fixed and
 * easy to miss: {@code sslResponseTimeout} and {@code gssResponseTimeout} end a connection attempt
 * after 5 s without the server's first byte, whatever {@code connectTimeout} says, and
 * {@code cancelSignalTimeout} waits 10 s. A slow path (Cloud SQL over a VPC connector: 10-30 s to the
 * first byte) must still connect when the step's time allows it, so each of them gets the bound too.
 * Whole-second settings are rounded down (but {@code loginTimeout}, the outer one), so the driver
 * gives up, with its own error, before the step that called it runs out of time.
 *
 * @param bound the longest the driver may wait for anything while connecting, and for each read
 */
record JdbcTarget(String url, Properties properties, Duration bound) {

  /** The JDK socket factory cannot reach a unix socket; junixsocket's can, by path. */
  static final String UNIX_SOCKET_FACTORY = "org.newsclub.net.unix.AFUNIXSocketFactory$FactoryArg";

  static JdbcTarget of(DatabaseSettings db, Duration bound) {
    Properties p = new Properties();
    p.setProperty("user", db.user());
    if (db.password() != null && !db.password().isEmpty()) {
      p.setProperty("password", db.password());
    }
    String seconds = wholeSeconds(bound);
    String millis = String.valueOf(Math.max(1, bound.toMillis()));
    p.setProperty("connectTimeout", seconds);
    // The outer bound (it also covers the host name lookup, which nothing else bounds), rounded up so
    // that the waits inside it, which say where they waited, end an attempt first.
    p.setProperty("loginTimeout", String.valueOf(Math.max(1, (bound.toMillis() + 999) / 1000)));
    p.setProperty("socketTimeout", seconds);
    p.setProperty("sslResponseTimeout", millis);
    p.setProperty("gssResponseTimeout", millis);
    p.setProperty("cancelSignalTimeout", seconds);
    // The service never authenticates with Kerberos; asking for GSS encryption first would cost a round trip.
    p.setProperty("gssEncMode", "disable");
    p.setProperty("tcpKeepAlive", "true");
    p.setProperty("ApplicationName", "netra");
    String url;
    if (db.unixSocket()) {
      p.setProperty("socketFactory", UNIX_SOCKET_FACTORY);
      p.setProperty("socketFactoryArg", db.host() + "/.s.PGSQL." + db.port());
      p.setProperty("sslmode", "disable");
      url = "jdbc:postgresql://localhost/" + db.database();
    } else {
      if (db.sslMode() != null) {
        p.setProperty("sslmode", db.sslMode());
      }
      String host = db.host().contains(":") ? "[" + db.host() + "]" : db.host();
      url = "jdbc:postgresql://" + host + ":" + db.port() + "/" + db.database();
    }
    return new JdbcTarget(url, p, bound);
  }

  /** The driver counts whole seconds and reads 0 as "wait forever": round down, never to 0. */
  private static String wholeSeconds(Duration d) {
    return String.valueOf(Math.max(1, d.toSeconds()));
  }

  /** What {@code connectTimeout}, {@code loginTimeout} and {@code socketTimeout} were set to. */
  Duration wholeSecondsBound() {
    return Duration.ofSeconds(Math.max(1, bound.toSeconds()));
  }

  @Override
  public String toString() {
    return url; // never the properties: they hold the password
  }
}

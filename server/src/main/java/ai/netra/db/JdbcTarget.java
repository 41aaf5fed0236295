package ai.netra.db;

import ai.netra.config.DatabaseSettings;
import java.time.Duration;
import java.util.Properties;

/**
 * The JDBC URL and driver properties for one database, with every blocking call of the driver
 * bounded: connect, login (a black-holed path accepts TCP and then never answers) and each read.
 */
record JdbcTarget(String url, Properties properties) {

  /** The JDK socket factory cannot reach a unix socket; junixsocket's can, by path. */
  static final String UNIX_SOCKET_FACTORY = "org.newsclub.net.unix.AFUNIXSocketFactory$FactoryArg";

  static JdbcTarget of(DatabaseSettings db, Duration connect, Duration read) {
    Properties p = new Properties();
    p.setProperty("user", db.user());
    if (db.password() != null && !db.password().isEmpty()) {
      p.setProperty("password", db.password());
    }
    p.setProperty("connectTimeout", seconds(connect));
    p.setProperty("loginTimeout", seconds(connect));
    p.setProperty("socketTimeout", seconds(read));
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
    return new JdbcTarget(url, p);
  }

  /** The driver counts whole seconds and reads 0 as "wait forever": never pass 0. */
  private static String seconds(Duration d) {
    return String.valueOf(Math.max(1, (d.toMillis() + 999) / 1000));
  }

  @Override
  public String toString() {
    return url; // never the properties: they hold the password
  }
}

package ai.netra.config;

/**
 * Where PostgreSQL is. {@code unixSocket} is true when {@code host} is a folder holding the server's
 * socket (Cloud SQL mounts one under {@code /cloudsql/PROJECT:REGION:INSTANCE}).
 *
 * @param sslMode the driver's sslmode ({@code disable}, {@code require}, ...), or null for its default
 * @param source the setting(s) it came from, for messages: {@code DATABASE_URL} or {@code POSTGRES_*}
 */
public record DatabaseSettings(
    String host, int port, String database, String user, String password, boolean unixSocket, String sslMode,
    String source) {

  /** {@code host:port/database} or {@code socket-folder/database}: safe to log, never the password. */
  public String describe() {
    return unixSocket ? host + " (unix socket) db=" + database + " user=" + user
        : host + ":" + port + " db=" + database + " user=" + user;
  }

  @Override
  public String toString() {
    return "DatabaseSettings[" + describe() + "]";
  }
}

package ai.netra.db;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Locale;

/**
 * Says in words which of the driver's waits ended a connection attempt, and after how long: "read
 * timed out after 5.0 s waiting for the server's answer to the SSL request" tells an operator what
 * {@code SocketTimeoutException: Read timed out} does not.
 */
final class DriverErrors {

  private DriverErrors() { }

  /** {@code e} as one plain line, naming the wait that ended it when it was a timeout. */
  static String describe(SQLException e, JdbcTarget target) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SocketTimeoutException timeout) {
        return timeout(timeout, target);
      }
      if (t instanceof UnknownHostException) {
        return "the host name does not resolve (" + t.getMessage() + ")";
      }
      if (t instanceof ConnectException) {
        return "the connection was refused (" + t.getMessage() + ")";
      }
    }
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    if ("08001".equals(e.getSQLState()) && message.toLowerCase(Locale.ROOT).contains("timed out")) {
      return "no login within " + seconds(Duration.ofSeconds((target.bound().toMillis() + 999) / 1000))
          + " (the driver's loginTimeout): " + message;
    }
    return message;
  }

  private static String timeout(SocketTimeoutException e, JdbcTarget target) {
    String phase = phase(e);
    if (phase == null) {
      String connect = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("connect")
          ? "no TCP connection within " : "read timed out after ";
      return connect + seconds(target.wholeSecondsBound()) + " (the driver's connectTimeout / socketTimeout)";
    }
    Duration bound = phase.contains("SSL") || phase.contains("GSS") ? target.bound() : target.wholeSecondsBound();
    return "read timed out after " + seconds(bound) + " " + phase;
  }

  /** Where in the connection's life the read waited, from the driver's frames; null when not while connecting. */
  private static String phase(SocketTimeoutException e) {
    for (StackTraceElement frame : e.getStackTrace()) {
      if (!frame.getClassName().startsWith("org.postgresql.")) {
        continue;
      }
      switch (frame.getMethodName()) {
        case "enableSSL" -> {
          return "waiting for the server's answer to the SSL request (sslResponseTimeout)";
        }
        case "enableGSSEncrypted" -> {
          return "waiting for the server's answer to the GSS encryption request (gssResponseTimeout)";
        }
        case "doAuthentication" -> {
          return "waiting for the server's answer to the login (socketTimeout while connecting)";
        }
        case "readStartupMessages" -> {
          return "waiting for the server to finish the login (socketTimeout while connecting)";
        }
        default -> { }
      }
    }
    return null;
  }

  private static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }
}

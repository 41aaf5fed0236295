package ai.netra.agent.tools;

/**
 * A usage tool's query failed in the database. The message names the tool and the SQLState only:
 * the driver's own message may quote row values, so it stays in the cause, for logs.
 */
public final class UsageQueryException extends RuntimeException {

  /** {@code tool}'s statement failed with {@code e}. */
  UsageQueryException(String tool, java.sql.SQLException e) {
    super(tool + ": the usage query failed (SQLState " + e.getSQLState() + ")", e);
  }
}

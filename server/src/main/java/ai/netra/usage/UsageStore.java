package ai.netra.usage;

import ai.netra.db.Transactions;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes users' LLM calls into {@code llm_usage}: a whole batch in one transaction with one COPY
 * (tens of thousands of rows in well under a second), creating the user on first use, then refreshes
 * the planner statistics when the batch changed the table noticeably. The database derives the daily
 * sums ({@code llm_usage_daily}) and each call's previous occurrence of its prompt in the same
 * transaction, by triggers.
 */
public final class UsageStore {

  private static final Logger log = LoggerFactory.getLogger(UsageStore.class);
  /** A batch of at least this share of the table's rows (as the statistics last counted them) refreshes them. */
  static final double ANALYZE_SHARE = 0.1;

  /** Bounds each statement, so a stuck database fails the import instead of hanging it. */
  static final int STATEMENT_TIMEOUT_SECONDS = 60;

  private final DataSource dataSource;

  public UsageStore(DataSource dataSource) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
  }

  /**
   * Stores {@code records} for the user in one transaction.
   *
   * @return how many rows were stored
   * @throws UsageStorageException when the database fails; nothing is stored then
   */
  public int insert(String userId, List<UsageRecord> records) {
    UsageBatch batch = new UsageBatch(requireUser(userId));
    records.forEach(batch::add);
    return insert(batch);
  }

  /**
   * Stores {@code records} for the user only if the user has no usage rows yet, in one transaction
   * that holds a lock per user, so two processes seeding the same user at once store it once.
   *
   * @return how many rows were stored: 0 when the user already had some
   * @throws UsageStorageException when the database fails; nothing is stored then
   */
  public int insertIfNone(String userId, List<UsageRecord> records) {
    UsageBatch batch = new UsageBatch(requireUser(userId));
    records.forEach(batch::add);
    return analyzedAfter(inTransaction("seed usage rows", c -> {
      try (PreparedStatement s = c.prepareStatement("select pg_advisory_xact_lock(hashtext('llm_usage:' || ?))")) {
        s.setQueryTimeout(STATEMENT_TIMEOUT_SECONDS);
        s.setString(1, userId);
        s.execute();
      }
      if (count(c, userId) > 0) {
        return 0;
      }
      return copy(c, batch);
    }));
  }

  /** How many usage rows the user has. */
  public long count(String userId) {
    requireUser(userId);
    try (Connection c = dataSource.getConnection()) {
      return count(c, userId);
    } catch (SQLException e) {
      throw failure("count usage rows", e);
    }
  }

  int insert(UsageBatch batch) {
    return analyzedAfter(inTransaction("import usage rows", c -> copy(c, batch)));
  }

  /**
   * Refreshes the planner's statistics of {@code llm_usage} and of its daily sums
   * ({@code llm_usage_daily}, which the same rows changed) after {@code stored} rows were committed,
   * when they are at least {@link #ANALYZE_SHARE} of the table or the table was never analyzed.
   * Autovacuum does the same, but only on its next round: until then the usage tools are planned for
   * the table as it was (an empty one after the first load), which makes them several times slower.
   * Best effort: the rows are stored either way, so a failure is logged and autovacuum catches up.
   *
   * @return {@code stored}
   */
  private int analyzedAfter(int stored) {
    if (stored == 0) {
      return stored;
    }
    try (Connection c = dataSource.getConnection()) {
      double counted;
      try (PreparedStatement s = c.prepareStatement("select reltuples from pg_class where oid = 'llm_usage'::regclass")) {
        s.setQueryTimeout(STATEMENT_TIMEOUT_SECONDS);
        try (ResultSet rs = s.executeQuery()) {
          rs.next();
          counted = rs.getDouble(1); // -1 (0 before PostgreSQL 14) until first analyzed
        }
      }
      if (counted > 0 && stored < counted * ANALYZE_SHARE) {
        return stored;
      }
      try (Statement s = c.createStatement()) {
        s.setQueryTimeout(STATEMENT_TIMEOUT_SECONDS);
        s.execute("analyze llm_usage, llm_usage_daily");
      }
      if (!c.getAutoCommit()) {
        c.commit();
      }
    } catch (SQLException e) {
      log.warn("{} usage rows stored, but refreshing the statistics of llm_usage failed (SQLState {}); autovacuum will"
          + " refresh them later: {}", stored, e.getSQLState(), e.getMessage());
    }
    return stored;
  }

  private static long count(Connection c, String userId) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("select count(*) from llm_usage where user_id = ?")) {
      s.setQueryTimeout(STATEMENT_TIMEOUT_SECONDS);
      s.setString(1, userId);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private static int copy(Connection c, UsageBatch batch) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("insert into users (id) values (?) on conflict do nothing")) {
      s.setQueryTimeout(STATEMENT_TIMEOUT_SECONDS);
      s.setString(1, batch.userId());
      s.executeUpdate();
    }
    try (Statement s = c.createStatement()) {
      // COPY runs outside JDBC's query timeout; the server bounds it instead, for this transaction only.
      s.execute("set local statement_timeout = '" + STATEMENT_TIMEOUT_SECONDS + "s'");
    }
    try {
      long copied = c.unwrap(PGConnection.class).getCopyAPI()
          .copyIn("copy llm_usage (" + UsageBatch.COLUMNS + ") from stdin with (format binary)", batch.copyData(),
              64 * 1024);
      return Math.toIntExact(copied);
    } catch (IOException e) {
      throw new SQLException("reading the batch failed: " + e, "58030", e); // in-memory bytes: does not happen
    }
  }

  private <T> T inTransaction(String what, Transactions.Work<T> work) {
    try {
      return Transactions.inTransaction(dataSource, work);
    } catch (SQLException e) {
      throw failure(what, e);
    }
  }

  private static String requireUser(String userId) {
    if (userId == null || userId.isBlank()) {
      throw new IllegalArgumentException("a user id is required");
    }
    if (userId.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("a user id cannot hold a NUL character");
    }
    return userId;
  }

  /**
   * A refused row after validation passed (a data or constraint error) is a defect of the
   * validation, not an outage; anything else is the database being unavailable.
   */
  private static RuntimeException failure(String what, SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    if (state.startsWith("22") || state.startsWith("23")) {
      return new IllegalStateException("the database refused rows the import accepted: could not " + what
          + " (SQLState " + state + ")", e);
    }
    return new UsageStorageException("usage storage could not " + what + " (SQLState " + state + ")", e);
  }
}

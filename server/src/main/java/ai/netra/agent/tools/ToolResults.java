package ai.netra.agent.tools;

import ai.netra.agent.Tool;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;

/**
 * One tool's results, kept to answer the same question again while the data it was computed from has not changed.
 * The database numbers each state of a user's usage and of the price catalog (migration V8: triggers give a new
 * number to every change, in the writer's transaction), and a result is kept with the numbers its snapshot read. A
 * question asked again is answered from the kept result only when the new snapshot reads the same numbers, so it
 * is what the statements would compute, on any instance, whoever changed the data. Questions that differ in any
 * argument, in the period or in "today" are different keys. The least recently used results go first once
 * {@link #MAX_RESULTS} are kept.
 */
final class ToolResults {

  /**
   * Results kept per tool. Each holds sums and capped lists: its size follows the days and models asked about, not
   * the number of requests.
   */
  static final int MAX_RESULTS = 256;

  private static final String VERSIONS = "select (select version from usage_versions where user_id = ?),"
      + " (select version from all_users_version)";

  /** The state of one user's figures: equal versions, equal figures. */
  record Versions(long user, long allUsers) { }

  private record Kept(Versions versions, Tool.Result result) { }

  private final Map<Object, Kept> kept = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Object, Kept> eldest) {
      return size() > MAX_RESULTS;
    }
  };
  private final LongAdder reused = new LongAdder();
  private final LongAdder computed = new LongAdder();

  /** The versions of {@code userId}'s figures in {@code connection}'s snapshot. */
  static Versions versions(Connection connection, String userId) throws SQLException {
    try (PreparedStatement s = connection.prepareStatement(VERSIONS)) {
      s.setString(1, userId);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return new Versions(rs.getLong(1), rs.getLong(2)); // no row yet: 0, unchanged since the migration
      }
    }
  }

  /**
   * The result kept for {@code question} when the data it was computed from is unchanged now, else null (without a
   * statement when nothing is kept for it). A question asked again costs this one lookup, on its own: no transaction
   * to begin and end, no connection to prepare. Versions read now are the versions of a snapshot taken now, so the kept
   * result is what the statements would compute now.
   *
   * @throws UsageQueryException naming the tool and the SQLState when the database fails
   */
  Tool.Result stillHeld(DataSource lookups, String tool, String userId, Object question) {
    Kept found;
    synchronized (kept) {
      found = kept.get(question);
    }
    if (found == null) {
      return null;
    }
    try (Connection connection = lookups.getConnection()) {
      if (!found.versions().equals(versions(connection, userId))) {
        return null;
      }
    } catch (SQLException e) {
      throw new UsageQueryException(tool, e);
    }
    reused.increment();
    return found.result();
  }

  /**
   * {@code compute}'s answer to {@code question} in {@code connection}'s snapshot, kept with the versions that snapshot
   * reads. Called once {@link #stillHeld} found nothing to reuse.
   */
  Tool.Result answer(Connection connection, String userId, Object question, PricedUsage.Work<Tool.Result> compute)
      throws SQLException {
    Versions now = versions(connection, userId);
    Tool.Result result = compute.run(connection);
    computed.increment();
    synchronized (kept) {
      kept.put(question, new Kept(now, result));
    }
    return result;
  }

  /** Questions answered from a kept result. */
  long reused() {
    return reused.sum();
  }

  /** Questions answered by running the tool's statements. */
  long computed() {
    return computed.sum();
  }
}

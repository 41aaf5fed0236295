package ai.netra.db;

import ai.netra.history.HistoryFilter;
import ai.netra.history.StartRecord;
import ai.netra.history.StepRecord;
import ai.netra.startup.Criticality;
import ai.netra.startup.FailureKind;
import ai.netra.startup.Outcome;
import ai.netra.startup.StepStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * The kept starts in {@code startup_starts} and {@code startup_steps}, with plain JDBC. Every statement
 * is bounded by the data source it is given (the service's: 2 s), and reads are bounded by a row limit.
 */
public final class StartupHistoryRepository {

  /** Starts older than this are deleted when a new one is kept: enough for any trend a deploy is judged by. */
  public static final Duration KEPT_FOR = Duration.ofDays(90);

  private static final String INSERT_START = """
      insert into startup_starts (started_at, revision, instance_id, environment, cpus, memory_limit_bytes,
                                  peak_rss_bytes, outcome, elapsed_ms, budget_ms)
      values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      returning id""";
  private static final String INSERT_STEP = """
      insert into startup_steps (start_id, position, phase, name, component, criticality, status, attempts,
                                 start_ms, end_ms, error_kind)
      values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""";
  private static final String SELECT_STARTS = """
      select id, started_at, revision, instance_id, environment, cpus, memory_limit_bytes, peak_rss_bytes, outcome,
             elapsed_ms, budget_ms
        from (select * from startup_starts
               where (?::timestamptz is null or started_at >= ?::timestamptz) and (?::text is null or revision = ?::text)
               order by started_at desc, id desc limit ?) latest
       order by started_at, id""";
  private static final String SELECT_STEPS = """
      select start_id, phase, name, component, criticality, status, attempts, start_ms, end_ms, error_kind
        from startup_steps where start_id = any (?) order by start_id, position""";

  private final DataSource dataSource;

  public StartupHistoryRepository(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /**
   * Keeps {@code start} with its steps in one transaction, and forgets starts older than {@link #KEPT_FOR}.
   *
   * @throws SQLException when it cannot be written (the caller logs it: keeping history never fails a start)
   */
  public void keep(StartRecord start) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        long id;
        try (PreparedStatement s = c.prepareStatement(INSERT_START)) {
          s.setTimestamp(1, Timestamp.from(start.startedAt()));
          s.setString(2, start.revision());
          s.setString(3, start.instance());
          s.setString(4, start.environment());
          setNullable(s, 5, start.cpus(), Types.DOUBLE);
          setNullable(s, 6, start.memoryLimitBytes(), Types.BIGINT);
          setNullable(s, 7, start.peakRssBytes(), Types.BIGINT);
          s.setString(8, start.outcome().name());
          s.setLong(9, start.elapsedMs());
          s.setLong(10, start.budgetMs());
          try (ResultSet rs = s.executeQuery()) {
            rs.next();
            id = rs.getLong(1);
          }
        }
        try (PreparedStatement s = c.prepareStatement(INSERT_STEP)) {
          int position = 0;
          for (StepRecord step : start.steps()) {
            s.setLong(1, id);
            s.setInt(2, position++);
            s.setString(3, step.phase());
            s.setString(4, step.name());
            s.setString(5, step.component());
            s.setString(6, step.criticality().name());
            s.setString(7, step.status().name());
            s.setInt(8, step.attempts());
            setNullable(s, 9, step.startMs(), Types.BIGINT);
            setNullable(s, 10, step.endMs(), Types.BIGINT);
            s.setString(11, step.errorKind() == null ? null : step.errorKind().name());
            s.addBatch();
          }
          s.executeBatch();
        }
        try (PreparedStatement s = c.prepareStatement("delete from startup_starts where started_at < ?")) {
          s.setTimestamp(1, Timestamp.from(Instant.now().minus(KEPT_FOR)));
          s.executeUpdate();
        }
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    }
  }

  /**
   * The latest {@code limit} starts that {@code filter} admits, oldest first.
   *
   * @throws SQLException when they cannot be read ({@code 42P01}: the table does not exist yet)
   */
  public List<StartRecord> read(HistoryFilter filter, int limit) throws SQLException {
    Map<Long, Row> rows = new LinkedHashMap<>();
    try (Connection c = dataSource.getConnection()) {
      try (PreparedStatement s = c.prepareStatement(SELECT_STARTS)) {
        Timestamp since = filter.since() == null ? null : Timestamp.from(filter.since());
        s.setTimestamp(1, since);
        s.setTimestamp(2, since);
        s.setString(3, filter.revision());
        s.setString(4, filter.revision());
        s.setInt(5, limit);
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            rows.put(rs.getLong(1), new Row(rs.getTimestamp(2).toInstant(), rs.getString(3), rs.getString(4),
                rs.getString(5), (Double) rs.getObject(6), (Long) rs.getObject(7), (Long) rs.getObject(8),
                Outcome.valueOf(rs.getString(9)), rs.getLong(10), rs.getLong(11), new ArrayList<>()));
          }
        }
      }
      if (rows.isEmpty()) {
        return List.of();
      }
      try (PreparedStatement s = c.prepareStatement(SELECT_STEPS)) {
        s.setArray(1, c.createArrayOf("bigint", rows.keySet().toArray()));
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            String kind = rs.getString(10);
            rows.get(rs.getLong(1)).steps().add(new StepRecord(rs.getString(2), rs.getString(3), rs.getString(4),
                Criticality.valueOf(rs.getString(5)), StepStatus.valueOf(rs.getString(6)), rs.getInt(7),
                (Long) rs.getObject(8), (Long) rs.getObject(9), kind == null ? null : FailureKind.valueOf(kind)));
          }
        }
      }
    }
    return rows.values().stream().map(Row::record).toList();
  }

  private static void setNullable(PreparedStatement s, int index, Object value, int type) throws SQLException {
    if (value == null) {
      s.setNull(index, type);
    } else {
      s.setObject(index, value, type);
    }
  }

  private record Row(Instant startedAt, String revision, String instance, String environment, Double cpus,
      Long memoryLimitBytes, Long peakRssBytes, Outcome outcome, long elapsedMs, long budgetMs, List<StepRecord> steps) {
    StartRecord record() {
      return new StartRecord(startedAt, revision, instance, environment, cpus, memoryLimitBytes, peakRssBytes, outcome,
          elapsedMs, budgetMs, steps);
    }
  }
}

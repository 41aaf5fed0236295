package ai.netra.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.netra.db.Migrations;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What the database derives from {@code llm_usage} (the daily sums in {@code llm_usage_daily}, and
 * the requests that repeat an earlier prompt in {@code llm_usage_repeats}) stays equal to a
 * recomputation from scratch, whoever writes the rows and in whatever order, and usage rows cannot
 * be updated behind the triggers' back.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UsageTriggersTest {

  /**
   * Every difference between what the triggers keep and a recomputation written apart from them: the
   * daily sums by a plain GROUP BY, the repeats as the rows that have an earlier row (by time, then
   * id) with the same user and prompt hash, with the latest time among those rows (and among those
   * of the same feature), instead of the triggers' window functions. Empty when they agree.
   */
  private static final String DRIFT = """
      with expected_daily as (
        select user_id, (occurred_at at time zone 'UTC')::date as day, provider, model, feature, count(*) as requests,
               count(*) filter (where status <> 'ok') as errors, count(*) filter (where prompt_hash <> '') as hashed_requests,
               sum(prompt_tokens) as prompt_tokens, sum(completion_tokens) as completion_tokens,
               count(latency_ms) as latency_count, coalesce(sum(latency_ms), 0) as latency_sum
          from llm_usage group by 1, 2, 3, 4, 5
      ), kept_daily as (
        select user_id, day, provider, model, feature, requests, errors, hashed_requests, prompt_tokens, completion_tokens,
               latency_count, latency_sum
          from llm_usage_daily
      ), expected_repeats as (
        select * from (
          select u.id, u.user_id, u.occurred_at, u.provider, u.model, u.feature, u.prompt_hash, u.prompt_tokens,
                 u.completion_tokens,
                 (select max(p.occurred_at) from llm_usage p where p.user_id = u.user_id and p.prompt_hash = u.prompt_hash
                     and (p.occurred_at, p.id) < (u.occurred_at, u.id)) as previous_at,
                 (select max(p.occurred_at) from llm_usage p where p.user_id = u.user_id and p.prompt_hash = u.prompt_hash
                     and p.feature = u.feature and (p.occurred_at, p.id) < (u.occurred_at, u.id)) as previous_in_feature_at
            from llm_usage u
           where u.prompt_hash <> '') r
         where previous_at is not null
      ), kept_repeats as (
        select id, user_id, occurred_at, provider, model, feature, prompt_hash, prompt_tokens, completion_tokens, previous_at,
               previous_in_feature_at
          from llm_usage_repeats
      )
      select 'daily sums lack ' || e::text as drift from (select * from expected_daily except all select * from kept_daily) e
      union all
      select 'daily sums have extra ' || k::text from (select * from kept_daily except all select * from expected_daily) k
      union all
      select 'repeats lack ' || e::text from (select * from expected_repeats except all select * from kept_repeats) e
      union all
      select 'repeats have extra ' || k::text from (select * from kept_repeats except all select * from expected_repeats) k
      """;

  /** The columns of every version of llm_usage since V1: the triggers' rules hold for writers that know no others. */
  private static final String COLUMNS =
      "user_id, occurred_at, provider, model, feature, prompt_tokens, completion_tokens, latency_ms, prompt_hash, status";
  private static final String INSERT = "insert into llm_usage (" + COLUMNS + ") values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  private static final String[] USERS = {"ann", "ben", "cy"};
  private static final String[] FEATURES = {"chat", "search", "extract"};
  private static final String[] STATUSES = {"ok", "ok", "ok", "error", "timeout"};
  private static final String[][] MODELS = {{"openai", "gpt-4o"}, {"openai", "gpt-4o-mini"}, {"anthropic", "claude-sonnet-4"}};
  private static final Instant FIRST = Instant.parse("2026-11-01T00:00:00Z");

  private HikariDataSource dataSource;
  private UsageStore store;

  @BeforeAll
  void open() throws SQLException {
    dataSource = MigratedDatabase.open("usage_triggers");
    store = new UsageStore(dataSource);
    for (String user : USERS) {
      execute("insert into users (id) values (?)", user);
    }
  }

  @AfterAll
  void close() {
    if (dataSource != null) {
      dataSource.close();
    }
  }

  @Test
  void whatTheTriggersDeriveMatchesARecomputationAfterRandomWritesInAnyOrder() throws SQLException {
    Random random = new Random(7);
    execute("truncate llm_usage");
    for (int step = 0; step < 40; step++) {
      String what;
      String user = USERS[random.nextInt(USERS.length)];
      switch (random.nextInt(6)) {
        case 0 -> {
          List<UsageRecord> records = records(random, 50 + random.nextInt(400));
          store.insert(user, records);
          what = "an import (COPY) of " + records.size() + " rows of " + user;
        }
        case 1 -> {
          List<UsageRecord> records = records(random, 1 + random.nextInt(60));
          insertEachAlone(user, records);
          what = records.size() + " INSERTs of one row each of " + user;
        }
        case 2 -> {
          List<UsageRecord> records = records(random, 1 + random.nextInt(300));
          insertInOneStatement(user, records);
          what = "one INSERT of " + records.size() + " rows of " + user;
        }
        case 3 -> {
          int deleted = execute("delete from llm_usage where id in (select id from llm_usage order by random() limit ?)",
              1 + random.nextInt(80));
          what = "a DELETE of " + deleted + " random rows";
        }
        case 4 -> {
          Instant from = time(random);
          int deleted = execute("delete from llm_usage where user_id = ? and occurred_at >= ? and occurred_at < ?", user,
              at(from), at(from.plus(1 + random.nextInt(48), ChronoUnit.HOURS)));
          what = "a DELETE of " + user + "'s " + deleted + " rows of some hours (a correction's first half)";
        }
        default -> {
          String hash = hash(random);
          int deleted = execute("delete from llm_usage where user_id = ? and prompt_hash = ? and feature = ?", user, hash,
              FEATURES[random.nextInt(FEATURES.length)]);
          what = "a DELETE of " + deleted + " rows of one prompt and feature of " + user;
        }
      }
      assertThat(drift()).as("after step %d, %s", step, what).isEmpty();
    }
    assertThat(count("select count(*) from llm_usage_repeats"))
        .as("the random writes left repeated prompts to link").isGreaterThan(100);
    assertThat(count("select count(*) from llm_usage_repeats where previous_at is distinct from previous_in_feature_at"))
        .as("and prompts repeated across features").isPositive();

    execute("truncate llm_usage");
    assertThat(count("select count(*) from llm_usage_daily")).as("daily sums after TRUNCATE").isZero();
    assertThat(count("select count(*) from llm_usage_repeats")).as("repeats after TRUNCATE").isZero();
    store.insert("ann", records(random, 200));
    assertThat(drift()).as("after an import into the truncated table").isEmpty();
  }

  @Test
  void concurrentWritersOfOneUserLinkEachOthersRepeats() throws Exception {
    String user = "concurrent";
    execute("insert into users (id) values (?)", user);
    Instant t = Instant.parse("2026-12-01T10:00:00Z");
    ExecutorService executor = Executors.newSingleThreadExecutor();
    try (Connection first = dataSource.getConnection(); Connection second = dataSource.getConnection()) {
      first.setAutoCommit(false);
      second.setAutoCommit(false);
      // the first writer's rows are at minutes 0, 2 and 4, the second's at 1 and 3, all of the same prompt
      insert(first, user, List.of(record(t, "same"), record(t.plusSeconds(120), "same"), record(t.plusSeconds(240), "same")));
      Future<?> secondWriter = executor.submit(() -> {
        insert(second, user, List.of(record(t.plusSeconds(60), "same"), record(t.plusSeconds(180), "same")));
        second.commit();
        return null;
      });
      Awaitility.await("the second writer waits for the first").atMost(Duration.ofSeconds(10))
          .until(() -> count("select count(*) from pg_locks where locktype = 'advisory' and not granted") == 1);
      first.commit();
      secondWriter.get(10, TimeUnit.SECONDS);
    } finally {
      executor.shutdownNow();
    }
    assertThat(previousMinutes(user)).as("each row's previous occurrence, in minutes after the first row")
        .containsExactly("0: none", "1: 0", "2: 1", "3: 2", "4: 3");
    assertThat(drift()).isEmpty();
  }

  @Test
  void usageRowsCannotBeUpdatedOnlyDeletedAndInsertedAgain() throws SQLException {
    String user = "facts";
    store.insert(user, List.of(record(FIRST, "p"), record(FIRST.plusSeconds(60), "p")));
    String before = fingerprint(user);

    assertThatThrownBy(() -> execute("update llm_usage set prompt_tokens = 0 where user_id = ?", user))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("usage rows cannot be updated: they are facts")
        .hasMessageContaining("delete them and insert the corrected ones");
    assertThat(fingerprint(user)).as("the rows after the refused updates").isEqualTo(before);

    execute("delete from llm_usage where user_id = ? and occurred_at = ?", user, at(FIRST));
    store.insert(user, List.of(record(FIRST, "p")));
    assertThat(fingerprint(user)).as("a correction by delete and insert").isEqualTo(before);
    assertThat(drift()).isEmpty();
  }

  @Test
  void aRepeatableReadWriterIsRefusedBecauseItCouldNotSeeAConcurrentWritersRows() throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      assertThatThrownBy(() -> insert(c, "ann", List.of(record(FIRST, "rr"))))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("usage rows cannot be written in a REPEATABLE READ transaction");
      c.rollback();
    }
  }

  @Test
  void theMigrationDerivesTheRowsStoredBeforeIt() throws SQLException {
    try (HikariDataSource older = MigratedDatabase.openAt("usage_triggers_backfill", "3")) {
      Random random = new Random(11);
      try (Connection c = older.getConnection()) {
        c.setAutoCommit(false);
        for (String user : USERS) {
          try (PreparedStatement s = c.prepareStatement("insert into users (id) values (?)")) {
            s.setString(1, user);
            s.executeUpdate();
          }
          insert(c, user, records(random, 400));
        }
        c.commit();
      }
      new Migrations(older).migrate();
      assertThat(drift(older)).as("after migrating rows stored without the triggers").isEmpty();
      assertThat(count(older, "select count(*) from llm_usage_repeats")).as("repeats found").isPositive();
      new UsageStore(older).insert("ann", records(random, 100));
      assertThat(drift(older)).as("and the triggers keep it so").isEmpty();
    }
  }

  /** Rows whose times fall on whole minutes of three weeks, so some share a time (then the id orders them). */
  private static List<UsageRecord> records(Random random, int count) {
    List<UsageRecord> records = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String[] model = MODELS[random.nextInt(MODELS.length)];
      records.add(new UsageRecord(time(random), model[0], model[1], FEATURES[random.nextInt(FEATURES.length)],
          random.nextInt(5_000), random.nextInt(800), random.nextInt(5) == 0 ? null : random.nextInt(9_000), hash(random),
          STATUSES[random.nextInt(STATUSES.length)]));
    }
    return records;
  }

  private static Instant time(Random random) {
    return FIRST.plus(random.nextInt(21 * 24 * 60), ChronoUnit.MINUTES);
  }

  /** One of a few prompts, so they repeat; sometimes none, or an empty hash (which is none too). */
  private static String hash(Random random) {
    int pick = random.nextInt(24);
    return pick == 20 ? "" : pick > 20 ? null : "prompt-" + pick;
  }

  private static UsageRecord record(Instant at, String hash) {
    return new UsageRecord(at, "openai", "gpt-4o", "chat", 100, 10, 500, hash, "ok");
  }

  private void insertEachAlone(String user, List<UsageRecord> records) throws SQLException {
    for (UsageRecord r : records) {
      try (Connection c = dataSource.getConnection()) {
        insert(c, user, List.of(r));
      }
    }
  }

  private void insertInOneStatement(String user, List<UsageRecord> records) throws SQLException {
    StringBuilder sql = new StringBuilder("insert into llm_usage (" + COLUMNS + ") values ");
    for (int i = 0; i < records.size(); i++) {
      sql.append(i == 0 ? "" : ", ").append("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    }
    try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql.toString())) {
      for (int i = 0; i < records.size(); i++) {
        bind(s, 10 * i + 1, user, records.get(i));
      }
      s.executeUpdate();
    }
  }

  private static void insert(Connection c, String user, List<UsageRecord> records) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(INSERT)) {
      for (UsageRecord r : records) {
        bind(s, 1, user, r);
        s.executeUpdate();
      }
    }
  }

  private static void bind(PreparedStatement s, int first, String user, UsageRecord r) throws SQLException {
    s.setString(first, user);
    s.setObject(first + 1, at(r.occurredAt()));
    s.setString(first + 2, r.provider());
    s.setString(first + 3, r.model());
    s.setString(first + 4, r.feature());
    s.setInt(first + 5, r.promptTokens());
    s.setInt(first + 6, r.completionTokens());
    if (r.latencyMs() == null) {
      s.setNull(first + 7, Types.INTEGER);
    } else {
      s.setInt(first + 7, r.latencyMs());
    }
    s.setString(first + 8, r.promptHash());
    s.setString(first + 9, r.status());
  }

  private static OffsetDateTime at(Instant instant) {
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }

  private List<String> drift() throws SQLException {
    return drift(dataSource);
  }

  private static List<String> drift(HikariDataSource dataSource) throws SQLException {
    List<String> drift = new ArrayList<>();
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(DRIFT)) {
      while (r.next()) {
        drift.add(r.getString(1));
      }
    }
    return drift;
  }

  /** "minute: previous minute" of the user's rows, minutes after the user's first row. */
  private List<String> previousMinutes(String user) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement("""
        select extract(epoch from u.occurred_at - first)::int / 60 as minute,
               extract(epoch from r.previous_at - first)::int / 60 as previous
          from llm_usage u left join llm_usage_repeats r on r.id = u.id,
               (select min(occurred_at) as first from llm_usage where user_id = ?) f
         where u.user_id = ? order by u.occurred_at""")) {
      s.setString(1, user);
      s.setString(2, user);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          Object previous = r.getObject("previous");
          rows.add(r.getInt("minute") + ": " + (previous == null ? "none" : previous));
        }
      }
    }
    return rows;
  }

  private String fingerprint(String user) throws SQLException {
    try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement("""
        select string_agg(concat_ws('|', u.occurred_at, u.provider, u.model, u.feature, u.prompt_tokens, u.completion_tokens,
                                    u.latency_ms, u.prompt_hash, u.status, r.previous_at, r.previous_in_feature_at),
                          ',' order by u.occurred_at, u.id)
               || ' ' || (select string_agg(d::text, ',' order by day, provider, model, feature) from llm_usage_daily d
                           where d.user_id = ?)
          from llm_usage u left join llm_usage_repeats r on r.id = u.id
         where u.user_id = ?""")) {
      s.setString(1, user);
      s.setString(2, user);
      try (ResultSet r = s.executeQuery()) {
        r.next();
        return r.getString(1);
      }
    }
  }

  private long count(String sql) throws SQLException {
    return count(dataSource, sql);
  }

  private static long count(HikariDataSource dataSource, String sql) throws SQLException {
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
      r.next();
      return r.getLong(1);
    }
  }

  private int execute(String sql, Object... parameters) throws SQLException {
    try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        s.setObject(i + 1, parameters[i]);
      }
      return s.executeUpdate();
    }
  }
}

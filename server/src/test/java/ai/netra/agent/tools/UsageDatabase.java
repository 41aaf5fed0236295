package ai.netra.agent.tools;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.agent.Tool;
import ai.netra.db.Migrations;
import ai.netra.json.Json;
import ai.netra.testing.TestDependencies;
import com.fasterxml.jackson.core.type.TypeReference;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The usage tools' test database: migrated once per test run, with one price catalog every test
 * reads, and helpers to insert usage rows. Tests keep apart by using users of their own.
 */
final class UsageDatabase {

  /** "Now" for every tool test: Friday 2026-11-20, noon UTC. The default period is 2026-10-22 to 2026-11-20. */
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-20T12:00:00Z"), ZoneOffset.UTC);

  private static UsageDatabase instance;

  private final HikariDataSource dataSource;

  private UsageDatabase(HikariDataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** The shared database, created, migrated and given its catalog on first use. */
  static synchronized UsageDatabase get() {
    if (instance == null) {
      HikariConfig config = TestDependencies.freshDatabasePool("usage_tools", 4);
      config.addDataSourceProperty("socketTimeout", "60");
      HikariDataSource dataSource = new HikariDataSource(config);
      Runtime.getRuntime().addShutdownHook(new Thread(dataSource::close));
      new Migrations(dataSource).migrate();
      instance = new UsageDatabase(dataSource);
      instance.loadCatalog();
    }
    return instance;
  }

  DataSource dataSource() {
    return dataSource;
  }

  /**
   * The catalog (USD per 1M tokens, input / output):
   * openai gpt-4o 5.00 / 15.00 from 2024-01-01, then 2.50 / 10.00 from 2026-11-10;
   * openai gpt-4o-mini 0.15 / 0.60; anthropic claude-sonnet 3.00 / 15.00;
   * mistral mistral-large 2.00 / 6.00 only from 2026-11-01 (earlier rows are unpriced);
   * openai gpt-5 1.25 / 10.00 only from 2026-12-01 (no current price);
   * together and groq both price llama-3-70b (0.88 / 0.88 and 0.59 / 0.79);
   * acme unit-a and unit-b at 1.00 / 0.00, so a million prompt tokens cost exactly one dollar.
   * selfhost llama-local has no price at all.
   */
  private void loadCatalog() {
    price("openai", "gpt-4o", "5.00", "15.00", "2024-01-01");
    price("openai", "gpt-4o", "2.50", "10.00", "2026-11-10");
    price("openai", "gpt-4o-mini", "0.15", "0.60", "2024-01-01");
    price("anthropic", "claude-sonnet", "3.00", "15.00", "2024-01-01");
    price("mistral", "mistral-large", "2.00", "6.00", "2026-11-01");
    price("openai", "gpt-5", "1.25", "10.00", "2026-12-01");
    price("together", "llama-3-70b", "0.88", "0.88", "2024-01-01");
    price("groq", "llama-3-70b", "0.59", "0.79", "2024-01-01");
    price("acme", "unit-a", "1.00", "0.00", "2024-01-01");
    price("acme", "unit-b", "1.00", "0.00", "2024-01-01");
  }

  void price(String provider, String model, String input, String output, String effectiveFrom) {
    update("insert into model_prices (provider, model, input_usd_per_mtok, output_usd_per_mtok, effective_from) values (?, ?, ?, ?, ?)",
        provider, model, new BigDecimal(input), new BigDecimal(output), LocalDate.parse(effectiveFrom));
  }

  /** A new user id, registered in {@code users}. */
  String newUser(String name) {
    String id = name + "-" + UUID.randomUUID();
    update("insert into users (id) values (?)", id);
    return id;
  }

  /** One usage row as the tests write it. */
  record Row(String userId, Instant at, String provider, String model, String feature, int promptTokens, int completionTokens,
      Integer latencyMs, String promptHash, String status) {

    static Row of(String userId, String at, String provider, String model, String feature, int promptTokens,
        int completionTokens) {
      return new Row(userId, Instant.parse(at), provider, model, feature, promptTokens, completionTokens, null, null, "ok");
    }

    Row latency(Integer ms) {
      return new Row(userId, at, provider, model, feature, promptTokens, completionTokens, ms, promptHash, status);
    }

    Row hash(String hash) {
      return new Row(userId, at, provider, model, feature, promptTokens, completionTokens, latencyMs, hash, status);
    }

    Row status(String newStatus) {
      return new Row(userId, at, provider, model, feature, promptTokens, completionTokens, latencyMs, promptHash, newStatus);
    }
  }

  void insert(List<Row> rows) {
    String sql = "insert into llm_usage (user_id, occurred_at, provider, model, feature, prompt_tokens, completion_tokens,"
        + " latency_ms, prompt_hash, status) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
      c.setAutoCommit(false);
      int pending = 0;
      for (Row row : rows) {
        s.setString(1, row.userId());
        s.setObject(2, OffsetDateTime.ofInstant(row.at(), ZoneOffset.UTC));
        s.setString(3, row.provider());
        s.setString(4, row.model());
        s.setString(5, row.feature());
        s.setInt(6, row.promptTokens());
        s.setInt(7, row.completionTokens());
        if (row.latencyMs() == null) {
          s.setNull(8, Types.INTEGER);
        } else {
          s.setInt(8, row.latencyMs());
        }
        s.setString(9, row.promptHash());
        s.setString(10, row.status());
        s.addBatch();
        if (++pending == 1000) {
          s.executeBatch();
          pending = 0;
        }
      }
      s.executeBatch();
      c.commit();
    } catch (SQLException e) {
      throw new IllegalStateException("inserting usage rows failed: " + e.getMessage(), e);
    }
  }

  void insert(Row... rows) {
    insert(List.of(rows));
  }

  /**
   * Stores {@code rows} the way imports and corrections may arrive, so the daily sums and the
   * previous occurrences the database derives are put to work: in random order, in three
   * statements, after which the rows of a random ten days are deleted and inserted again (a
   * correction). The stored rows are the same as {@link #insert(List)} would store, under other ids.
   */
  void insertOutOfOrder(List<Row> rows, long seed) {
    Random random = new Random(seed);
    List<Row> shuffled = new ArrayList<>(rows);
    Collections.shuffle(shuffled, random);
    int third = shuffled.size() / 3;
    insert(shuffled.subList(0, third));
    insert(shuffled.subList(third, 2 * third));
    insert(shuffled.subList(2 * third, shuffled.size()));
    Instant from = shuffled.get(random.nextInt(shuffled.size())).at().truncatedTo(ChronoUnit.DAYS);
    Instant to = from.plus(10, ChronoUnit.DAYS);
    List<Row> corrected = shuffled.stream().filter(r -> !r.at().isBefore(from) && r.at().isBefore(to)).toList();
    Set<String> users = new TreeSet<>(corrected.stream().map(Row::userId).toList());
    for (String user : users) {
      update("delete from llm_usage where user_id = ? and occurred_at >= ? and occurred_at < ?", user,
          OffsetDateTime.ofInstant(from, ZoneOffset.UTC), OffsetDateTime.ofInstant(to, ZoneOffset.UTC));
    }
    insert(corrected);
  }

  /**
   * The hand-made month several tool tests compute by hand: eight rows of {@code alice} in the default
   * period (2026-10-22 to 2026-11-20), two just outside it, and one row of {@code bob}. Priced:
   * gpt-4o chat $6.50 (old price) and $3.50 (new price), gpt-4o-mini summarize $0.60 (an error) and
   * $0.15, gpt-4o-mini chat $0.00, claude-sonnet search $0.45 (a timeout); unpriced: llama-local
   * chat and mistral-large search. Total $11.20.
   */
  void insertHandMadeMonth(String alice, String bob) {
    insert(
        // gpt-4o's price fell on 2026-11-10 (5.00/15.00 -> 2.50/10.00 per 1M tokens); the UTC day decides:
        // 1M * 5.00 + 0.1M * 15.00 = 5.00 + 1.50 = $6.50
        Row.of(alice, "2026-11-09T23:59:59Z", "openai", "gpt-4o", "chat", 1_000_000, 100_000).latency(100),
        // 23:30 in New York on the 9th is the 10th in UTC: 1M * 2.50 + 0.1M * 10.00 = 2.50 + 1.00 = $3.50
        Row.of(alice, "2026-11-10T04:30:00Z", "openai", "gpt-4o", "chat", 1_000_000, 100_000).latency(200),
        // 2M * 0.15 + 0.5M * 0.60 = 0.30 + 0.30 = $0.60, an error
        Row.of(alice, "2026-11-15T10:00:00Z", "openai", "gpt-4o-mini", "summarize", 2_000_000, 500_000).latency(300)
            .status("error"),
        // 1M * 0.15 = $0.15
        Row.of(alice, "2026-11-16T10:00:00Z", "openai", "gpt-4o-mini", "summarize", 1_000_000, 0).latency(400),
        // no tokens: $0.00, priced
        Row.of(alice, "2026-11-16T11:00:00Z", "openai", "gpt-4o-mini", "chat", 0, 0),
        // no price in the catalog: unpriced
        Row.of(alice, "2026-11-17T10:00:00Z", "selfhost", "llama-local", "chat", 500_000, 50_000),
        // the period's first instant is included: 0.1M * 3.00 + 0.01M * 15.00 = 0.30 + 0.15 = $0.45, a timeout
        Row.of(alice, "2026-10-22T00:00:00Z", "anthropic", "claude-sonnet", "search", 100_000, 10_000).latency(500)
            .status("timeout"),
        // before mistral-large's first price (2026-11-01): unpriced
        Row.of(alice, "2026-10-25T08:00:00Z", "mistral", "mistral-large", "search", 1_000_000, 0).latency(600),
        // outside the period: to (2026-11-21) is excluded, and the day before from
        Row.of(alice, "2026-11-21T00:00:00Z", "openai", "gpt-4o", "chat", 1_000_000, 0).latency(9_000),
        Row.of(alice, "2026-10-21T23:59:59Z", "openai", "gpt-4o", "chat", 1_000_000, 0).latency(9_000),
        // another user's row in the same period
        Row.of(bob, "2026-11-12T12:00:00Z", "openai", "gpt-4o", "chat", 9_000_000, 0).latency(9_000).status("error"));
  }

  /** Rows of a query, each a map from column label to value, for the tests' independent checks. */
  List<Map<String, Object>> query(String sql, Object... parameters) {
    try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        s.setObject(i + 1, parameters[i]);
      }
      List<Map<String, Object>> rows = new ArrayList<>();
      try (ResultSet r = s.executeQuery()) {
        ResultSetMetaData meta = r.getMetaData();
        while (r.next()) {
          Map<String, Object> row = new LinkedHashMap<>();
          for (int i = 1; i <= meta.getColumnCount(); i++) {
            row.put(meta.getColumnLabel(i), r.getObject(i));
          }
          rows.add(row);
        }
      }
      return rows;
    } catch (SQLException e) {
      throw new IllegalStateException("test query failed: " + e.getMessage() + "\n" + sql, e);
    }
  }

  /** A nested object of a tool's data. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object value) {
    return (Map<String, Object>) value;
  }

  /**
   * A tool's figures as the wire carries them: what the service's JSON mapper writes of the record, read
   * back as maps, lists, strings and the numbers written (BigDecimal, Long, Integer).
   */
  static Map<String, Object> data(Tool.Result result) {
    return Json.mapper().convertValue(result.data(), new TypeReference<LinkedHashMap<String, Object>>() { });
  }

  /** A nested list of objects of a tool's data. */
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> list(Object value) {
    return (List<Map<String, Object>>) value;
  }

  /** The single row of a query. */
  Map<String, Object> one(String sql, Object... parameters) {
    List<Map<String, Object>> rows = query(sql, parameters);
    assertThat(rows).as("rows of %s", sql).hasSize(1);
    return rows.get(0);
  }

  void update(String sql, Object... parameters) {
    try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        s.setObject(i + 1, parameters[i]);
      }
      s.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException("test setup failed: " + e.getMessage(), e);
    }
  }

  /**
   * An independent pricing of a user's rows, for checking the tools: every row with its UTC
   * {@code day} and {@code cost} (null when unpriced), found through each price's validity range
   * (from its effective date up to the next one) instead of the tools' newest-price-first lookup,
   * and dividing by a million instead of multiplying by 0.000001. Parameters: user id.
   */
  static final String INDEPENDENT_ROWS = """
      with ranges as (
        select provider, model, input_usd_per_mtok, output_usd_per_mtok, effective_from,
               lead(effective_from) over (partition by provider, model order by effective_from) as effective_until
          from model_prices
      ), rows as (
        select u.id, u.user_id, u.occurred_at, (u.occurred_at at time zone 'UTC')::date as day, u.provider, u.model, u.feature,
               u.prompt_tokens, u.completion_tokens, u.latency_ms, u.prompt_hash, u.status,
               (u.prompt_tokens * r.input_usd_per_mtok + u.completion_tokens * r.output_usd_per_mtok) / 1000000 as cost
          from llm_usage u
          left join ranges r
            on r.provider = u.provider and r.model = u.model
           and (u.occurred_at at time zone 'UTC')::date >= r.effective_from
           and ((u.occurred_at at time zone 'UTC')::date < r.effective_until or r.effective_until is null)
         where u.user_id = ?
      )
      """;
}

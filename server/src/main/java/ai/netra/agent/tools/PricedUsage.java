package ai.netra.agent.tools;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * One user's LLM requests in a period, each priced at its model's catalog price of its UTC day: the
 * price row of the same provider and model with the latest {@code effective_from} on or before that
 * day. A request with no such row (a model missing from the catalog, or a day before its first
 * price) has a null cost and is reported as unpriced, never counted as free.
 */
final class PricedUsage {

  /** Bounds every statement, so a stuck database fails the tool call instead of hanging the agent. */
  static final int QUERY_TIMEOUT_SECONDS = 10;

  /**
   * A CTE named {@code usage}: the scope's rows with their {@code day} (UTC), price and
   * {@code cost_usd} (exact, null when unpriced). Binds {@link Scope#bind}'s five parameters.
   * Multiplying by 0.000001 instead of dividing by a million keeps every cost exact in numeric.
   */
  static final String WITH_USAGE = """
      with usage as (
        select u.id, u.occurred_at, (u.occurred_at at time zone 'UTC')::date as day,
               u.provider, u.model, u.feature, u.prompt_tokens, u.completion_tokens,
               u.latency_ms, u.prompt_hash, u.status,
               p.effective_from as price_effective_from, p.input_usd_per_mtok, p.output_usd_per_mtok,
               (u.prompt_tokens * p.input_usd_per_mtok + u.completion_tokens * p.output_usd_per_mtok) * 0.000001 as cost_usd
          from llm_usage u
          left join lateral (
            select mp.effective_from, mp.input_usd_per_mtok, mp.output_usd_per_mtok
              from model_prices mp
             where mp.provider = u.provider and mp.model = u.model
               and mp.effective_from <= (u.occurred_at at time zone 'UTC')::date
             order by mp.effective_from desc
             limit 1
          ) p on true
         where u.user_id = ? and u.occurred_at >= ? and u.occurred_at < ?
           and (cast(? as text) is null or u.feature = ?)
      )
      """;

  private static final String UNPRICED = WITH_USAGE + """
      select provider, model, count(*) as requests,
             coalesce(sum(prompt_tokens), 0) as prompt_tokens, coalesce(sum(completion_tokens), 0) as completion_tokens
        from usage
       where cost_usd is null
       group by provider, model
       order by requests desc, provider, model
      """;

  private PricedUsage() { }

  /** Whose rows, from when to when (to excluded), and optionally one feature. */
  record Scope(String userId, OffsetDateTime start, OffsetDateTime end, String feature) {
    Scope {
      Objects.requireNonNull(userId, "userId");
      Objects.requireNonNull(start, "start");
      Objects.requireNonNull(end, "end");
    }

    static Scope of(String userId, UsagePeriod period, String feature) {
      return new Scope(userId, period.start(), period.end(), feature);
    }

    /** Sets {@link #WITH_USAGE}'s parameters from index 1; returns the next free index. */
    int bind(PreparedStatement statement) throws SQLException {
      statement.setString(1, userId);
      statement.setObject(2, start);
      statement.setObject(3, end);
      statement.setString(4, feature);
      statement.setString(5, feature);
      return 6;
    }
  }

  /** Work done on one connection; may run several statements. */
  interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  /**
   * Runs {@code work} in one read-only repeatable-read transaction, so every figure of one tool call
   * comes from the same snapshot (the total and its parts agree even while rows are imported).
   *
   * @throws UsageQueryException naming the tool and the SQLState when the database fails
   */
  static <T> T read(DataSource dataSource, String tool, Work<T> work) {
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      connection.setReadOnly(true);
      try {
        T result = work.run(connection);
        connection.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new UsageQueryException(tool + ": the usage query failed (SQLState " + e.getSQLState() + ")", e);
    }
  }

  static PreparedStatement prepare(Connection connection, String sql) throws SQLException {
    PreparedStatement statement = connection.prepareStatement(sql);
    statement.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
    return statement;
  }

  /** The scope's rows that have no price, by model. */
  static Unpriced unpriced(Connection connection, Scope scope) throws SQLException {
    try (PreparedStatement s = prepare(connection, UNPRICED)) {
      scope.bind(s);
      List<Map<String, Object>> models = new ArrayList<>();
      long requests = 0;
      long promptTokens = 0;
      long completionTokens = 0;
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          Map<String, Object> model = new LinkedHashMap<>();
          model.put("provider", r.getString("provider"));
          model.put("model", r.getString("model"));
          model.put("requests", r.getLong("requests"));
          models.add(model);
          requests += r.getLong("requests");
          promptTokens += r.getLong("prompt_tokens");
          completionTokens += r.getLong("completion_tokens");
        }
      }
      return new Unpriced(requests, promptTokens, completionTokens, List.copyOf(models));
    }
  }

  /** Requests left out of every USD figure because the catalog has no price for their model on their day. */
  record Unpriced(long requests, long promptTokens, long completionTokens, List<Map<String, Object>> models) {

    Map<String, Object> describe() {
      Map<String, Object> data = new LinkedHashMap<>();
      data.put("requests", requests);
      data.put("prompt_tokens", promptTokens);
      data.put("completion_tokens", completionTokens);
      data.put("models", models);
      if (requests > 0) {
        data.put("note", "no catalog price for these models on these days; their cost is left out of every USD figure");
      }
      return data;
    }

    /** ", 12 requests unpriced" for a summary line, or nothing. */
    String suffix() {
      return requests == 0 ? "" : ", " + Figures.count(requests) + (requests == 1 ? " request" : " requests") + " unpriced";
    }
  }

  /**
   * The user a tool call answers for; every query filters on it.
   *
   * @throws IllegalArgumentException when it is missing
   */
  static String requireUser(String tool, String userId) {
    if (userId == null || userId.isBlank()) {
      throw new IllegalArgumentException(tool + ": a user id is required; tools only read one user's usage");
    }
    return userId;
  }
}

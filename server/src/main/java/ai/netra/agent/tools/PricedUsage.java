package ai.netra.agent.tools;

import ai.netra.usage.PricedSql;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * One user's LLM requests in a period, each priced at its model's catalog price of its UTC day: the
 * price row of the same provider and model with the latest {@code effective_from} on or before that
 * day. A request with no such row (a model missing from the catalog, or a day before its first
 * price) has a null cost and is reported as unpriced, never counted as free.
 *
 * <p>The tools price groups, not rows: a request's price depends only on its provider, model and
 * day, and cost is linear in tokens, so the requests of one (day, provider, model, ...) group are
 * summed first (in integers) and the group is priced once. Numeric arithmetic is exact, so the cost
 * of a group equals the sum of its requests' costs to the last digit, while the database does one
 * price lookup and one numeric product per group instead of per request. The database keeps those
 * sums per (user, day, provider, model, feature) in {@code llm_usage_daily} (exact at every commit:
 * triggers on {@code llm_usage} maintain it), so the tools read a few rows per day instead of every
 * request of the period. Each tool computes its groups in one statement.
 *
 * <p>The tools' connections bound every statement ({@code Database.TOOL_STATEMENTS}, on the server and
 * on each read), so the statements set no query timeout of their own: the driver's timer task for one
 * costs more CPU than a cached tool answer.
 */
final class PricedUsage {

  /** Memory for each sort, hash and stored intermediate result of a tool's statement (PostgreSQL's {@code work_mem}). */
  static final String WORK_MEM = "32MB";

  /** The UTC day of a request, from {@code occurred_at}. */
  static final String DAY = "(occurred_at at time zone 'UTC')::date";

  /**
   * The scope's groups of {@code llm_usage_daily} (the sums of the requests of one user, UTC
   * {@code day}, provider, model and feature: {@code requests}, {@code errors},
   * {@code hashed_requests}, {@code prompt_tokens}, {@code completion_tokens}, and
   * {@code latency_count} and {@code latency_sum} of those with a latency), as a where clause on the
   * unqualified table; binds {@link Scope#bind}'s five parameters.
   */
  static final String IN_SCOPE = "user_id = ? and day >= ? and day < ? and (cast(? as text) is null or feature = ?)";

  /**
   * The requests of the scope's user and days in {@code llm_usage}, whatever their feature, as a
   * where clause on the unqualified table; binds {@link Scope#bindRequests}'s three parameters.
   */
  static final String REQUESTS_IN_PERIOD = "user_id = ? and occurred_at >= ? and occurred_at < ?";

  /** See {@link PricedSql#WITH_PRICES}. */
  static final String WITH_PRICES = PricedSql.WITH_PRICES;

  /** The token components a group of {@code llm_usage_daily} needs to be priced, see {@link PricedSql#COMPONENTS}. */
  static final String COMPONENTS = PricedSql.COMPONENTS;

  /** {@link #COMPONENTS} summed over daily rows. */
  static final String SUM_COMPONENTS = PricedSql.SUM_COMPONENTS;

  private PricedUsage() { }

  /** See {@link PricedSql#priced}. */
  static String priced(String name, String groups) {
    return PricedSql.priced(name, groups);
  }

  /**
   * A CTE named {@code unpriced}: the requests of the priced groups {@code priced} (see
   * {@link #priced}) that have no price, by provider and model, with their {@code place} in the
   * order the tools list them (most requests first, then by name). Read its rows with
   * {@link Unpriced.Rows#add}.
   */
  static String unpriced(String priced) {
    return "unpriced as (\n"
        + "  select provider, model, sum(requests)::bigint as requests, sum(prompt_tokens)::bigint as prompt_tokens,\n"
        + "         sum(completion_tokens)::bigint as completion_tokens,\n"
        + "         row_number() over (order by sum(requests) desc, provider, model) as place\n"
        + "    from " + priced + " where cost_usd is null group by provider, model\n"
        + ")";
  }

  /** Whose rows, from which UTC day to which (to excluded), and optionally one feature. */
  record Scope(String userId, LocalDate from, LocalDate to, String feature) {
    Scope {
      Objects.requireNonNull(userId, "userId");
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(to, "to");
    }

    static Scope of(String userId, UsagePeriod period, String feature) {
      return new Scope(userId, period.from(), period.to(), feature);
    }

    /** The first instant of the scope: {@code from}'s midnight, UTC. */
    OffsetDateTime start() {
      return from.atStartOfDay().atOffset(ZoneOffset.UTC);
    }

    /** The first instant after the scope: {@code to}'s midnight, UTC. */
    OffsetDateTime end() {
      return to.atStartOfDay().atOffset(ZoneOffset.UTC);
    }

    /** Sets {@link #IN_SCOPE}'s parameters from index {@code first}; returns the next free index. */
    int bind(PreparedStatement statement, int first) throws SQLException {
      statement.setString(first, userId);
      statement.setObject(first + 1, from);
      statement.setObject(first + 2, to);
      statement.setString(first + 3, feature);
      statement.setString(first + 4, feature);
      return first + 5;
    }

    /** Sets {@link #REQUESTS_IN_PERIOD}'s parameters from index {@code first}; returns the next free index. */
    int bindRequests(PreparedStatement statement, int first) throws SQLException {
      statement.setString(first, userId);
      statement.setObject(first + 1, start());
      statement.setObject(first + 2, end());
      return first + 3;
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
      connection.setReadOnly(true);
      try {
        // For this transaction only, in one round trip: setTransactionIsolation would change the
        // session, costing a statement now and another when the pool resets the connection. The
        // caching estimate groups a long period's repeated requests (tens of thousands of rows) in
        // memory; at the default work_mem of 4 MB they would spill to temporary files. Each statement
        // is planned for its parameters: a plan cached for any period assumes a period of a row or
        // two and joins the prices by nested loops, which on a month's daily sums takes four times as
        // long as planning anew (about half a millisecond).
        try (Statement s = connection.createStatement()) {
          s.execute("set transaction isolation level repeatable read; set local work_mem = '" + WORK_MEM + "';"
              + " set local plan_cache_mode = force_custom_plan");
        }
        T result = work.run(connection);
        connection.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new UsageQueryException(tool, e);
    }
  }

  /** A model's requests, for the lists of models without a price. */
  record ModelRequests(String provider, String model, long requests) { }

  /** Requests left out of every USD figure because the catalog has no price for their model on their day. */
  record Unpriced(long requests, long promptTokens, long completionTokens, List<ModelRequests> models) {

    Unpriced {
      models = List.copyOf(models);
    }

    /** Collects the rows of an {@link PricedUsage#unpriced} CTE, read in their {@code place} order. */
    static final class Rows {
      private final List<ModelRequests> models = new ArrayList<>();
      private long requests;
      private long promptTokens;
      private long completionTokens;

      /** Adds the current row of {@code r}: its provider, model, requests, prompt_tokens and completion_tokens. */
      void add(ResultSet r) throws SQLException {
        models.add(new ModelRequests(r.getString("provider"), r.getString("model"), r.getLong("requests")));
        requests += r.getLong("requests");
        promptTokens += r.getLong("prompt_tokens");
        completionTokens += r.getLong("completion_tokens");
      }

      Unpriced done() {
        return new Unpriced(requests, promptTokens, completionTokens, models);
      }
    }

    /** Said only when there are unpriced requests. */
    @JsonProperty
    @JsonInclude(JsonInclude.Include.NON_NULL)
    String note() {
      return requests == 0 ? null : "no catalog price for these models on these days; their cost is left out of every USD figure";
    }

    /** ", 12 requests unpriced" for a summary line, or nothing. */
    String suffix() {
      return requests == 0 ? "" : ", " + Figures.count(requests) + (requests == 1 ? " request" : " requests") + " unpriced";
    }
  }

  /**
   * Requests that came from aggregate rows (a provider's usage export, a row standing for several requests): they
   * count in every sum of requests, tokens and spend, but carry no per-request detail (prompt hash, latency, status),
   * so a figure that needs it covers only the others. Null in a result when there are none.
   *
   * @param lacking what the aggregates have not ("prompt hashes")
   * @param coveredBy what covers only the other requests, with its verb ("caching advice covers")
   */
  record Aggregates(long aggregatedRequests, long requests, long otherRequests, java.math.BigDecimal sharePct,
      String statement) {

    static Aggregates of(long aggregated, long requests, String lacking, String coveredBy) {
      if (aggregated == 0) {
        return null;
      }
      long others = requests - aggregated;
      return new Aggregates(aggregated, requests, others,
          Figures.percent(java.math.BigDecimal.valueOf(aggregated), java.math.BigDecimal.valueOf(requests)),
          Figures.count(aggregated) + " of " + Figures.count(requests) + " requests came from an aggregate export without "
              + lacking + "; " + coveredBy + (others == 0 ? " none of them" : " the other " + Figures.count(others)));
    }
  }

  private static final String AGGREGATED = "select coalesce(sum(aggregated_requests), 0)::bigint, coalesce(sum(requests), 0)::bigint"
      + " from llm_usage_daily where " + IN_SCOPE;

  /** The scope's {@link Aggregates}, on the caller's snapshot; null when no request of it is an aggregate's. */
  static Aggregates aggregates(Connection c, Scope scope, String lacking, String coveredBy) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(AGGREGATED)) {
      scope.bind(s, 1);
      try (ResultSet r = s.executeQuery()) {
        r.next();
        return Aggregates.of(r.getLong(1), r.getLong(2), lacking, coveredBy);
      }
    }
  }

  /** The models listed by name in a price coverage, at most. */
  static final int COVERAGE_MODELS = 10;

  /**
   * The scope's groups by how they were priced: exactly, by a fallback, or not at all; one statement.
   * Binds the scope.
   */
  private static final String COVERAGE = WITH_PRICES + """
      , groups as (
        select day, provider, model, requests, prompt_tokens, completion_tokens, %2$s
          from llm_usage_daily
         where %1$s
      ), %3$s
      select coalesce(pricing, 'unpriced') as pricing, provider, model, price_model, sum(requests)::bigint as requests,
             sum(cost_usd) as cost_usd
        from priced
       group by 1, 2, 3, 4
       order by 1, sum(requests) desc, 2, 3
      """.formatted(IN_SCOPE, COMPONENTS, priced("priced", "groups"));

  /**
   * How well the scope's spend is priced: the requests (and their cost) priced exactly at their model's own prices,
   * those priced by a fallback (a model priced under its name without a date suffix, or a cached or cache-write
   * token at the base input price), and those not priced at all, whose cost no USD figure holds. Names the models
   * of the last two, most requests first.
   */
  record PriceCoverage(long requests, long exactRequests, java.math.BigDecimal exactUsd, long fallbackRequests,
      java.math.BigDecimal fallbackUsd, List<FallbackModel> fallbackModels, long unpricedRequests,
      List<ModelRequests> unpricedModels, java.math.BigDecimal exactPct) {

    /** "priced exactly: 97.1% of requests; by a fallback: ...; unpriced: 120 requests of acme/foo-1". */
    @JsonProperty
    String statement() {
      if (requests == 0) {
        return "no requests to price";
      }
      StringBuilder text = new StringBuilder(Figures.count(exactRequests) + " of " + Figures.count(requests)
          + " requests priced exactly (" + Figures.dollars(exactUsd) + ")");
      if (fallbackRequests > 0) {
        text.append("; ").append(Figures.count(fallbackRequests)).append(" priced by a fallback (")
            .append(Figures.dollars(fallbackUsd)).append(": ")
            .append(String.join(", ", fallbackModels.stream().map(m -> m.model() + " as " + m.pricedAs() + " (" + m.reason() + ")")
                .toList())).append(")");
      }
      if (unpricedRequests > 0) {
        text.append("; ").append(Figures.count(unpricedRequests)).append(" not priced at all, left out of every dollar figure (")
            .append(String.join(", ", unpricedModels.stream().map(m -> m.provider() + "/" + m.model()).toList())).append(")");
      }
      return text.toString();
    }

  }

  /** A model priced by a fallback: under which name, and why. */
  record FallbackModel(String provider, String model, String pricedAs, String reason, long requests) { }

  /** The price coverage of the scope's requests, on the caller's snapshot. */
  static PriceCoverage coverage(Connection c, Scope scope) throws SQLException {
    long exact = 0;
    long fallback = 0;
    long unpriced = 0;
    java.math.BigDecimal exactUsd = java.math.BigDecimal.ZERO;
    java.math.BigDecimal fallbackUsd = java.math.BigDecimal.ZERO;
    List<FallbackModel> fallbackModels = new ArrayList<>();
    List<ModelRequests> unpricedModels = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement(COVERAGE)) {
      scope.bind(s, 1);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          long requests = r.getLong("requests");
          switch (r.getString("pricing")) {
            case "exact" -> {
              exact += requests;
              exactUsd = exactUsd.add(r.getBigDecimal("cost_usd"));
            }
            case "fallback" -> {
              fallback += requests;
              fallbackUsd = fallbackUsd.add(r.getBigDecimal("cost_usd"));
              String model = r.getString("model");
              String pricedAs = r.getString("price_model");
              if (fallbackModels.size() < COVERAGE_MODELS) {
                fallbackModels.add(new FallbackModel(r.getString("provider"), model, pricedAs,
                    model.equals(pricedAs) ? "cached or cache-write tokens at the input price" : "a dated name at its model's price",
                    requests));
              }
            }
            default -> {
              unpriced += requests;
              if (unpricedModels.size() < COVERAGE_MODELS) {
                unpricedModels.add(new ModelRequests(r.getString("provider"), r.getString("model"), requests));
              }
            }
          }
        }
      }
    }
    long all = exact + fallback + unpriced;
    return new PriceCoverage(all, exact, Figures.usd(exactUsd), fallback, Figures.usd(fallbackUsd), fallbackModels, unpriced,
        unpricedModels, Figures.percent(java.math.BigDecimal.valueOf(exact), java.math.BigDecimal.valueOf(all)));
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

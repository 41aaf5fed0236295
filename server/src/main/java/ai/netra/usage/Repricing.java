package ai.netra.usage;

import ai.netra.db.Transactions;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * Reprices the whole usage history after a catalog change, atomically: in one transaction
 * {@code model_prices} becomes exactly the catalog (rows it lacks are removed), and the history's
 * spend and unpriced requests are measured before and after. The usage tools price every request at
 * the table's prices when they read, so the commit reprices every figure at once, and a failure
 * leaves the old prices whole.
 */
public final class Repricing {

  /** Every user's history, priced at the prices in the table at the time of reading. */
  private static final String TOTALS = PricedSql.WITH_PRICES + """
      , groups as (
        select day, provider, model, sum(requests) as requests, sum(prompt_tokens) as prompt_tokens,
               sum(completion_tokens) as completion_tokens, %s
          from llm_usage_daily
         group by day, provider, model
      ), %s
      select coalesce(sum(requests), 0)::bigint as requests, sum(cost_usd) as cost_usd,
             coalesce(sum(requests) filter (where cost_usd is null), 0)::bigint as unpriced,
             coalesce(sum(requests) filter (where pricing = 'fallback'), 0)::bigint as fallback
        from priced
      """.formatted(PricedSql.SUM_COMPONENTS, PricedSql.priced("priced", "groups"));

  /** The history's figures at one set of prices. */
  public record Totals(long requests, BigDecimal costUsd, long unpricedRequests, long fallbackRequests) { }

  /** What a repricing changed. */
  public record Result(int pricesWritten, int pricesRemoved, Totals before, Totals after) { }

  private Repricing() { }

  /**
   * Makes {@code model_prices} exactly {@code catalog} and measures the history before and after, in one transaction.
   *
   * @throws SQLException when the database refuses or fails; nothing is changed then
   */
  public static Result reprice(DataSource dataSource, PriceCatalog catalog) throws SQLException {
    return Transactions.inTransaction(dataSource, c -> {
      try (var s = c.createStatement()) {
        // the same lock order as a start's sync, so a concurrent start waits instead of deadlocking
        s.execute("lock table model_prices in share row exclusive mode");
      }
      Totals before = totals(c);
      PriceCatalog.Replaced replaced = catalog.replaceIn(c);
      return new Result(replaced.written(), replaced.removed(), before, totals(c));
    });
  }

  private static Totals totals(Connection c) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(TOTALS)) {
      s.setQueryTimeout(600);
      try (ResultSet r = s.executeQuery()) {
        r.next();
        BigDecimal cost = r.getBigDecimal("cost_usd");
        return new Totals(r.getLong("requests"), (cost == null ? BigDecimal.ZERO : cost).setScale(2, RoundingMode.HALF_UP),
            r.getLong("unpriced"), r.getLong("fallback"));
      }
    }
  }
}

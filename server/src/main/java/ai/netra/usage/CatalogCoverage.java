package ai.netra.usage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * How well {@code model_prices} covers the models every user's usage names over the last days: each
 * model seen is priced exactly, by a fallback, or not at all (a model counts by its worst day), with
 * the requests of each, so an operator sees a model missing from the catalog at the start, not weeks later.
 */
public final class CatalogCoverage {

  /** Unpriced and fallback models named in the report, at most. */
  static final int NAMED = 5;

  private static final String QUERY = PricedSql.WITH_PRICES + """
      , groups as (
        select day, provider, model, sum(requests) as requests, sum(prompt_tokens) as prompt_tokens,
               sum(completion_tokens) as completion_tokens, %s
          from llm_usage_daily
         where day >= ?
         group by day, provider, model
      ), %s
      select provider, model, coalesce(pricing, 'unpriced') as pricing, sum(requests)::bigint as requests
        from priced
       group by 1, 2, 3
       order by 4 desc, 1, 2
      """.formatted(PricedSql.SUM_COMPONENTS, PricedSql.priced("priced", "groups"));

  /** The figures of the report. */
  public record Report(int days, int models, int exactModels, List<String> fallbackModels, List<String> unpricedModels,
      int fallbackCount, int unpricedCount, long requests, long exactRequests, long unpricedRequests) {

    /** One line for the startup report. */
    public String line() {
      if (models == 0) {
        return "no usage in the last " + days + " days to check the catalog against";
      }
      String text = "catalog coverage of the last " + days + " days: " + models + (models == 1 ? " model" : " models") + " seen, "
          + exactModels + " priced exactly";
      if (fallbackCount > 0) {
        text += ", " + fallbackCount + " by a fallback (" + String.join(", ", fallbackModels) + more(fallbackCount, fallbackModels) + ")";
      }
      if (unpricedCount > 0) {
        text += ", " + unpricedCount + " NOT PRICED (" + String.join(", ", unpricedModels) + more(unpricedCount, unpricedModels)
            + "; " + unpricedRequests + " of " + requests + " requests left out of every dollar figure; add them to "
            + PriceCatalog.SETTING + ")";
      }
      return text + "; " + (requests == 0 ? "0" : String.format(java.util.Locale.ROOT, "%.1f", 100.0 * exactRequests / requests))
          + "% of requests priced exactly";
    }

    private static String more(int count, List<String> named) {
      return count > named.size() ? " and " + (count - named.size()) + " more" : "";
    }
  }

  private CatalogCoverage() { }

  /**
   * The coverage of the days from {@code today - days} on, in one statement bounded by {@code timeoutSeconds}.
   *
   * @throws SQLException when the database fails or the statement times out
   */
  public static Report lastDays(DataSource dataSource, LocalDate today, int days, int timeoutSeconds) throws SQLException {
    Map<String, String> worst = new LinkedHashMap<>();
    Map<String, Long> requestsOf = new LinkedHashMap<>();
    Map<String, Long> unpricedOf = new LinkedHashMap<>();
    try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(QUERY)) {
      s.setQueryTimeout(timeoutSeconds);
      s.setObject(1, today.minusDays(days));
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          String model = r.getString("provider") + "/" + r.getString("model");
          String pricing = r.getString("pricing");
          long requests = r.getLong("requests");
          requestsOf.merge(model, requests, Long::sum);
          if (pricing.equals("unpriced")) {
            unpricedOf.merge(model, requests, Long::sum);
          }
          worst.merge(model, pricing, (a, b) -> rank(a) >= rank(b) ? a : b);
        }
      }
    }
    List<String> fallback = new ArrayList<>();
    List<String> unpriced = new ArrayList<>();
    int fallbackCount = 0;
    int unpricedCount = 0;
    int exact = 0;
    for (Map.Entry<String, String> e : worst.entrySet()) {
      switch (e.getValue()) {
        case "exact" -> exact++;
        case "fallback" -> {
          fallbackCount++;
          if (fallback.size() < NAMED) {
            fallback.add(e.getKey());
          }
        }
        default -> {
          unpricedCount++;
          if (unpriced.size() < NAMED) {
            unpriced.add(e.getKey() + ": " + unpricedOf.get(e.getKey()) + " requests");
          }
        }
      }
    }
    long requests = requestsOf.values().stream().mapToLong(Long::longValue).sum();
    long unpricedRequests = unpricedOf.values().stream().mapToLong(Long::longValue).sum();
    long exactRequests = requestsOf.entrySet().stream().filter(e -> worst.get(e.getKey()).equals("exact"))
        .mapToLong(Map.Entry::getValue).sum();
    return new Report(days, worst.size(), exact, fallback, unpriced, fallbackCount, unpricedCount, requests, exactRequests,
        unpricedRequests);
  }

  private static int rank(String pricing) {
    return switch (pricing) {
      case "exact" -> 0;
      case "fallback" -> 1;
      default -> 2;
    };
  }
}

package ai.netra.agent.tools;

import ai.netra.usage.PricedSql;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.math.BigDecimal;
import java.math.MathContext;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * {@code anomalies}: days whose spend jumps above their trailing baseline. A day's baseline is the
 * mean daily spend of the {@code baseline_days} days before it (days without requests count as
 * zero); the day is anomalous when its spend exceeds the baseline by the ratio {@code threshold}
 * AND lies more than {@value #Z_THRESHOLD} sample standard deviations above it. A day is judged only
 * when its whole baseline window lies on or after the user's first request, so a new account's
 * first days are not flagged against an empty history. Spend counts priced requests only.
 *
 * <p>Why these defaults: a 7-day window always holds one whole week, so the weekly cycle is
 * averaged into the baseline instead of tripping it; even with no weekend traffic at all a weekday
 * is at most 7/5 = 1.4 times that mean, and a ratio of 2 leaves room for ordinary day-to-day noise
 * on top. A feature that carries a third or more of the spend and jumps fourfold lifts its day to
 * at least twice the baseline, so it is caught. The ratio alone would flag tiny wobbles of a very
 * steady account (a baseline of $1.00 with cents of noise); the z-score alone would flag ordinary
 * days of a spiky one; together a day must be both large relative to the baseline and unusual for
 * its variability. Drops are not flagged: a quiet day costs nothing.
 */
public final class AnomaliesTool extends UsageTool<AnomaliesTool.Question> {

  static final String NAME = "anomalies";
  static final int DEFAULT_BASELINE_DAYS = 7;
  static final String DEFAULT_THRESHOLD = "2";
  /** Standard deviations above the baseline a day must also exceed; fixed, see the class comment. */
  static final double Z_THRESHOLD = 3.0;

  private static final ToolParameters PARAMETERS = UsagePeriod.declare(ToolParameters.of(NAME))
      .integer("baseline_days", "How many days before each day form its baseline (their mean daily spend). 7 covers one week,"
          + " which averages out weekday/weekend swings.", 2, 90, DEFAULT_BASELINE_DAYS)
      .number("threshold", "Flag a day when its spend is more than this many times its baseline (and also more than "
          + (int) Z_THRESHOLD + " standard deviations above it).", "1", true, "100", DEFAULT_THRESHOLD)
      .build();

  private static final String FIRST_REQUEST = "select min(occurred_at) from llm_usage where user_id = ?";

  /**
   * The daily spend by feature and by model in one statement, from the daily groups of (day,
   * provider, model, feature); and the unpriced models of the period itself ({@code day >= ?}),
   * without the baseline days before it. Binds the scope with the baseline, then the period's first day.
   */
  private static final String DAILY = PricedUsage.WITH_PRICES + """
      , groups as (
        select day, provider, model, feature, requests, prompt_tokens, completion_tokens, %4$s
          from llm_usage_daily
         where %1$s
      ), %2$s, in_period as (
        select * from priced where day >= ?
      ), %3$s
      select 'day' as part, 0::bigint as place, day, provider, model, feature, cost_usd,
             requests::bigint as requests, null::bigint as prompt_tokens, null::bigint as completion_tokens,
             component_tokens, component_costs
        from priced
      union all
      select 'unpriced', place, null, provider, model, null, null, requests, prompt_tokens, completion_tokens, null, null
        from unpriced
      order by part, place
      """.formatted(PricedUsage.IN_SCOPE, PricedSql.pricedByComponent("priced", "groups"), PricedUsage.unpriced("in_period"),
          PricedUsage.COMPONENTS);

  public AnomaliesTool(DataSource dataSource, Clock clock) {
    this(dataSource, dataSource, clock);
  }

  /** See {@link UsageTool#UsageTool}. */
  AnomaliesTool(DataSource dataSource, DataSource lookups, Clock clock) {
    super(NAME, "Finds days whose LLM spend jumped far above the trailing baseline (mean of the previous days), and for each"
        + " names the feature and the model that caused most of the excess, and splits the excess into its causes (causes:"
        + " volume, model mix, price and tokens per request, in dollars that add up to it, with the requests, tokens per"
        + " request and the models whose share or price moved); also returns the daily spend of the period.",
        PARAMETERS, dataSource, lookups, clock);
  }

  /** Whose usage over which days, judged against how many days before each, with what ratio. */
  record Question(String userId, UsagePeriod period, int baselineDays, BigDecimal threshold) implements UsageTool.Scoped {
    @Override
    public PricedUsage.Scope scope() {
      return PricedUsage.Scope.of(userId, period, null);
    }
  }

  /** The figures of {@code anomalies}. */
  record Anomalies(UsagePeriod period, int baselineDays, BigDecimal thresholdRatio, double thresholdZ, int daysJudged,
      List<Anomaly> anomalies, List<Day> daily, PricedUsage.Unpriced unpriced) { }

  /** A day's spend, and its baseline when the day was judged (null when its history is too short). */
  record Day(String date, BigDecimal spendUsd, BigDecimal baselineUsd) { }

  /** A day whose spend jumped: by how much, and the feature and model that jumped most. */
  record Anomaly(String date, BigDecimal spendUsd, BigDecimal baselineUsd, BigDecimal excessUsd, BigDecimal ratio,
      BigDecimal zScore, BigDecimal baselineSdUsd, Contributor topFeature, Contributor topModel, SpendChange causes) { }

  /** A feature (or a provider and model: the keys that do not apply are left out) and its rise above its own baseline. */
  record Contributor(@JsonInclude(JsonInclude.Include.NON_NULL) String provider,
      @JsonInclude(JsonInclude.Include.NON_NULL) String model, @JsonInclude(JsonInclude.Include.NON_NULL) String feature,
      BigDecimal spendUsd, BigDecimal baselineUsd, BigDecimal excessUsd) { }

  @Override
  Question question(String userId, ToolArguments args, UsagePeriod period, Clock clock) {
    return new Question(userId, period, args.integer("baseline_days"), args.number("threshold"));
  }

  @Override
  Result answer(Connection c, Question question) throws SQLException {
    return detect(c, question);
  }

  /** Daily spend by one key (a feature, or a provider and model), plus the day's total. */
  private static final class Daily {
    final Map<LocalDate, BigDecimal> total = new HashMap<>();
    /** Keys in name order, so ties between contributors go to the first name. */
    final Map<List<String>, Map<LocalDate, BigDecimal>> byKey = new TreeMap<>(
        Comparator.<List<String>, String>comparing(key -> key.get(0)).thenComparing(key -> key.get(1)));

    BigDecimal total(LocalDate day) {
      return total.getOrDefault(day, BigDecimal.ZERO);
    }

    void add(LocalDate day, List<String> key, BigDecimal cost) {
      total.merge(day, cost, BigDecimal::add);
      byKey.computeIfAbsent(key, k -> new HashMap<>()).merge(day, cost, BigDecimal::add);
    }
  }

  private static Result detect(Connection c, Question question) throws SQLException {
    String userId = question.userId();
    UsagePeriod period = question.period();
    int baselineDays = question.baselineDays();
    LocalDate firstDay = firstDay(c, userId);
    PricedUsage.Scope withBaseline = new PricedUsage.Scope(userId, period.from().minusDays(baselineDays), period.to(), null);
    Daily byFeature = new Daily();
    Daily byModel = new Daily();
    PricedUsage.Unpriced.Rows unpricedRows = new PricedUsage.Unpriced.Rows();
    Map<LocalDate, List<SpendChange.ModelUsage>> byComponent = new HashMap<>();
    try (PreparedStatement s = c.prepareStatement(DAILY)) {
      s.setObject(withBaseline.bind(s, 1), period.from());
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          if (r.getString("part").equals("unpriced")) {
            unpricedRows.add(r);
            continue;
          }
          LocalDate day = r.getObject("day", LocalDate.class);
          BigDecimal cost = Figures.nullToZero(r.getBigDecimal("cost_usd"));
          byFeature.add(day, List.of(r.getString("feature"), ""), cost);
          byModel.add(day, List.of(r.getString("provider"), r.getString("model")), cost);
          if (r.getBigDecimal("cost_usd") != null) {
            byComponent.computeIfAbsent(day, d -> new ArrayList<>()).add(new SpendChange.ModelUsage(r.getString("provider"),
                r.getString("model"), r.getLong("requests"), longs(r.getArray("component_tokens")),
                decimals(r.getArray("component_costs"))));
          }
        }
      }
    }
    BigDecimal window = BigDecimal.valueOf(baselineDays);

    List<Day> dailyRows = new ArrayList<>();
    List<Anomaly> anomalies = new ArrayList<>();
    int judged = 0;
    for (LocalDate day = period.from(); day.isBefore(period.to()); day = day.plusDays(1)) {
      BigDecimal spend = byFeature.total(day);
      boolean judgeable = firstDay != null && !day.minusDays(baselineDays).isBefore(firstDay);
      if (!judgeable) {
        dailyRows.add(new Day(day.toString(), Figures.usd(spend), null));
        continue;
      }
      judged++;
      BigDecimal sum = BigDecimal.ZERO;
      for (int i = 1; i <= baselineDays; i++) {
        sum = sum.add(byFeature.total(day.minusDays(i)));
      }
      BigDecimal mean = Figures.divide(sum, window);
      BigDecimal squares = BigDecimal.ZERO;
      for (int i = 1; i <= baselineDays; i++) {
        BigDecimal d = byFeature.total(day.minusDays(i)).subtract(mean);
        squares = squares.add(d.multiply(d));
      }
      BigDecimal sd = Figures.divide(squares, BigDecimal.valueOf(baselineDays - 1L)).sqrt(MathContext.DECIMAL64);
      dailyRows.add(new Day(day.toString(), Figures.usd(spend), Figures.usd(mean)));

      BigDecimal excess = spend.subtract(mean);
      boolean aboveRatio = spend.compareTo(mean.multiply(question.threshold())) > 0;
      // a flat baseline (sd 0) makes any rise infinitely unusual; the ratio test alone then decides
      boolean aboveZ = sd.signum() == 0 ? excess.signum() > 0 : excess.doubleValue() / sd.doubleValue() > Z_THRESHOLD;
      if (!aboveRatio || !aboveZ) {
        continue;
      }
      anomalies.add(new Anomaly(day.toString(), Figures.usd(spend), Figures.usd(mean), Figures.usd(excess),
          Figures.ratio(spend, mean), sd.signum() == 0 ? null : Figures.oneDecimal(Figures.divide(excess, sd)), Figures.usd(sd),
          topContributor(byFeature, day, baselineDays, false), topContributor(byModel, day, baselineDays, true),
          causes(byComponent, day, baselineDays)));
    }

    PricedUsage.Unpriced unpriced = unpricedRows.done();
    Anomalies data = new Anomalies(period, baselineDays,
        new BigDecimal(question.threshold().stripTrailingZeros().toPlainString()), Z_THRESHOLD, judged, anomalies, dailyRows,
        unpriced);

    String summary;
    if (judged == 0) {
      summary = "Not enough history to judge " + period.words() + ": each day needs " + baselineDays + " days of usage before it"
          + (firstDay == null ? "; there is no usage at all" : " (first request on " + firstDay + ")");
    } else if (anomalies.isEmpty()) {
      summary = "No spend anomalies in " + period.words() + " (" + judged + " days judged against the trailing " + baselineDays
          + "-day mean)" + unpriced.suffix();
    } else {
      List<String> shown = new ArrayList<>();
      for (Anomaly a : anomalies.subList(0, Math.min(3, anomalies.size()))) {
        shown.add(a.date() + " " + Figures.dollars(a.spendUsd()) + " vs " + Figures.dollars(a.baselineUsd()) + " baseline"
            + (a.ratio() == null ? "" : " (" + a.ratio().toPlainString() + "x)"));
      }
      summary = anomalies.size() + (anomalies.size() == 1 ? " anomalous day" : " anomalous days") + " in " + period.words() + ": "
          + String.join("; ", shown) + (anomalies.size() > 3 ? "; ..." : "") + unpriced.suffix();
    }
    return new Result(summary, data);
  }

  private static LocalDate firstDay(Connection c, String userId) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(FIRST_REQUEST)) {
      s.setString(1, userId);
      try (ResultSet r = s.executeQuery()) {
        r.next();
        Timestamp first = r.getTimestamp(1);
        return first == null ? null : LocalDate.ofInstant(first.toInstant(), ZoneOffset.UTC);
      }
    }
  }

  /** The token kinds of {@link PricedSql#components}: whether each is written by the model (output). */
  private static final boolean[] OUTPUT_KINDS = outputKinds();

  private static boolean[] outputKinds() {
    List<PricedSql.Component> kinds = PricedSql.components("g", "p");
    boolean[] output = new boolean[kinds.size()];
    for (int k = 0; k < output.length; k++) {
      output[k] = kinds.get(k).output();
    }
    return output;
  }

  /** The day against the mean day of the {@code baselineDays} days before it, split into its causes. */
  private static SpendChange causes(Map<LocalDate, List<SpendChange.ModelUsage>> byComponent, LocalDate day, int baselineDays) {
    SpendChange.Period base = new SpendChange.Period(baselineDays, OUTPUT_KINDS.length);
    for (int i = 1; i <= baselineDays; i++) {
      byComponent.getOrDefault(day.minusDays(i), List.of()).forEach(base::add);
    }
    SpendChange.Period spike = new SpendChange.Period(1, OUTPUT_KINDS.length);
    byComponent.getOrDefault(day, List.of()).forEach(spike::add);
    return SpendChange.of(base, spike, OUTPUT_KINDS);
  }

  private static long[] longs(Array array) throws SQLException {
    Object[] values = (Object[]) array.getArray();
    long[] longs = new long[values.length];
    for (int i = 0; i < values.length; i++) {
      longs[i] = ((Number) values[i]).longValue();
    }
    return longs;
  }

  private static BigDecimal[] decimals(Array array) throws SQLException {
    Object[] values = (Object[]) array.getArray();
    BigDecimal[] decimals = new BigDecimal[values.length];
    for (int i = 0; i < values.length; i++) {
      decimals[i] = (BigDecimal) values[i];
    }
    return decimals;
  }

  /** The key whose spend on the day rose most above its own mean over the same baseline days. */
  private static Contributor topContributor(Daily daily, LocalDate day, int baselineDays, boolean model) {
    List<String> topKey = null;
    BigDecimal topExcess = null;
    BigDecimal topSpend = null;
    BigDecimal topMean = null;
    for (Map.Entry<List<String>, Map<LocalDate, BigDecimal>> e : daily.byKey.entrySet()) {
      Map<LocalDate, BigDecimal> spendByDay = e.getValue();
      BigDecimal sum = BigDecimal.ZERO;
      for (int i = 1; i <= baselineDays; i++) {
        sum = sum.add(spendByDay.getOrDefault(day.minusDays(i), BigDecimal.ZERO));
      }
      BigDecimal mean = Figures.divide(sum, BigDecimal.valueOf(baselineDays));
      BigDecimal spend = spendByDay.getOrDefault(day, BigDecimal.ZERO);
      BigDecimal excess = spend.subtract(mean);
      if (topExcess == null || excess.compareTo(topExcess) > 0) {
        topKey = e.getKey();
        topExcess = excess;
        topSpend = spend;
        topMean = mean;
      }
    }
    if (topKey == null) {
      return null;
    }
    return model
        ? new Contributor(topKey.get(0), topKey.get(1), null, Figures.usd(topSpend), Figures.usd(topMean), Figures.usd(topExcess))
        : new Contributor(null, null, topKey.get(0), Figures.usd(topSpend), Figures.usd(topMean), Figures.usd(topExcess));
  }
}

package ai.netra.agent.tools;

import static ai.netra.agent.tools.UsageDatabase.data;
import static ai.netra.agent.tools.UsageDatabase.list;
import static ai.netra.agent.tools.UsageDatabase.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.netra.agent.Tool;
import ai.netra.agent.tools.UsageDatabase.Row;
import java.math.BigDecimal;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnomaliesToolTest {

  private static final LocalDate SPIKE = LocalDate.parse("2026-11-10"); // a Tuesday

  private UsageDatabase db;
  private AnomaliesTool tool;
  private String dave;

  @BeforeAll
  void insertAWeeklyCycleWithOneSpike() {
    db = UsageDatabase.get();
    tool = new AnomaliesTool(db.dataSource(), UsageDatabase.CLOCK);
    dave = db.newUser("dave");
    // unit-a and unit-b cost $1 per 1M prompt tokens. Weekdays: chat $60 on unit-a + reports $40 on unit-b = $100;
    // weekends: $20 + $10 = $30. On Tuesday 2026-11-10 chat spends four times its usual: $240, the day $280.
    db.insert(weeklyCycle(dave, LocalDate.parse("2026-09-01"), 60, 40, 20, 10, SPIKE, 4));
  }

  /** One chat row on unit-a and one reports row on unit-b a day, in whole dollars; weekend amounts may be zero (no row). */
  private static List<Row> weeklyCycle(String user, LocalDate first, int chatWeekday, int reportsWeekday, int chatWeekend,
      int reportsWeekend, LocalDate spike, int spikeFactor) {
    List<Row> rows = new ArrayList<>();
    for (LocalDate day = first; !day.isAfter(LocalDate.parse("2026-11-20")); day = day.plusDays(1)) {
      boolean weekend = day.getDayOfWeek() == DayOfWeek.SATURDAY || day.getDayOfWeek() == DayOfWeek.SUNDAY;
      int chat = (weekend ? chatWeekend : chatWeekday) * (day.equals(spike) ? spikeFactor : 1);
      int reports = weekend ? reportsWeekend : reportsWeekday;
      if (chat > 0) {
        rows.add(Row.of(user, day + "T09:00:00Z", "acme", "unit-a", "chat", chat * 1_000_000, 0));
      }
      if (reports > 0) {
        rows.add(Row.of(user, day + "T15:00:00Z", "acme", "unit-b", "reports", reports * 1_000_000, 0));
      }
    }
    return rows;
  }

  @Test
  void findsTheOneDaySpikeAndNamesTheFeatureAndModelBehindIt() {
    Tool.Result result = tool.run(dave, Map.of());

    List<Map<String, Object>> anomalies = list(data(result).get("anomalies"));
    assertThat(anomalies).as("only the spike; no weekday after a weekend").hasSize(1);
    Map<String, Object> spike = anomalies.get(0);
    // any 7 days hold 5 weekdays and 2 weekend days: baseline (5 * 100 + 2 * 30) / 7 = 80;
    // sample sd = sqrt((5 * 20^2 + 2 * 50^2) / 6) = sqrt(1166.67) = 34.16; z = (280 - 80) / 34.16 = 5.86
    assertThat(spike).containsEntry("date", "2026-11-10")
        .containsEntry("spend_usd", new BigDecimal("280.00"))
        .containsEntry("baseline_usd", new BigDecimal("80.00"))
        .containsEntry("excess_usd", new BigDecimal("200.00"))
        .containsEntry("ratio", new BigDecimal("3.5"))
        .containsEntry("z_score", new BigDecimal("5.9"))
        .containsEntry("baseline_sd_usd", new BigDecimal("34.16"));
    // chat's own baseline: (5 * 60 + 2 * 20) / 7 = 48.57, excess 240 - 48.57 = 191.43; reports' excess is 40 - 31.43
    assertThat(map(spike.get("top_feature"))).isEqualTo(Map.of("feature", "chat", "spend_usd", new BigDecimal("240.00"),
        "baseline_usd", new BigDecimal("48.57"), "excess_usd", new BigDecimal("191.43")));
    assertThat(map(spike.get("top_model"))).isEqualTo(Map.of("provider", "acme", "model", "unit-a",
        "spend_usd", new BigDecimal("240.00"), "baseline_usd", new BigDecimal("48.57"), "excess_usd", new BigDecimal("191.43")));
    // the same two requests a day, on the same models at the same prices: the chat request was four times as long
    assertThat(map(spike.get("causes"))).containsEntry("change_usd", new BigDecimal("200.00"))
        .containsEntry("volume_usd", new BigDecimal("0.00")).containsEntry("model_mix_usd", new BigDecimal("0.00"))
        .containsEntry("price_usd", new BigDecimal("0.00")).containsEntry("tokens_per_request_usd", new BigDecimal("200.00"))
        .containsEntry("tokens_side", "prompt");
    assertThat(data(result)).containsEntry("days_judged", 30).containsEntry("baseline_days", 7)
        .containsEntry("threshold_ratio", new BigDecimal("2")).containsEntry("threshold_z", 3.0);

    List<Map<String, Object>> daily = list(data(result).get("daily"));
    assertThat(daily).hasSize(30);
    assertThat(daily.get(0)).isEqualTo(Map.of("date", "2026-10-22", "spend_usd", new BigDecimal("100.00"),
        "baseline_usd", new BigDecimal("80.00")));
    // the Saturday after the spike: its window 11-07..11-13 holds the spike, (560 + 180) / 7 = 105.71
    assertThat(daily.get(23)).isEqualTo(Map.of("date", "2026-11-14", "spend_usd", new BigDecimal("30.00"),
        "baseline_usd", new BigDecimal("105.71")));
    assertThat(result.summary()).isEqualTo("1 anomalous day in 2026-10-22 to 2026-11-20: 2026-11-10 $280.00 vs $80.00 baseline (3.5x)");
  }

  /**
   * Issue 22: a spike is split into its causes from the stored rows. Rows of 10 and 20 requests each (an export's
   * aggregates), a price that doubles on the spike day (its effective date) and a model that appears that day.
   */
  @Test
  void aSpikeIsSplitIntoVolumeModelMixPriceAndTokensPerRequest() {
    db.price("acme", "spike-x", "10.00", "0.00", "2024-01-01");
    db.price("acme", "spike-x", "20.00", "0.00", "2026-11-18");
    db.price("acme", "spike-y", "10.00", "0.00", "2024-01-01");
    String tess = db.newUser("tess");
    for (LocalDate day = LocalDate.parse("2026-11-01"); !day.isAfter(LocalDate.parse("2026-11-20")); day = day.plusDays(1)) {
      boolean spike = day.equals(LocalDate.parse("2026-11-18"));
      // spike-x: 10 requests of 100k prompt tokens a day ($10, $20 from 11-18); on the spike day 20 of 200k ($80)
      aggregate(tess, day, "spike-x", spike ? 20 : 10, spike ? 4_000_000 : 1_000_000);
      if (spike) {
        aggregate(tess, day, "spike-y", 10, 1_000_000); // $10
      }
    }

    Tool.Result result = tool.run(tess, Map.of());

    Map<String, Object> spike = list(data(result).get("anomalies")).stream()
        .filter(a -> a.get("date").equals("2026-11-18")).findFirst().orElseThrow();
    assertThat(spike).containsEntry("spend_usd", new BigDecimal("90.00")).containsEntry("baseline_usd", new BigDecimal("10.00"))
        .containsEntry("excess_usd", new BigDecimal("80.00"));
    Map<String, Object> causes = map(spike.get("causes"));
    // one token kind: spike-x's cell goes from $10 to $80, L = 70 / ln 8 = 33.66; the requests tripled (10 -> 30):
    // volume L ln 3 = 36.98; spike-x's share fell to 2/3: L ln(2/3) = -13.65, and spike-y came: its $10 is model mix,
    // -3.65 in all; its requests are twice as long and its price doubled: L ln 2 = 23.33 each, and the cent the
    // rounding leaves goes to one of them. 36.98 - 3.65 + 23.34 + 23.33 = 80.00
    assertThat(causes).containsEntry("change_usd", new BigDecimal("80.00"))
        .containsEntry("volume_usd", new BigDecimal("36.98")).containsEntry("model_mix_usd", new BigDecimal("-3.65"))
        .containsEntry("requests_base", new BigDecimal("10.0")).containsEntry("requests_spike", new BigDecimal("30.0"))
        .containsEntry("prompt_tokens_per_request_base", new BigDecimal("100000.0"))
        .containsEntry("prompt_tokens_per_request_spike", new BigDecimal("166666.7"));
    assertThat(List.of(causes.get("price_usd"), causes.get("tokens_per_request_usd")))
        .containsExactlyInAnyOrder(new BigDecimal("23.33"), new BigDecimal("23.34"));
    assertThat(list(causes.get("shares"))).extracting(m -> m.get("model") + " " + m.get("share_base_pct") + " " + m.get("share_spike_pct"))
        .as("both moved by a third; a tie goes to the first name").containsExactly("spike-x 100.0 66.7", "spike-y 0.0 33.3");
    assertThat(list(causes.get("prices"))).extracting(m -> m.get("model")).containsExactly("spike-x");
  }

  /** One stored row for {@code requests} requests of {@code model} on {@code day}, with their prompt tokens summed. */
  private void aggregate(String user, LocalDate day, String model, int requests, int promptTokens) {
    db.update("insert into llm_usage (user_id, occurred_at, provider, model, feature, prompt_tokens, completion_tokens, status,"
        + " requests) values (?, ?, 'acme', ?, 'chat', ?, 0, 'ok', ?)", user, day.atTime(9, 0).atOffset(java.time.ZoneOffset.UTC),
        model, promptTokens, requests);
  }

  @Test
  void theRatioThresholdIsAnArgument() {
    assertThat(list(data(tool.run(dave, Map.of("threshold", 4))).get("anomalies"))).as("3.5x is below 4x").isEmpty();
    assertThat(list(data(tool.run(dave, Map.of("threshold", 3.4))).get("anomalies"))).hasSize(1);
  }

  @Test
  void aLongerBaselineStillFindsTheSpike() {
    Tool.Result result = tool.run(dave, Map.of("baseline_days", 14));

    // 14 days: 10 weekdays and 4 weekend days, mean 80; sd = sqrt((10 * 400 + 4 * 2500) / 13) = 32.82, z = 6.09
    assertThat(list(data(result).get("anomalies"))).singleElement()
        .satisfies(a -> assertThat(a).containsEntry("date", "2026-11-10").containsEntry("baseline_usd", new BigDecimal("80.00"))
            .containsEntry("z_score", new BigDecimal("6.1")));
  }

  @Test
  void weekendsWithoutAnyTrafficAreNotAnomaliesNorAreTheMondaysAfter() {
    String olga = db.newUser("olga");
    // weekdays $100, weekends nothing at all: baseline 500 / 7 = 71.43, a weekday is 1.4x it
    db.insert(weeklyCycle(olga, LocalDate.parse("2026-08-01"), 70, 30, 0, 0, null, 1));

    Tool.Result result = tool.run(olga, Map.of());

    assertThat(list(data(result).get("anomalies"))).isEmpty();
    assertThat(result.summary()).isEqualTo("No spend anomalies in 2026-10-22 to 2026-11-20 (30 days judged against the trailing"
        + " 7-day mean)");
  }

  @Test
  void aSmallRiseOnAVerySteadyAccountIsNotAnAnomaly() {
    String sam = db.newUser("sam");
    List<Row> rows = new ArrayList<>();
    // $100 and $101 alternating: sd about 0.5, so $110 is 19 sd above the mean, but only 1.1x it
    for (LocalDate day = LocalDate.parse("2026-10-01"); day.isBefore(LocalDate.parse("2026-11-21")); day = day.plusDays(1)) {
      int dollars = day.equals(SPIKE) ? 110 : 100 + day.getDayOfMonth() % 2;
      rows.add(Row.of(sam, day + "T09:00:00Z", "acme", "unit-a", "chat", dollars * 1_000_000, 0));
    }
    db.insert(rows);

    assertThat(list(data(tool.run(sam, Map.of())).get("anomalies"))).isEmpty();
  }

  @Test
  void aDayThatIsLargeOnlyForAVolatileAccountIsNotAnAnomaly() {
    String vera = db.newUser("vera");
    List<Row> rows = new ArrayList<>();
    // $10 and $100 on alternate days: a 7-day window has mean 48.57 or 61.43 and sd about 48, so $130 is more than
    // twice the mean but less than 2 sd above it
    for (LocalDate day = LocalDate.parse("2026-10-01"); day.isBefore(LocalDate.parse("2026-11-21")); day = day.plusDays(1)) {
      int dollars = day.equals(SPIKE) ? 130 : day.toEpochDay() % 2 == 0 ? 10 : 100;
      rows.add(Row.of(vera, day + "T09:00:00Z", "acme", "unit-a", "chat", dollars * 1_000_000, 0));
    }
    db.insert(rows);

    Tool.Result result = tool.run(vera, Map.of());

    Map<String, Object> spikeDay = list(data(result).get("daily")).stream()
        .filter(d -> d.get("date").equals(SPIKE.toString())).findFirst().orElseThrow();
    assertThat((BigDecimal) spikeDay.get("spend_usd"))
        .isGreaterThan(((BigDecimal) spikeDay.get("baseline_usd")).multiply(BigDecimal.TWO));
    assertThat(list(data(result).get("anomalies"))).isEmpty();
  }

  @Test
  void aNewAccountIsNotJudgedAgainstAnEmptyHistory() {
    String pete = db.newUser("pete");
    db.insert(Row.of(pete, "2026-11-15T09:00:00Z", "acme", "unit-a", "chat", 500_000_000, 0));

    Tool.Result result = tool.run(pete, Map.of());

    assertThat(data(result)).containsEntry("days_judged", 0);
    assertThat(list(data(result).get("anomalies"))).isEmpty();
    assertThat(result.summary()).isEqualTo("Not enough history to judge 2026-10-22 to 2026-11-20: each day needs 7 days of usage"
        + " before it (first request on 2026-11-15)");
    assertThat(tool.run(db.newUser("nobody"), Map.of()).summary()).endsWith("; there is no usage at all");
  }

  @Test
  void badSettingsAreRefused() {
    assertThatThrownBy(() -> tool.run(dave, Map.of("threshold", 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("anomalies: threshold must be a number greater than 1 and at most 100, got 1");
    assertThatThrownBy(() -> tool.run(dave, Map.of("baseline_days", 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("anomalies: baseline_days must be an integer from 2 to 90, got 1");
  }

  @Test
  void findsAPlantedSpikeInNoisyWeeklyTrafficButNotTheSeasonality() {
    for (long seed = 1; seed <= 5; seed++) {
      Random random = new Random(seed);
      String user = db.newUser("seasonal");
      List<LocalDate> weekdays = new ArrayList<>();
      List<Row> rows = new ArrayList<>();
      LocalDate first = LocalDate.parse("2026-07-24");
      for (LocalDate day = first; day.isBefore(LocalDate.parse("2026-11-21")); day = day.plusDays(1)) {
        if (day.getDayOfWeek().getValue() <= 5 && day.isAfter(LocalDate.parse("2026-09-01"))) {
          weekdays.add(day);
        }
      }
      LocalDate spike = weekdays.get(random.nextInt(weekdays.size()));
      for (LocalDate day = first; day.isBefore(LocalDate.parse("2026-11-21")); day = day.plusDays(1)) {
        // weekdays: chat about $75 and search about $25, each +-10%; weekends a fifth of that; chat 4x on the spike day
        double scale = day.getDayOfWeek().getValue() >= 6 ? 0.2 : 1.0;
        double chat = 75 * scale * (0.9 + 0.2 * random.nextDouble()) * (day.equals(spike) ? 4 : 1);
        double search = 25 * scale * (0.9 + 0.2 * random.nextDouble());
        rows.add(Row.of(user, day + "T10:00:00Z", "acme", "unit-a", "chat", (int) (chat * 1_000_000), 0));
        rows.add(Row.of(user, day + "T11:00:00Z", "openai", "gpt-4o-mini", "search", (int) (search / 0.15 * 1_000_000), 0));
      }
      db.insert(rows);

      Tool.Result result = tool.run(user, Map.of("from", "2026-08-01", "to", "2026-11-21"));

      assertThat(list(data(result).get("anomalies"))).as("seed %d, spike on %s", seed, spike)
          .extracting(a -> a.get("date") + " " + map(a.get("top_feature")).get("feature"))
          .containsExactly(spike + " chat");
    }
  }

  @Test
  @Tag("slow") // a randomized cross-check against an independent query: the full tier runs it
  void matchesAnIndependentQueryOnARandomHistory() {
    String quinn = db.newUser("quinn");
    db.insertOutOfOrder(RandomUsage.history(quinn, 51, 40), 51);
    db.insertOutOfOrder(RandomUsage.history(db.newUser("rita"), 52, 40), 52);

    for (int baselineDays : new int[] {7, 10}) {
      Tool.Result result = tool.run(quinn, Map.of("from", "2026-07-01", "to", "2026-11-21", "baseline_days", baselineDays));

      List<Map<String, Object>> expected = db.query(UsageDatabase.INDEPENDENT_ROWS + """
          , calendar as (
            select generate_series(cast(? as date) - %1$d, cast(? as date) - 1, interval '1 day')::date as day
          ), daily as (
            select c.day, coalesce(sum(r.cost), 0) as spend from calendar c left join rows r on r.day = c.day group by c.day
          ), windowed as (
            select day, spend, avg(spend) over w as mean, stddev_samp(spend) over w as sd
              from daily window w as (order by day rows between %1$d preceding and 1 preceding)
          )
          select day, round(spend, 2) as spend_usd, round(mean, 2) as baseline_usd,
                 spend > mean * 2 and case when sd = 0 then spend > mean else (spend - mean) / sd > 3 end as anomalous
            from windowed
           where day >= cast(? as date) and day - %1$d >= (select min(day) from rows)
           order by day
          """.formatted(baselineDays), quinn, LocalDate.parse("2026-07-01"), LocalDate.parse("2026-11-21"),
          LocalDate.parse("2026-07-01"));
      String what = "anomalies with baseline_days " + baselineDays;
      List<Map<String, Object>> judged = list(data(result).get("daily")).stream()
          .filter(d -> d.get("baseline_usd") != null).toList();
      assertThat(judged).as(what).extracting(d -> d.get("date") + " " + d.get("spend_usd") + " " + d.get("baseline_usd"))
          .isEqualTo(expected.stream().map(e -> e.get("day") + " " + e.get("spend_usd") + " " + e.get("baseline_usd")).toList());
      List<String> expectedDays = expected.stream().filter(e -> (Boolean) e.get("anomalous")).map(e -> e.get("day").toString())
          .toList();
      assertThat(expectedDays).as(what + ": the random history's spikes must give the detector something to find").isNotEmpty();
      List<Map<String, Object>> anomalies = list(data(result).get("anomalies"));
      assertThat(anomalies).as(what).extracting(a -> (String) a.get("date")).isEqualTo(expectedDays);

      for (Map<String, Object> anomaly : anomalies) {
        LocalDate day = LocalDate.parse((String) anomaly.get("date"));
        Map<String, Object> top = db.one(UsageDatabase.INDEPENDENT_ROWS + """
            select feature from (
              select feature, coalesce(sum(cost) filter (where day = ?), 0)
                       - coalesce(sum(cost) filter (where day >= ? and day < ?), 0) / %d as excess
                from rows where day >= ? and day <= ? group by feature
               order by excess desc, feature limit 1) best
            """.formatted(baselineDays), quinn, day, day.minusDays(baselineDays), day, day.minusDays(baselineDays), day);
        assertThat(map(anomaly.get("top_feature")).get("feature")).as(what + " on " + day).isEqualTo(top.get("feature"));
      }
    }
  }
}

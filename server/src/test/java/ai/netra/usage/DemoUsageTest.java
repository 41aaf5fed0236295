package ai.netra.usage;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DemoUsageTest {

  private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-10-08T09:30:00Z"), ZoneOffset.UTC);
  private static final String USER = "demo-user";

  /** Spend per call at the price in force on the call's day (UTC). */
  private static final String PRICED = """
      with priced as (
        select u.*, (u.occurred_at at time zone 'UTC')::date as day,
               (u.prompt_tokens * p.input_usd_per_mtok + u.completion_tokens * p.output_usd_per_mtok) / 1000000 as cost
          from llm_usage u
          join lateral (
            select input_usd_per_mtok, output_usd_per_mtok from model_prices p
             where p.provider = u.provider and p.model = u.model
               and p.effective_from <= (u.occurred_at at time zone 'UTC')::date
             order by p.effective_from desc limit 1) p on true
         where u.user_id = ?)
      """;

  private HikariDataSource dataSource;
  private UsageStore store;
  private DemoUsage demo;

  @BeforeAll
  void insertTheDemoHistory() throws Exception {
    dataSource = MigratedDatabase.open("demo_usage");
    PriceCatalog.bundled().sync(dataSource);
    store = new UsageStore(dataSource);
    demo = new DemoUsage(CLOCK);
    List<UsageRecord> rows = demo.generate();
    long begin = System.nanoTime();
    store.insertIfNone(USER, rows);
    long insertMs = (System.nanoTime() - begin) / 1_000_000;
    System.out.printf(Locale.ROOT, "demo usage: %,d rows stored with one COPY in %d ms%n", rows.size(), insertMs);
  }

  @AfterAll
  void close() {
    if (dataSource != null) {
      dataSource.close();
    }
  }

  @Test
  void theSameClockGivesTheSameRowsAndAnotherClockOthers() throws Exception {
    List<UsageRecord> first = new DemoUsage(CLOCK).generate();
    List<UsageRecord> again = new DemoUsage(Clock.fixed(CLOCK.instant(), ZoneOffset.ofHours(5))).generate();
    assertThat(again).as("the same instant, seen from another zone").isEqualTo(first);

    List<UsageRecord> later = new DemoUsage(Clock.offset(CLOCK, Duration.ofDays(1))).generate();
    assertThat(later.getFirst().occurredAt()).as("a day later, the history starts a day later")
        .isAfter(first.getFirst().occurredAt().plus(Duration.ofHours(20)));

    store.insert("demo-twin", first);
    String fingerprint = """
        select md5(string_agg(concat_ws('|', occurred_at, provider, model, feature, prompt_tokens, completion_tokens,
                                        latency_ms, prompt_hash, status), ',' order by occurred_at, id))
          from llm_usage where user_id = ?""";
    assertThat(single(fingerprint, "demo-twin")).as("the stored rows of two generations")
        .isEqualTo(single(fingerprint, USER));
  }

  @Test
  void aboutFortyThousandCallsOverTheLastSixtyDaysUpToNow() throws Exception {
    assertThat(Long.parseLong(single("select count(*) from llm_usage where user_id = ?", USER)))
        .as("rows of the demo history").isBetween(36_000L, 44_000L);
    Instant first = Instant.parse(single("select to_char(min(occurred_at) at time zone 'UTC',"
        + " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') from llm_usage where user_id = ?", USER));
    Instant last = Instant.parse(single("select to_char(max(occurred_at) at time zone 'UTC',"
        + " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') from llm_usage where user_id = ?", USER));
    assertThat(first).as("the earliest call").isAfterOrEqualTo(CLOCK.instant().minus(Duration.ofDays(60)))
        .isBefore(CLOCK.instant().minus(Duration.ofDays(59)));
    assertThat(last).as("the latest call").isBefore(CLOCK.instant()).isAfter(CLOCK.instant().minus(Duration.ofHours(2)));
    assertThat(column("select feature from llm_usage where user_id = ? group by feature order by count(*) desc", USER))
        .as("features, busiest first")
        .containsExactly("support-chat", "summarize", "search-rerank", "code-review", "onboarding-email");
  }

  @Test
  void everyModelUsedIsInThePriceCatalog() {
    PriceCatalog catalog = PriceCatalog.bundled();
    assertThat(DemoUsage.models()).allSatisfy(m ->
        assertThat(catalog.knows(m.substring(0, m.indexOf('/')), m.substring(m.indexOf('/') + 1))).as(m).isTrue());
    assertThat(DemoUsage.models()).as("some expensive models").contains("anthropic/claude-opus-4", "google/gemini-2.5-pro");
  }

  @Test
  void oneFeatureSpendsAboutFourTimesItsNormalOnOneDayThreeToFiveDaysAgo() throws Exception {
    LocalDate spikeDay = demo.spikeDay();
    assertThat(spikeDay).isEqualTo(LocalDate.parse("2025-10-04"));

    List<String> byDay = column(PRICED + "select day || '=' || round(sum(cost), 2) from priced"
        + " where feature = 'code-review' group by day order by sum(cost) desc", USER);
    assertThat(byDay.getFirst()).as("code-review's most expensive day").startsWith(spikeDay.toString());
    double spike = Double.parseDouble(byDay.getFirst().split("=")[1]);
    double others = byDay.subList(1, byDay.size()).stream().mapToDouble(d -> Double.parseDouble(d.split("=")[1]))
        .average().orElseThrow();
    assertThat(spike / others).as("spike day spend against an average other day").isBetween(3.0, 6.0);

    String totalTop = single(PRICED + "select day from priced group by day order by sum(cost) desc limit 1", USER);
    assertThat(totalTop).as("the day of the highest total spend").isEqualTo(spikeDay.toString());

    List<String> otherFeatures = column(PRICED + """
        select feature from (
          select feature, day, sum(cost) / avg(sum(cost)) over (partition by feature) as ratio
            from priced group by feature, day) d
         where ratio > 2.5 and feature <> 'code-review' group by feature""", USER);
    assertThat(otherFeatures).as("no other feature has a day of 2.5 times its average").isEmpty();
  }

  @Test
  void aQuarterOfSupportChatPromptsRepeatFromAFewFaqPrompts() throws Exception {
    String repeated = """
        with r as (select prompt_hash from llm_usage where user_id = ? and feature = 'support-chat'
                    group by prompt_hash having count(*) > 1)
        select count(*) || ' ' || (select count(*) from r) from llm_usage
         where user_id = ? and feature = 'support-chat' and prompt_hash in (select prompt_hash from r)""";
    String[] counts = single(repeated, USER, USER).split(" ");
    double support = Double.parseDouble(single("select count(*) from llm_usage where user_id = ?"
        + " and feature = 'support-chat'", USER));
    assertThat(Long.parseLong(counts[0]) / support).as("share of support-chat calls with a repeated prompt")
        .isBetween(0.20, 0.32);
    assertThat(Long.parseLong(counts[1])).as("distinct repeated support-chat prompts").isBetween(5L, 12L);
    assertThat(single("select count(distinct prompt_tokens) from llm_usage where user_id = ? and prompt_hash ="
        + " (select prompt_hash from llm_usage where user_id = ? and feature = 'support-chat'"
        + "  group by prompt_hash order by count(*) desc limit 1)", USER, USER))
        .as("token counts of the most repeated prompt").isEqualTo("1");
  }

  @Test
  void callsFollowTheWorkingWeekAndDayAndSomeFail() throws Exception {
    double weekday = Double.parseDouble(single("select count(*) / count(distinct (occurred_at at time zone 'UTC')::date)::float"
        + " from llm_usage where user_id = ? and extract(isodow from occurred_at at time zone 'UTC') < 6", USER));
    double weekend = Double.parseDouble(single("select count(*) / count(distinct (occurred_at at time zone 'UTC')::date)::float"
        + " from llm_usage where user_id = ? and extract(isodow from occurred_at at time zone 'UTC') >= 6", USER));
    assertThat(weekday / weekend).as("calls per weekday against per weekend day").isGreaterThan(1.5);

    int busiestHour = Integer.parseInt(single("select extract(hour from occurred_at at time zone 'UTC')::int from llm_usage"
        + " where user_id = ? and feature = 'support-chat' group by 1 order by count(*) desc limit 1", USER));
    assertThat(busiestHour).as("busiest UTC hour of support-chat").isBetween(12, 18);
    int batchHour = Integer.parseInt(single("select extract(hour from occurred_at at time zone 'UTC')::int from llm_usage"
        + " where user_id = ? and feature = 'summarize' group by 1 order by count(*) desc limit 1", USER));
    assertThat(batchHour).as("busiest UTC hour of summarize (the nightly batch)").isBetween(2, 3);

    double failed = Double.parseDouble(single("select avg(case when status <> 'ok' then 1.0 else 0 end)"
        + " from llm_usage where user_id = ?", USER));
    assertThat(failed).as("share of calls ending in error or timeout").isBetween(0.01, 0.02);
    assertThat(column("select status from llm_usage where user_id = ? group by status order by status", USER))
        .containsExactly("error", "ok", "timeout");
    assertThat(single("select count(*) from llm_usage where user_id = ? and status <> 'ok' and completion_tokens > 0", USER))
        .as("failed calls that produced tokens").isEqualTo("0");

    List<String> promptSizes = column("select feature from llm_usage where user_id = ? group by feature"
        + " order by percentile_cont(0.5) within group (order by prompt_tokens) desc", USER);
    assertThat(promptSizes.getFirst()).as("the feature with the longest prompts").isEqualTo("code-review");
    assertThat(promptSizes.getLast()).as("the feature with the shortest prompts").isIn("onboarding-email", "search-rerank");
  }

  @Test
  void seedingAUserWhoHasRowsAddsNothing() {
    long before = store.count(USER);
    assertThat(store.insertIfNone(USER, demo.generate())).isZero();
    assertThat(store.count(USER)).isEqualTo(before);
  }

  private String single(String sql, String... params) throws Exception {
    List<String> values = column(sql, params);
    assertThat(values).as(sql).hasSize(1);
    return values.getFirst();
  }

  private List<String> column(String sql, String... params) throws Exception {
    List<String> values = new ArrayList<>();
    try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        s.setString(i + 1, params[i]);
      }
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          values.add(rs.getString(1));
        }
      }
    }
    return values;
  }
}

package ai.netra.agent;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.auth.SigningKey;
import ai.netra.auth.Tokens;
import ai.netra.config.Settings;
import ai.netra.testing.ChatClient;
import ai.netra.testing.ServiceProcess;
import ai.netra.testing.TestDependencies;
import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.text.NumberFormat;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The offline agent over the development demo data, through the real service and socket: each of
 * the questions gets the five events in order and an answer whose figures match an
 * independent SQL query written here (priced row by row with a lateral lookup, not the tools' SQL).
 */
class AgentsIT {

  private static final String SECRET = "agents-it-secret-0123456789abcdefghijklmnop";
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final List<String> FIVE = List.of("agent_started", "agent_thinking", "tool_executing", "tool_completed",
      "agent_completed");
  /** Each row priced at its provider/model's latest price in effect on its UTC day. */
  private static final String PRICED = """
      select u.id, u.occurred_at, u.feature, u.model, u.prompt_hash, u.prompt_tokens, u.completion_tokens,
             (u.occurred_at at time zone 'UTC')::date as day,
             (u.prompt_tokens * p.input_usd_per_mtok + u.completion_tokens * p.output_usd_per_mtok) / 1000000.0 as cost
        from llm_usage u
        join lateral (select input_usd_per_mtok, output_usd_per_mtok from model_prices p
                       where p.provider = u.provider and p.model = u.model
                         and p.effective_from <= (u.occurred_at at time zone 'UTC')::date
                       order by p.effective_from desc limit 1) p on true
       where u.user_id = 'dev'
      """;

  private static ServiceProcess service;
  private static String jdbcUrl;
  private static String token;

  @BeforeAll
  static void start() throws Exception {
    String databaseUrl = TestDependencies.freshDatabaseUrl("agents");
    jdbcUrl = "jdbc:postgresql://127.0.0.1:" + TestDependencies.postgresPort() + databaseUrl.substring(databaseUrl.lastIndexOf('/'))
        + "?user=postgres";
    service = ServiceProcess.start(Map.of("JWT_SECRET_KEY", SECRET, "DATABASE_URL", databaseUrl));
    service.awaitStatus("/health/ready", 200, Duration.ofSeconds(90));
    JsonNode demo = ServiceProcess.step(service.json("/health/startup"), "demo-usage");
    assertThat(demo.path("status").asText()).as("the demo data step: %s", demo).isEqualTo("OK");
    token = new Tokens(SigningKey.load(Settings.read(Map.of("JWT_SECRET_KEY", SECRET)))).mint("dev", Duration.ofMinutes(10));
  }

  @AfterAll
  static void stop() {
    if (service != null) {
      service.close();
    }
  }

  /** Asks one question on a new socket; returns the run's events up to agent_completed, checked for the five kinds in order. */
  private static List<JsonNode> ask(String question) throws Exception {
    try (ChatClient chat = ChatClient.connect(URI.create("ws://127.0.0.1:" + service.port() + "/ws/chat"), token, null)) {
      assertThat(chat.next(WAIT).path("type").asText()).isEqualTo("connection_established");
      chat.send("{\"type\":\"user_message\",\"payload\":{\"content\":\"" + question + "\"}}");
      List<JsonNode> events = chat.until("agent_completed", WAIT);
      List<String> types = events.stream().map(e -> e.path("type").asText()).toList();
      assertThat(types).as("no error in %s", types).doesNotContain("error");
      List<Integer> firsts = FIVE.stream().map(types::indexOf).toList();
      assertThat(firsts).as("each of the five kinds, in order, in %s", types).doesNotContain(-1).isSorted();
      assertThat(events.getLast().path("payload").path("status").asText()).isEqualTo("completed");
      for (JsonNode e : events) {
        if (e.path("type").asText().equals("tool_executing")) {
          assertThat(e.path("payload").path("arguments").isObject()).as("arguments in %s", e).isTrue();
        }
        if (e.path("type").asText().equals("tool_completed")) {
          assertThat(e.path("payload").path("status").asText()).as("tool ok in %s", e).isEqualTo("ok");
          assertThat(e.path("payload").path("summary").asText()).isNotBlank();
        }
      }
      return events;
    }
  }

  private static JsonNode figures(List<JsonNode> events) {
    return events.getLast().path("payload").path("figures");
  }

  private static String answer(List<JsonNode> events) {
    return events.getLast().path("payload").path("answer").asText();
  }

  private static BigDecimal sql(String query, Object... parameters) throws SQLException {
    try (Connection c = DriverManager.getConnection(jdbcUrl); PreparedStatement s = c.prepareStatement(query)) {
      for (int i = 0; i < parameters.length; i++) {
        s.setObject(i + 1, parameters[i]);
      }
      try (ResultSet r = s.executeQuery()) {
        r.next();
        BigDecimal value = r.getBigDecimal(1);
        return value == null ? BigDecimal.ZERO.setScale(2) : value.setScale(2, RoundingMode.HALF_UP);
      }
    }
  }

  private static String usd(BigDecimal amount) {
    NumberFormat format = NumberFormat.getNumberInstance(Locale.US);
    format.setMinimumFractionDigits(2);
    format.setMaximumFractionDigits(2);
    return "$" + format.format(amount);
  }

  private static LocalDate today() {
    return LocalDate.now(ZoneOffset.UTC);
  }

  @Test
  void whereCanICutMySpend() throws Exception {
    List<JsonNode> events = ask("where can I cut my AI spend?");
    JsonNode figures = figures(events);
    LocalDate from = today().minusDays(29);
    LocalDate to = today().plusDays(1);
    BigDecimal total = sql("select round(sum(cost), 2) from (" + PRICED + ") x where day >= ? and day < ?", from, to);
    assertThat(figures.path("cost_breakdown").path("total").path("cost_usd").decimalValue()).isEqualByComparingTo(total);
    assertThat(answer(events)).contains("you spent " + usd(total));

    BigDecimal cached = sql("select round(sum(cost) filter (where rn > 1), 2) from (select cost, row_number() over"
        + " (partition by prompt_hash order by occurred_at, id) as rn from (" + PRICED + ") x"
        + " where prompt_hash is not null and day >= ? and day < ?) y", from, to);
    assertThat(cached).isPositive();
    assertThat(figures.path("caching_opportunity").path("saved_usd").decimalValue()).isEqualByComparingTo(cached);
    assertThat(answer(events)).contains(usd(cached));

    JsonNode whatIf = figures.path("what_if_switch");
    assertThat(whatIf.isObject()).as("a cheaper model was priced: %s", figures).isTrue();
    String feature = whatIf.path("feature").asText();
    String fromModel = whatIf.path("from_model").asText();
    BigDecimal now = sql("select sum(cost) from (" + PRICED + ") x where day >= ? and day < ? and feature = ? and model = ?",
        from, to, feature, fromModel);
    BigDecimal onTarget = sql("select sum((prompt_tokens * p.input_usd_per_mtok + completion_tokens * p.output_usd_per_mtok)"
        + " / 1000000.0) from (" + PRICED + ") x, lateral (select input_usd_per_mtok, output_usd_per_mtok from model_prices p"
        + " where p.model = ? and p.effective_from <= current_date order by p.effective_from desc limit 1) p"
        + " where day >= ? and day < ? and feature = ? and model = ?", whatIf.path("to_model").asText(), from, to, feature, fromModel);
    BigDecimal savings = now.subtract(onTarget).multiply(whatIf.path("share").decimalValue());
    assertThat(whatIf.path("savings_usd").decimalValue().subtract(savings).abs()).as("savings vs SQL %s", savings)
        .isLessThanOrEqualTo(new BigDecimal("0.02"));
    assertThat(answer(events)).contains(usd(whatIf.path("savings_usd").decimalValue()));
  }

  @Test
  void whatDidAFeatureCostLastWeek() throws Exception {
    String feature;
    try (Connection c = DriverManager.getConnection(jdbcUrl);
        ResultSet r = c.createStatement().executeQuery(
            "select feature from llm_usage where user_id = 'dev' group by feature order by count(*) desc limit 1")) {
      r.next();
      feature = r.getString(1);
    }
    List<JsonNode> events = ask("what did feature " + feature + " cost last week?");
    LocalDate monday = today().with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
    BigDecimal expected = sql("select round(sum(cost), 2) from (" + PRICED + ") x where day >= ? and day < ? and feature = ?",
        monday.minusWeeks(1), monday, feature);
    assertThat(expected).isPositive();
    assertThat(answer(events)).startsWith(feature + " cost " + usd(expected) + " over last week");
    List<BigDecimal> rows = new ArrayList<>();
    figures(events).path("cost_breakdown").path("rows").forEach(row -> {
      if (row.path("feature").asText().equals(feature)) {
        rows.add(row.path("cost_usd").decimalValue());
      }
    });
    assertThat(rows).singleElement().satisfies(cost -> assertThat(cost).isEqualByComparingTo(expected));
  }

  @Test
  void isCachingWorthIt() throws Exception {
    List<JsonNode> events = ask("is caching worth it?");
    LocalDate from = today().minusDays(29);
    LocalDate to = today().plusDays(1);
    BigDecimal spend = sql("select round(sum(cost), 2) from (" + PRICED + ") x where day >= ? and day < ?", from, to);
    BigDecimal saved = sql("select round(sum(cost) filter (where rn > 1), 2) from (select cost, row_number() over"
        + " (partition by prompt_hash order by occurred_at, id) as rn from (" + PRICED + ") x"
        + " where prompt_hash is not null and day >= ? and day < ?) y", from, to);
    JsonNode caching = figures(events).path("caching_opportunity");
    assertThat(caching.path("saved_usd").decimalValue()).isEqualByComparingTo(saved);
    assertThat(caching.path("spend_usd").decimalValue()).isEqualByComparingTo(spend);
    assertThat(answer(events)).contains("saved " + usd(saved)).contains("of your " + usd(spend) + " spend").contains("Verdict:");
  }

  @Test
  void anyAnomalies() throws Exception {
    List<JsonNode> events = ask("any anomalies?");
    JsonNode anomalies = figures(events).path("anomalies").path("anomalies");
    assertThat(anomalies.size()).as("the planted spike is found: %s", figures(events)).isGreaterThanOrEqualTo(1);
    boolean recent = false;
    for (JsonNode day : anomalies) {
      LocalDate date = LocalDate.parse(day.path("date").asText());
      BigDecimal spend = sql("select round(sum(cost), 2) from (" + PRICED + ") x where day = ?", date);
      BigDecimal baseline = sql("select round(coalesce(sum(cost), 0) / 7, 2) from (" + PRICED + ") x where day >= ? and day < ?",
          date.minusDays(7), date);
      assertThat(day.path("spend_usd").decimalValue()).as("spend of %s", date).isEqualByComparingTo(spend);
      assertThat(day.path("baseline_usd").decimalValue().subtract(baseline).abs()).as("baseline of %s", date)
          .isLessThanOrEqualTo(new BigDecimal("0.01"));
      assertThat(spend).as("%s is more than twice its baseline", date).isGreaterThan(baseline.multiply(BigDecimal.TWO));
      assertThat(answer(events)).contains(date.toString()).contains(usd(spend));
      // issue 22: the change splits into four causes that add up to it to the cent
      JsonNode causes = day.path("causes");
      assertThat(causes.path("volume_usd").decimalValue().add(causes.path("model_mix_usd").decimalValue())
          .add(causes.path("price_usd").decimalValue()).add(causes.path("tokens_per_request_usd").decimalValue()))
          .as("the causes of %s: %s", date, causes).isEqualByComparingTo(day.path("excess_usd").decimalValue());
      recent |= !date.isBefore(today().minusDays(7));
    }
    assertThat(recent).as("the spike planted in the last week is among them").isTrue();
    // the planted spike is one feature making six times its calls: more requests, and, as that feature runs on a
    // dearer model than most, a model mix that moves toward it
    assertThat(answer(events)).contains("above the usual").contains("more requests +$").contains("model mix +$");
  }

  @Test
  void theSameQuestionOnTheSameDataGetsTheSameAnswer() throws Exception {
    assertThat(answer(ask("any anomalies?"))).isEqualTo(answer(ask("any anomalies?")));
  }
}

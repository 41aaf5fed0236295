package ai.netra.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.netra.auth.SigningKey;
import ai.netra.auth.Tokens;
import ai.netra.config.Settings;
import ai.netra.testing.ChatClient;
import ai.netra.testing.ServiceProcess;
import ai.netra.testing.TestDependencies;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Scrapes /metrics of the real service: the startup series match /health/startup, the socket and run series move. */
@Tag("fast")
class MetricsIT {

  private static final String SECRET = "metrics-it-secret-0123456789abcdefghijklmnop";
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\\{[^}]*\\})?) (\\S+)$", Pattern.MULTILINE);
  private static ServiceProcess service;
  private static Tokens tokens;

  @BeforeAll
  static void start() throws Exception {
    service = ServiceProcess.start(Map.of("JWT_SECRET_KEY", SECRET));
    service.awaitStatus("/health/ready", 200, Duration.ofSeconds(60));
    tokens = new Tokens(SigningKey.load(Settings.read(Map.of("JWT_SECRET_KEY", SECRET))));
  }

  @AfterAll
  static void stop() {
    if (service != null) {
      service.close();
    }
  }

  /** Every sample of one scrape, by series (name with labels as printed). */
  private static Map<String, Double> scrape() throws Exception {
    HttpResponse<String> response = service.get("/metrics");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
    Map<String, Double> samples = new HashMap<>();
    Matcher m = SAMPLE.matcher(response.body());
    while (m.find()) {
      samples.put(m.group(1), Double.parseDouble(m.group(2)));
    }
    return samples;
  }

  private static Map<String, Double> scrapeWhenUp() {
    return await().atMost(WAIT).ignoreExceptions().until(MetricsIT::scrape, s -> !s.isEmpty());
  }

  private static double value(Map<String, Double> samples, String series) {
    return samples.getOrDefault(series, 0.0);
  }

  @Test
  void startupSeriesMatchTheReport() throws Exception {
    Map<String, Double> samples = scrapeWhenUp();
    JsonNode report = service.json("/health/startup");
    assertThat(value(samples, "netra_startup_outcome{outcome=\"READY\"}")).isEqualTo(1.0);
    assertThat(value(samples, "netra_startup_outcome{outcome=\"STARTING\"}")).isEqualTo(0.0);
    assertThat(value(samples, "netra_ready")).isEqualTo(1.0);
    assertThat(value(samples, "netra_startup_elapsed_seconds")).isEqualTo(report.path("elapsed_ms").asLong() / 1000.0);
    int steps = 0;
    for (JsonNode phase : report.path("phases")) {
      assertThat(samples.keySet()).as("phase %s", phase.path("name").asText())
          .anyMatch(k -> k.startsWith("netra_startup_phase_duration_seconds{phase=\"" + phase.path("name").asText() + "\"}"));
      for (JsonNode step : phase.path("steps")) {
        steps++;
        String labels = "component=\"" + step.path("component").asText() + "\",criticality=\"" + step.path("criticality").asText()
            + "\",phase=\"" + phase.path("name").asText() + "\",step=\"" + step.path("name").asText() + "\"";
        double seconds = (step.path("end_ms").asLong() - step.path("start_ms").asLong()) / 1000.0;
        assertThat(value(samples, "netra_startup_step_duration_seconds{" + labels + "}")).as(labels).isEqualTo(seconds);
        assertThat(value(samples, "netra_startup_step_attempts{" + labels + "}")).as(labels).isEqualTo(step.path("attempts").asDouble());
      }
    }
    assertThat(steps).isGreaterThan(10);
    assertThat(samples.keySet()).anyMatch(k -> k.startsWith("netra_db_pool_connections{state=\"max\"}"));
    assertThat(samples).containsKey("netra_redis_errors_total");
  }

  @Test
  void socketEventAndRunSeriesMove() throws Exception {
    Map<String, Double> before = scrapeWhenUp();
    String token = tokens.mint("metrics-" + TestDependencies.RUN, Duration.ofMinutes(5));
    URI uri = URI.create("ws://127.0.0.1:" + service.port() + "/ws/chat");
    try (ChatClient first = ChatClient.connect(uri, token, null); ChatClient second = ChatClient.connect(uri, token, null)) {
      first.next(WAIT);
      second.next(WAIT);
      assertThat(value(scrape(), "netra_websocket_open")).isEqualTo(value(before, "netra_websocket_open") + 2);
      first.send("{\"type\":\"ping\"}");
      first.until("pong", WAIT);
      first.send("{\"type\":\"user_message\",\"payload\":{\"content\":\"any anomalies?\"}}");
      first.until("agent_completed", WAIT);
      second.until("agent_completed", WAIT); // the same user's other socket gets the run too
      second.socket().sendClose(1000, "done").join();
      await().atMost(WAIT).until(() -> value(scrape(), "netra_websocket_open") == value(before, "netra_websocket_open") + 1);
    }
    Map<String, Double> after = await().atMost(WAIT).until(MetricsIT::scrape,
        s -> value(s, "netra_websocket_open") == value(before, "netra_websocket_open"));
    assertThat(value(after, "netra_websocket_events_sent_total{type=\"pong\"}"))
        .isEqualTo(value(before, "netra_websocket_events_sent_total{type=\"pong\"}") + 1);
    assertThat(value(after, "netra_websocket_events_sent_total{type=\"agent_completed\"}"))
        .as("one run, two sockets").isEqualTo(value(before, "netra_websocket_events_sent_total{type=\"agent_completed\"}") + 2);
    assertThat(value(after, "netra_websocket_closes_total{code=\"1000\"}"))
        .isGreaterThanOrEqualTo(value(before, "netra_websocket_closes_total{code=\"1000\"}") + 1);
    assertThat(value(after, "netra_agent_run_seconds_count{status=\"completed\"}"))
        .isEqualTo(value(before, "netra_agent_run_seconds_count{status=\"completed\"}") + 1);
    assertThat(value(after, "netra_llm_calls_seconds_count{model=\"offline\",outcome=\"ok\"}"))
        .isGreaterThan(value(before, "netra_llm_calls_seconds_count{model=\"offline\",outcome=\"ok\"}"));
    assertThat(after.keySet()).noneMatch(k -> k.contains("code=\"1011\"") && after.get(k) > 0);
  }

  /** Issue 16: a client chooses its close code, and every new code was a new series kept forever. */
  @Test
  void closeCodesAClientMakesUpAreCountedAsOther() throws Exception {
    Map<String, Double> before = scrapeWhenUp();
    String token = tokens.mint("metrics-codes-" + TestDependencies.RUN, Duration.ofMinutes(5));
    URI uri = URI.create("ws://127.0.0.1:" + service.port() + "/ws/chat");
    for (int code : new int[] {4001, 4002, 3999}) {
      try (ChatClient chat = ChatClient.connect(uri, token, null)) {
        chat.next(WAIT);
        chat.socket().sendClose(code, "made up").join();
        chat.closeCode(WAIT);
      }
    }
    Map<String, Double> after = await().atMost(WAIT).until(MetricsIT::scrape,
        s -> value(s, "netra_websocket_closes_total{code=\"other\"}")
            >= value(before, "netra_websocket_closes_total{code=\"other\"}") + 3);
    assertThat(after.keySet()).as("series").noneMatch(k -> k.contains("code=\"4001\"") || k.contains("code=\"4002\"")
        || k.contains("code=\"3999\""));
  }
}

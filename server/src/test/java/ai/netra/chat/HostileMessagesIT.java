package ai.netra.chat;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.auth.SigningKey;
import ai.netra.auth.Tokens;
import ai.netra.config.Settings;
import ai.netra.testing.ChatClient;
import ai.netra.testing.ServiceProcess;
import ai.netra.testing.TestDependencies;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Issue 16: twenty users each send one message built to trap the offline planner's patterns ("did " 8,000
 * times took most of a second per match) to a service held to one CPU. Every message is answered, and the health
 * endpoints keep answering meanwhile. Their 50 ms is measured by {@code bench/health-under-load.sh}; here the bound
 * is generous, for a shared machine, but far below the seconds a probe waited before.
 */
class HostileMessagesIT {

  private static final String SECRET = "hostile-messages-it-secret-0123456789abcdef";
  private static final int USERS = 20;
  /**
   * The most a health probe may take here. The old service held probes past 10 s (the probes gave up); on a shared
   * machine with a load average of 20 on 2 CPUs, and no CPU pinned, single probes have still taken seconds. The 50 ms
   * is measured by the benchmark, on a pinned CPU.
   */
  private static final Duration PROBE_BOUND = Duration.ofSeconds(8);
  /** How long one message may take to be answered, from its socket's opening. */
  private static final Duration ANSWER_WITHIN = Duration.ofSeconds(60);
  private static final List<String> HOSTILE = List.of(
      "did ".repeat(8_000),
      "a".repeat(32_000),
      "from 2026-10-03 to ".repeat(1_600) + "what did it cost",
      "did it cost ".repeat(2_600),
      "last past previous 1 ".repeat(1_500));

  @Test
  void twentyHostileMessagesOnOneCpuAreAllAnsweredWhileHealthKeepsAnswering() throws Exception {
    try (ServiceProcess service = ServiceProcess.start(Map.of("JWT_SECRET_KEY", SECRET, "DB_POOL_SIZE", "20",
        "JAVA_TOOL_OPTIONS", "-XX:ActiveProcessorCount=1"))) {
      service.awaitStatus("/health/ready", 200, Duration.ofSeconds(90));
      Tokens tokens = new Tokens(SigningKey.load(Settings.read(Map.of("JWT_SECRET_KEY", SECRET))));
      AtomicBoolean loading = new AtomicBoolean(true);
      List<String> slowProbes = new ArrayList<>();
      List<Long> probeMillis = new ArrayList<>();
      try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
        Future<?> prober = threads.submit(() -> {
          while (loading.get()) {
            for (String path : List.of("/health/live", "/health/ready")) {
              long started = System.nanoTime();
              String outcome;
              try {
                outcome = String.valueOf(service.send(HttpRequest.newBuilder(service.uri(path))
                    .timeout(Duration.ofSeconds(15)).GET().build()).statusCode());
              } catch (Exception e) {
                outcome = e.toString();
              }
              long ms = (System.nanoTime() - started) / 1_000_000;
              synchronized (probeMillis) {
                probeMillis.add(ms);
                // Ready may say 503 while the database is slow to answer its check: an answer all the same.
                boolean answered = outcome.equals("200") || path.equals("/health/ready") && outcome.equals("503");
                if (!answered || ms > PROBE_BOUND.toMillis()) {
                  slowProbes.add(path + " " + outcome + " in " + ms + " ms");
                }
              }
            }
            Thread.sleep(10);
          }
          return null;
        });
        List<Future<String>> answers = new ArrayList<>();
        for (int i = 0; i < USERS; i++) {
          String user = "hostile-" + i + "-" + TestDependencies.RUN;
          String content = HOSTILE.get(i % HOSTILE.size());
          answers.add(threads.submit(() -> ask(service, tokens.mint(user, Duration.ofMinutes(10)), content)));
        }
        List<String> ends = new ArrayList<>();
        for (Future<String> answer : answers) {
          try {
            ends.add(answer.get(ANSWER_WITHIN.toSeconds(), TimeUnit.SECONDS));
          } catch (ExecutionException | TimeoutException e) {
            ends.add(e.toString());
          }
        }
        loading.set(false);
        prober.get();
        assertThat(probeMillis).as("health probes during the load").isNotEmpty();
        assertThat(slowProbes).as("health probes that failed or took over %s", PROBE_BOUND).isEmpty();
        // An answer is the run's end, or the refusal a busy database gets within its 2 s (the page sends it again).
        assertThat(ends).as("how each hostile message ended; the service said:%n%s", tail(service))
            .hasSize(USERS).isSubsetOf("agent_completed completed", "error storage_unavailable")
            .contains("agent_completed completed");
      }
    }
  }

  /** Sends {@code content} on a new socket of the token's user; how its run ended: the last event's type and status or code. */
  private static String ask(ServiceProcess service, String token, String content) throws Exception {
    try (ChatClient chat = ChatClient.connect(URI.create("ws://127.0.0.1:" + service.port() + "/ws/chat"), token, null)) {
      assertThat(chat.next(ANSWER_WITHIN).path("type").asText()).isEqualTo("connection_established");
      chat.send("{\"type\":\"user_message\",\"payload\":{\"content\":\"" + content + "\"}}");
      while (true) {
        JsonNode event = chat.next(ANSWER_WITHIN);
        String type = event.path("type").asText();
        if (type.equals("agent_completed") || type.equals("error")) {
          return type + " " + event.path("payload").path(type.equals("error") ? "code" : "status").asText();
        }
      }
    }
  }

  private static String tail(ServiceProcess service) {
    List<String> lines = service.output();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
  }
}

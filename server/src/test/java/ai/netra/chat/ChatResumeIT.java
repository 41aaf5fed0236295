package ai.netra.chat;

import static ai.netra.testing.FakeOpenAiServer.stream;
import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.auth.SigningKey;
import ai.netra.auth.Tokens;
import ai.netra.config.Settings;
import ai.netra.testing.ChatClient;
import ai.netra.testing.FakeOpenAiServer;
import ai.netra.testing.ServiceProcess;
import ai.netra.testing.TestDependencies;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * A client that resumes a thread while its run is still streaming: the replay of what was stored hands
 * over to the live events with nothing lost, nothing doubled and nothing out of order, on the socket
 * that resumed and on the one that asked.
 */
class ChatResumeIT {

  private static final String SECRET = "chat-resume-it-secret-0123456789abcdefghijkl";
  private static final Duration WAIT = Duration.ofSeconds(20);
  /** Lines the fake model streams, each an agent_thinking event, one every {@link #PACE}: events keep coming while the replay runs. */
  private static final int LINES = 800;
  private static final Duration PACE = Duration.ofMillis(1);
  /** Events stored before the resumes: their replay takes long enough for live events to arrive meanwhile. */
  private static final long REPLAYED = 150;

  @Test
  void resumeWhileARunStreamsHandsOverFromReplayToLiveWithNothingLostOrDoubled() throws Exception {
    FakeOpenAiServer.Stream slow = stream().role();
    for (int i = 1; i <= LINES; i++) {
      slow.content("line " + i + " of the answer\n").pause(PACE);
    }
    try (FakeOpenAiServer llm = new FakeOpenAiServer()) {
      llm.reply(slow.finish("stop").done());
      try (ServiceProcess service = ServiceProcess.start(Map.of("JWT_SECRET_KEY", SECRET, "LLM_BASE_URL", llm.baseUrl(),
          "LLM_API_KEY", "sk-test-resume-0f3a", "LLM_MODEL", "gpt-4o-mini"))) {
        service.awaitStatus("/health/ready", 200, Duration.ofSeconds(60));
        String token = new Tokens(SigningKey.load(Settings.read(Map.of("JWT_SECRET_KEY", SECRET))))
            .mint("resume-" + TestDependencies.RUN, Duration.ofMinutes(10));
        URI ws = URI.create("ws://127.0.0.1:" + service.port() + "/ws/chat");

        try (ChatClient asking = ChatClient.connect(ws, token, null)) {
          asking.next(WAIT); // connection_established
          asking.send("{\"type\":\"user_message\",\"payload\":{\"content\":\"tell me a long story\"}}");
          List<JsonNode> seen = new ArrayList<>();
          do {
            seen.add(asking.next(WAIT));
          } while (seen.getLast().path("event_id").asLong() < REPLAYED); // a long replay, while events keep coming
          String threadId = seen.getFirst().path("thread_id").asText();

          List<Long> resumed;
          List<Long> resumedMidway;
          try (ChatClient resuming = ChatClient.connect(ws, token, null);
              ChatClient midway = ChatClient.connect(ws, token, null)) {
            resuming.next(WAIT);
            midway.next(WAIT);
            resuming.send("{\"type\":\"resume\",\"payload\":{\"thread_id\":\"" + threadId + "\",\"after_event_id\":0}}");
            midway.send("{\"type\":\"resume\",\"payload\":{\"thread_id\":\"" + threadId + "\",\"after_event_id\":3}}");
            resumed = ids(resuming.until("agent_completed", WAIT));
            resumedMidway = ids(midway.until("agent_completed", WAIT));
          }
          List<Long> live = ids(seen);
          live.addAll(ids(asking.until("agent_completed", WAIT)));
          List<Long> stored = ids(events(service, token, threadId));

          assertThat(llm.stalledNow()).isZero();
          assertThat(stored).as("the run's stored events, numbered 1..N").isEqualTo(upTo(1, stored.size()))
              .hasSizeGreaterThan(LINES);
          assertThat(live).as("the asking socket's events: every stored one, once, in order").isEqualTo(stored);
          assertHandedOver("resumed after 0 while the run streamed", resumed, 0, stored);
          assertHandedOver("resumed after event 3 while the run streamed", resumedMidway, 3, stored);
        }
      }
    }
  }

  /**
   * What a socket that connected mid-run and resumed after {@code after} received: first the live events that
   * reached it before its resume did (a client cannot ask sooner than it connects), then, from the resume on,
   * every event after {@code after} exactly once and in order: the replay handing over to the live events.
   */
  private static void assertHandedOver(String what, List<Long> received, long after, List<Long> stored) {
    int replayStart = received.indexOf(after + 1);
    assertThat(replayStart).as("%s: the replay began with event %d in %s", what, after + 1, received).isNotNegative();
    assertThat(stored).as("%s: what came live before the resume", what).containsAll(received.subList(0, replayStart));
    assertThat(received.subList(replayStart, received.size()))
        .as("%s: from the resume on, every event after %d once, in order", what, after)
        .isEqualTo(stored.subList((int) after, stored.size()));
  }

  private static List<Long> ids(List<JsonNode> events) {
    List<Long> ids = new ArrayList<>();
    events.forEach(e -> ids.add(e.path("event_id").asLong()));
    return ids;
  }

  private static List<Long> upTo(long first, long last) {
    return LongStream.rangeClosed(first, last).boxed().toList();
  }

  private static List<JsonNode> events(ServiceProcess service, String token, String threadId) throws Exception {
    List<JsonNode> events = new ArrayList<>();
    for (String cursor = "0"; cursor != null; ) { // every page: a page holds at most 500
      var response = service.send(HttpRequest.newBuilder(service.uri("/api/threads/" + threadId + "/events?limit=500&after="
          + cursor)).header("Authorization", "Bearer " + token).timeout(WAIT).GET().build());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      JsonNode page = ServiceProcess.parse(response.body());
      page.path("events").forEach(events::add);
      cursor = page.path("next_cursor").isNull() ? null : page.path("next_cursor").asText();
    }
    return events;
  }
}

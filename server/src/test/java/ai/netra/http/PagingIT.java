package ai.netra.http;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.auth.SigningKey;
import ai.netra.auth.Tokens;
import ai.netra.config.Settings;
import ai.netra.testing.ServiceProcess;
import ai.netra.testing.TestDependencies;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * A thread of 10,000 long messages and 10,000 long events, read page by page from the real jar on the heap of a
 * 512 MiB instance: every item once, in order, and the service stays up.
 */
class PagingIT {

  private static final String SECRET = "paging-it-secret-0123456789abcdefghijklmnopq";
  /** The deploy image runs -XX:+UseSerialGC -XX:MaxRAMPercentage=75: on a 512 MiB instance, a 384 MiB heap. */
  private static final String INSTANCE_HEAP = "-Xmx384m -XX:+UseSerialGC";
  private static final int ITEMS = 10_000;
  /** ~8 KB of text per message and per event payload. */
  private static final int ITEM_CHARS = 8 * 1024;

  /** GET /api/threads/{id}/messages built the whole thread in one reply: 10,000 long messages took 80 MB and more. */
  @Test
  void tenThousandLongMessagesAndEventsArePagedInOrderOnA512MiBInstancesHeap() throws Exception {
    String url = TestDependencies.freshDatabaseUrl("paging");
    String user = "pager-" + TestDependencies.RUN;
    String token = new Tokens(SigningKey.load(Settings.read(Map.of("JWT_SECRET_KEY", SECRET)))).mint(user, Duration.ofMinutes(30));
    try (ServiceProcess service = ServiceProcess.start(Map.of("DATABASE_URL", url, "JWT_SECRET_KEY", SECRET,
        "JAVA_TOOL_OPTIONS", INSTANCE_HEAP))) {
      service.awaitStatus("/health/ready", 200, Duration.ofSeconds(120));
      UUID thread = UUID.randomUUID();
      insertThread(url, user, thread);

      String messages = "/api/threads/" + thread + "/messages";
      JsonNode first = get(service, messages, token);
      assertThat(first.path("messages")).as("the default page").hasSize(100);
      assertThat(service.send(request(service, messages + "?limit=501", token)).statusCode()).as("above the maximum").isEqualTo(400);

      // Four readers at once, each through the whole thread: pages, not threads, bound the memory.
      try (ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor()) {
        List<Future<long[]>> read = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
          String path = r % 2 == 0 ? messages : "/api/threads/" + thread + "/events";
          String field = r % 2 == 0 ? "messages" : "events";
          read.add(readers.submit(() -> readAll(service, path, field, token)));
        }
        for (Future<long[]> f : read) {
          long[] counts = f.get();
          System.out.printf("[paging] %d items in %d pages, largest reply %d bytes%n", counts[0], counts[1], counts[2]);
          assertThat(counts[0]).as("items read, every one once and in order").isEqualTo(ITEMS);
          assertThat(counts[1]).as("pages of 500").isEqualTo(ITEMS / 500);
          assertThat(counts[2]).as("largest reply in bytes").isLessThan(500L * (ITEM_CHARS + 1024));
        }
      }
      assertThat(service.get("/health/ready").statusCode()).as("still serving").isEqualTo(200);
      assertThat(service.outputText()).doesNotContain("OutOfMemoryError");
      assertThat(service.outputText()).as("the heap flags were applied").contains("Picked up JAVA_TOOL_OPTIONS: " + INSTANCE_HEAP);
    }
  }

  /** Reads every page of {@code path}; returns {items, pages, largest reply in bytes} after checking the order. */
  private static long[] readAll(ServiceProcess service, String path, String field, String token) throws Exception {
    long items = 0;
    long pages = 0;
    long largest = 0;
    String cursor = null;
    do {
      HttpResponse<String> response = service.send(request(service, path + "?limit=500"
          + (cursor == null ? "" : "&cursor=" + cursor), token));
      assertThat(response.statusCode()).as("page %d of %s: %s", pages, path, response.body().length() > 300
          ? response.body().substring(0, 300) : response.body()).isEqualTo(200);
      largest = Math.max(largest, response.body().length());
      JsonNode page = ServiceProcess.parse(response.body());
      for (JsonNode item : page.path(field)) {
        items++;
        String text = field.equals("messages") ? item.path("content").asText() : item.path("payload").path("text").asText();
        assertThat(text).as("item %d of %s", items, path).startsWith(String.format("%06d ", items)).hasSize(ITEM_CHARS);
      }
      pages++;
      cursor = page.path("next_cursor").isNull() ? null : page.path("next_cursor").asText();
    } while (cursor != null);
    return new long[] {items, pages, largest};
  }

  private static JsonNode get(ServiceProcess service, String path, String token) throws Exception {
    HttpResponse<String> response = service.send(request(service, path, token));
    assertThat(response.statusCode()).as(path).isEqualTo(200);
    return ServiceProcess.parse(response.body());
  }

  private static HttpRequest request(ServiceProcess service, String path, String token) {
    return HttpRequest.newBuilder(service.uri(path)).header("Authorization", "Bearer " + token)
        .timeout(Duration.ofSeconds(60)).GET().build();
  }

  /** The thread, its 10,000 messages and 10,000 events, written straight into the database. */
  private static void insertThread(String url, String user, UUID thread) throws Exception {
    URI u = URI.create(url);
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + u.getHost() + ":" + u.getPort() + u.getPath()
        + "?user=" + u.getUserInfo())) {
      try (PreparedStatement s = c.prepareStatement("insert into users (id) values (?)")) {
        s.setString(1, user);
        s.executeUpdate();
      }
      try (PreparedStatement s = c.prepareStatement(
          "insert into threads (id, user_id, title, last_event_id) values (?, ?, 'a long one', ?)")) {
        s.setObject(1, thread);
        s.setString(2, user);
        s.setLong(3, ITEMS);
        s.executeUpdate();
      }
      // Each text starts with its number, then md5 hex (compresses far less than one letter repeated).
      String text = "lpad(g::text, 6, '0') || ' ' || left(repeat(md5(g::text), " + (ITEM_CHARS / 32 + 1) + "), "
          + (ITEM_CHARS - 7) + ")";
      try (PreparedStatement s = c.prepareStatement("insert into messages (thread_id, role, content)"
          + " select ?, case when g % 2 = 1 then 'user' else 'assistant' end, " + text
          + " from generate_series(1, " + ITEMS + ") g order by g")) {
        s.setObject(1, thread);
        assertThat(s.executeUpdate()).isEqualTo(ITEMS);
      }
      try (PreparedStatement s = c.prepareStatement("insert into run_events (thread_id, event_id, type, payload)"
          + " select ?, g, 'agent_thinking', jsonb_build_object('text', " + text + ")"
          + " from generate_series(1, " + ITEMS + ") g")) {
        s.setObject(1, thread);
        assertThat(s.executeUpdate()).isEqualTo(ITEMS);
      }
    }
  }
}

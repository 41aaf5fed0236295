package ai.netra.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.netra.chat.ChatStore;
import ai.netra.chat.ChatStore.SavedMessage;
import ai.netra.chat.ChatStore.StoredEvent;
import ai.netra.chat.ChatStore.StoredMessage;
import ai.netra.chat.ChatStore.ThreadSummary;
import ai.netra.chat.ThreadNotFoundException;
import ai.netra.testing.TestDependencies;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChatRepositoryTest {

  /** A clock one millisecond further at every reading, so that each write has its own time without waiting. */
  private static final Clock TICKING = new Clock() {
    private final AtomicLong millis = new AtomicLong(System.currentTimeMillis());

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis.incrementAndGet());
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  };

  private static final ObjectMapper JSON = new ObjectMapper();

  private HikariDataSource dataSource;
  private ChatRepository chat;

  @BeforeAll
  void migrateFreshDatabase() {
    HikariConfig config = TestDependencies.freshDatabasePool("chat_repo", 16);
    config.addDataSourceProperty("socketTimeout", "30");
    dataSource = new HikariDataSource(config);
    // Any later migration may be the newest: what matters is that all of them apply to an empty database.
    assertThat(new Migrations(dataSource).migrate()).containsPattern("empty database -> version [0-9]+");
    assertThat(new Migrations(dataSource).verify()).contains("required tables present");
    chat = new ChatRepository(dataSource, TICKING);
  }

  @AfterAll
  void close() {
    if (dataSource != null) {
      dataSource.close();
    }
  }

  private static String user() {
    return "user-" + UUID.randomUUID();
  }

  @Test
  void firstMessageCreatesAThreadTitledAfterIt() {
    String alice = user();
    String content = "  How much did we spend\non gpt-4o\r\nlast   week?\t" + "x".repeat(100);

    SavedMessage saved = chat.saveUserMessage(alice, null, content);

    assertThat(saved.newThread()).isTrue();
    assertThat(saved.messageId()).isPositive();
    ThreadSummary thread = chat.thread(alice, saved.threadId());
    assertThat(thread.id()).isEqualTo(saved.threadId());
    assertThat(thread.title())
        .isEqualTo(("How much did we spend on gpt-4o last week? " + "x".repeat(100)).substring(0, 80))
        .hasSize(80)
        .doesNotContain("\n", "\r", "\t", "  ");
    assertThat(thread.lastEventId()).isZero();
    assertThat(thread.createdAt()).isCloseTo(Instant.now(), within60s());
    assertThat(chat.messages(alice, saved.threadId(), 0, 1000))
        .singleElement()
        .satisfies(m -> {
          assertThat(m.id()).isEqualTo(saved.messageId());
          assertThat(m.role()).isEqualTo("user");
          assertThat(m.content()).isEqualTo(content);
        });
  }

  @Test
  void titleIsOneLineAndNeverSplitsASurrogatePair() {
    assertThat(ChatRepository.title("short\u2028one\u00a0\u00a0two")).isEqualTo("short one two");
    String emoji = "a".repeat(79) + "\uD83D\uDC4B" + "tail";
    assertThat(ChatRepository.title(emoji)).isEqualTo("a".repeat(79));
  }

  @Test
  void laterMessagesGoToTheExistingThread() throws Exception {
    String alice = user();
    SavedMessage first = chat.saveUserMessage(alice, null, "first");
    Instant updatedBefore = chat.thread(alice, first.threadId()).updatedAt();

    SavedMessage second = chat.saveUserMessage(alice, first.threadId(), "second");
    chat.saveAssistantMessage(first.threadId(), "an answer");

    assertThat(second.threadId()).isEqualTo(first.threadId());
    assertThat(second.newThread()).isFalse();
    assertThat(second.messageId()).isGreaterThan(first.messageId());
    assertThat(chat.messages(alice, first.threadId(), 0, 1000))
        .extracting(StoredMessage::role, StoredMessage::content)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("user", "first"),
            org.assertj.core.groups.Tuple.tuple("user", "second"),
            org.assertj.core.groups.Tuple.tuple("assistant", "an answer"));
    ThreadSummary thread = chat.thread(alice, first.threadId());
    assertThat(thread.updatedAt()).isAfter(updatedBefore);
    assertThat(thread.title()).isEqualTo("first");
    assertThat(chat.threads(alice, 10)).hasSize(1);
  }

  @Test
  void anotherUsersThreadIsIndistinguishableFromAMissingOne() {
    String alice = user();
    String mallory = user();
    SavedMessage secret = chat.saveUserMessage(alice, null, "alice's secret plan");
    UUID aliceThread = secret.threadId();
    UUID aliceRun = chat.startRun(alice, aliceThread);
    chat.appendEvent(aliceThread, aliceRun, "agent_started", Instant.now(), "{\"secret\": \"alice\"}");
    UUID missing = UUID.randomUUID();

    for (UUID id : List.of(aliceThread, missing)) {
      List<Runnable> attempts = List.of(
          () -> chat.saveUserMessage(mallory, id, "let me in"),
          () -> chat.messages(mallory, id, 0, 1000),
          () -> chat.events(mallory, id, 0, 100),
          () -> chat.thread(mallory, id),
          () -> chat.startRun(mallory, id));
      for (Runnable attempt : attempts) {
        assertThatThrownBy(attempt::run)
            .isInstanceOf(ThreadNotFoundException.class)
            .hasMessage("thread " + id + " not found")
            .hasNoCause();
      }
    }
    assertThat(chat.threads(mallory, 100)).isEmpty();
    // Nothing was written by the refused attempts.
    assertThat(chat.messages(alice, aliceThread, 0, 1000)).extracting(StoredMessage::content).containsExactly("alice's secret plan");
    assertThat(count("select count(*) from messages where content = 'let me in'")).isZero();
    assertThat(count("select count(*) from agent_runs where user_id = '" + mallory + "'")).isZero();
    assertThat(count("select count(*) from users where id = '" + mallory + "'")).isZero();
    // Alice still sees her own.
    assertThat(chat.events(alice, aliceThread, 0, 100)).hasSize(1);
  }

  @Test
  void missingThreadsAreRefusedForServerSideWrites() {
    UUID missing = UUID.randomUUID();
    assertThatThrownBy(() -> chat.appendEvent(missing, null, "agent_started", Instant.now(), "{}"))
        .isInstanceOf(ThreadNotFoundException.class);
    assertThatThrownBy(() -> chat.saveAssistantMessage(missing, "hello"))
        .isInstanceOf(ThreadNotFoundException.class);
    assertThat(count("select count(*) from run_events where thread_id = '" + missing + "'")).isZero();
  }

  @Test
  void eventIdsCountUpFromOneInOrder() {
    String alice = user();
    UUID thread = chat.saveUserMessage(alice, null, "events please").threadId();
    UUID run = chat.startRun(alice, thread);
    List<String> types = List.of("agent_started", "agent_thinking", "tool_executing", "tool_completed", "agent_completed");
    Instant at = Instant.parse("2025-01-02T03:04:05.123456789Z");

    List<StoredEvent> appended = new ArrayList<>();
    for (String type : types) {
      appended.add(chat.appendEvent(thread, run, type, at, "{\"step\": \"" + type + "\"}"));
    }

    assertThat(appended).extracting(StoredEvent::eventId).containsExactly(1L, 2L, 3L, 4L, 5L);
    assertThat(appended).allSatisfy(e -> {
      assertThat(e.threadId()).isEqualTo(thread);
      assertThat(e.runId()).isEqualTo(run);
      assertThat(e.timestamp()).isEqualTo(at.truncatedTo(ChronoUnit.MICROS));
    });
    List<StoredEvent> read = chat.events(alice, thread, 0, 100);
    assertThat(read).isEqualTo(appended);
    assertThat(read).extracting(StoredEvent::type).containsExactlyElementsOf(types);
    assertThat(chat.thread(alice, thread).lastEventId()).isEqualTo(5);
  }

  @Test
  void concurrentAppendsNumberEachThreadWithoutGapsOrDuplicates() throws Exception {
    String alice = user();
    int threadCount = 8;
    int perThread = 50;
    List<UUID> threads = new ArrayList<>();
    for (int i = 0; i < threadCount; i++) {
      threads.add(chat.saveUserMessage(alice, null, "thread " + i).threadId());
    }
    List<UUID> tasks = new ArrayList<>();
    for (UUID thread : threads) {
      tasks.addAll(Collections.nCopies(perThread, thread));
    }
    Collections.shuffle(tasks);
    ExecutorService pool = Executors.newFixedThreadPool(32);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<StoredEvent>> results = new ArrayList<>();
    try {
      for (UUID thread : tasks) {
        results.add(pool.submit(() -> {
          start.await();
          return chat.appendEvent(thread, null, "agent_thinking", Instant.now(), "{\"n\": 1}");
        }));
      }
      start.countDown();
      List<StoredEvent> appended = new ArrayList<>();
      for (Future<StoredEvent> f : results) {
        appended.add(f.get(60, TimeUnit.SECONDS));
      }
      List<Long> expected = LongStream.rangeClosed(1, perThread).boxed().toList();
      for (UUID thread : threads) {
        assertThat(appended.stream().filter(e -> e.threadId().equals(thread)).map(StoredEvent::eventId))
            .containsExactlyInAnyOrderElementsOf(expected);
        assertThat(chat.events(alice, thread, 0, 1000)).extracting(StoredEvent::eventId)
            .containsExactlyElementsOf(expected);
        assertThat(chat.thread(alice, thread).lastEventId()).isEqualTo(perThread);
      }
    } finally {
      pool.shutdownNow();
      assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void aBatchOfEventsTakesTheNextIdsInItsOrderAllOrNone() throws Exception {
    String alice = user();
    UUID thread = chat.saveUserMessage(alice, null, "a batch").threadId();
    UUID run = chat.startRun(alice, thread);
    chat.appendEvent(thread, run, "agent_started", Instant.now(), "{}");
    Instant first = Instant.parse("2025-01-02T03:04:05.000001Z");
    List<ChatStore.NewEvent> batch = new ArrayList<>();
    for (int i = 0; i < 30; i++) { // more than one network packet, so an order kept only by luck would show
      batch.add(new ChatStore.NewEvent(i % 2 == 0 ? "agent_thinking" : "tool_executing", first.plusMillis(i),
          "{\"i\": " + i + "}"));
    }

    List<StoredEvent> stored = chat.appendEvents(thread, run, batch);

    assertThat(stored).extracting(StoredEvent::eventId).containsExactlyElementsOf(LongStream.rangeClosed(2, 31).boxed().toList());
    for (int i = 0; i < 30; i++) {
      assertThat(stored.get(i).type()).isEqualTo(batch.get(i).type());
      assertThat(stored.get(i).timestamp()).isEqualTo(batch.get(i).timestamp());
      assertThat(stored.get(i).payloadJson()).isEqualTo("{\"i\": " + i + "}");
      assertThat(stored.get(i).runId()).isEqualTo(run);
    }
    assertThat(chat.events(alice, thread, 1, 100)).isEqualTo(stored);

    // One bad payload refuses the whole batch, which takes no id.
    List<ChatStore.NewEvent> spoiled = List.of(new ChatStore.NewEvent("agent_thinking", Instant.now(), "{}"),
        new ChatStore.NewEvent("agent_thinking", Instant.now(), "{not json"));
    assertThatThrownBy(() -> chat.appendEvents(thread, run, spoiled)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> chat.appendEvents(thread, run, List.of())).isInstanceOf(IllegalArgumentException.class);
    assertThat(chat.appendEvent(thread, run, "agent_completed", Instant.now(), "{}").eventId()).isEqualTo(32);
    assertThat(chat.thread(alice, thread).lastEventId()).isEqualTo(32);

    // Batches of two writers on one thread interleave as whole batches, each in its own order.
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<List<StoredEvent>>> writers = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        String mark = "w" + w;
        writers.add(pool.submit(() -> {
          List<StoredEvent> mine = new ArrayList<>();
          for (int b = 0; b < 10; b++) {
            mine.addAll(chat.appendEvents(thread, null, List.of(
                new ChatStore.NewEvent(mark, Instant.now(), "{\"n\": 0}"),
                new ChatStore.NewEvent(mark, Instant.now(), "{\"n\": 1}"),
                new ChatStore.NewEvent(mark, Instant.now(), "{\"n\": 2}"))));
          }
          return mine;
        }));
      }
      for (Future<List<StoredEvent>> f : writers) {
        List<StoredEvent> mine = f.get(60, TimeUnit.SECONDS);
        for (int b = 0; b < 10; b++) {
          long base = mine.get(3 * b).eventId();
          assertThat(mine.subList(3 * b, 3 * b + 3)).extracting(StoredEvent::eventId).containsExactly(base, base + 1, base + 2);
          assertThat(mine.subList(3 * b, 3 * b + 3)).extracting(StoredEvent::payloadJson)
              .containsExactly("{\"n\": 0}", "{\"n\": 1}", "{\"n\": 2}");
        }
      }
      assertThat(chat.events(alice, thread, 0, 1000)).extracting(StoredEvent::eventId)
          .containsExactlyElementsOf(LongStream.rangeClosed(1, 32 + 120).boxed().toList());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void eventsAfterAnIdReturnExactlyTheLaterOnes() {
    String alice = user();
    UUID thread = chat.saveUserMessage(alice, null, "resume me").threadId();
    for (int i = 1; i <= 10; i++) {
      chat.appendEvent(thread, null, "agent_thinking", Instant.now(), "{\"i\": " + i + "}");
    }

    assertThat(chat.events(alice, thread, 6, 100)).extracting(StoredEvent::eventId).containsExactly(7L, 8L, 9L, 10L);
    assertThat(chat.events(alice, thread, 6, 2)).extracting(StoredEvent::eventId).containsExactly(7L, 8L);
    assertThat(chat.events(alice, thread, 10, 100)).isEmpty();
    assertThat(chat.events(alice, thread, 0, 100)).hasSize(10);
    UUID empty = chat.saveUserMessage(alice, null, "no events yet").threadId();
    assertThat(chat.events(alice, empty, 0, 100)).isEmpty();
    assertThatThrownBy(() -> chat.events(alice, thread, 0, 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aRejectedPayloadTakesNoEventId() {
    String alice = user();
    UUID thread = chat.saveUserMessage(alice, null, "bad payloads").threadId();
    chat.appendEvent(thread, null, "agent_started", Instant.now(), "{}");

    assertThatThrownBy(() -> chat.appendEvent(thread, null, "agent_thinking", Instant.now(), "{not json"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> chat.appendEvent(thread, null, "agent_thinking", Instant.now(), "{\"nul\": \"\\u0000\"}"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> chat.appendEvent(thread, UUID.randomUUID(), "agent_thinking", Instant.now(), "{}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("no agent run ");

    assertThat(chat.appendEvent(thread, null, "agent_completed", Instant.now(), "{}").eventId()).isEqualTo(2);
    assertThat(chat.events(alice, thread, 0, 100)).extracting(StoredEvent::eventId).containsExactly(1L, 2L);
  }

  @Test
  void runsStartFinishAndAreInterrupted() throws Exception {
    String alice = user();
    UUID thread = chat.saveUserMessage(alice, null, "run things").threadId();

    UUID completed = chat.startRun(alice, thread);
    assertThat(runStatus(completed)).isEqualTo("running|false|null");
    chat.finishRun(completed, "completed", null);
    assertThat(runStatus(completed)).isEqualTo("completed|true|null");

    UUID failed = chat.startRun(alice, thread);
    chat.finishRun(failed, "failed", "the model timed out");
    assertThat(runStatus(failed)).isEqualTo("failed|true|the model timed out");

    UUID stopped = chat.startRun(alice, thread);
    chat.finishRun(stopped, "stopped", null);
    assertThat(runStatus(stopped)).isEqualTo("stopped|true|null");

    UUID first = chat.startRun(alice, thread);
    UUID second = chat.startRun(alice, thread);
    int running = count("select count(*) from agent_runs where status = 'running'");
    assertThat(running).isGreaterThanOrEqualTo(2);

    assertThat(chat.interruptRunning()).isEqualTo(running);
    assertThat(runStatus(first)).startsWith("interrupted|true|interrupted: ");
    assertThat(runStatus(second)).startsWith("interrupted|true|");
    assertThat(count("select count(*) from agent_runs where status = 'running'")).isZero();
    assertThat(chat.interruptRunning()).isZero();

    // The first outcome sticks: a late finish after the shutdown's interrupt changes nothing.
    chat.finishRun(first, "completed", null);
    assertThat(runStatus(first)).startsWith("interrupted|");
    assertThat(runStatus(completed)).isEqualTo("completed|true|null");

    assertThatThrownBy(() -> chat.finishRun(first, "running", null)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> chat.finishRun(first, "done", null)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> chat.finishRun(UUID.randomUUID(), "completed", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("no agent run ");
  }

  @Test
  void threadsAndMessagesComeInPagesThatNeitherSkipNorRepeat() throws Exception {
    String erin = user();
    UUID busy = chat.saveUserMessage(erin, null, "m0").threadId();
    for (int i = 1; i < 7; i++) {
      chat.saveUserMessage(erin, null, "thread " + i);
      chat.saveUserMessage(erin, busy, "m" + i);
    }
    List<UUID> paged = new java.util.ArrayList<>();
    ChatStore.ThreadPosition after = null;
    for (List<ThreadSummary> page; !(page = chat.threads(erin, after, 3)).isEmpty(); ) {
      assertThat(page).hasSizeLessThanOrEqualTo(3);
      page.forEach(t -> paged.add(t.id()));
      ThreadSummary last = page.getLast();
      after = new ChatStore.ThreadPosition(last.updatedAt(), last.id());
    }
    assertThat(paged).as("pages of 3").containsExactlyElementsOf(chat.threads(erin, 100).stream().map(ThreadSummary::id).toList())
        .hasSize(7).doesNotHaveDuplicates();

    List<String> contents = new java.util.ArrayList<>();
    long afterId = 0;
    for (List<StoredMessage> page; !(page = chat.messages(erin, busy, afterId, 3)).isEmpty(); ) {
      page.forEach(m -> contents.add(m.content()));
      afterId = page.getLast().id();
    }
    assertThat(contents).containsExactly("m0", "m1", "m2", "m3", "m4", "m5", "m6");
    assertThatThrownBy(() -> chat.messages(erin, busy, 0, 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void threadsAreTheUsersOwnNewestFirst() throws Exception {
    String carol = user();
    String dave = user();
    UUID t1 = chat.saveUserMessage(carol, null, "one").threadId();
    UUID t2 = chat.saveUserMessage(carol, null, "two").threadId();
    UUID t3 = chat.saveUserMessage(carol, null, "three").threadId();
    chat.saveUserMessage(dave, null, "dave's");
    chat.saveUserMessage(carol, t1, "one again");

    assertThat(chat.threads(carol, 100)).extracting(ThreadSummary::id).containsExactly(t1, t3, t2);
    assertThat(chat.threads(carol, 2)).extracting(ThreadSummary::id).containsExactly(t1, t3);
    assertThat(chat.threads(carol, 100)).extracting(ThreadSummary::title).containsExactly("one", "three", "two");
    assertThat(chat.threads(dave, 100)).extracting(ThreadSummary::title).containsExactly("dave's");
    assertThat(chat.threads(user(), 100)).isEmpty();
    assertThatThrownBy(() -> chat.threads(carol, 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void contentIsBounded() {
    String alice = user();
    int threadsBefore = count("select count(*) from threads");
    for (String bad : new String[] {null, "", "   ", "\n\t", "x".repeat(ChatRepository.MAX_CONTENT_CHARS + 1), "nul\0char"}) {
      assertThatThrownBy(() -> chat.saveUserMessage(alice, null, bad)).isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(count("select count(*) from threads")).isEqualTo(threadsBefore);
    assertThatThrownBy(() -> chat.saveUserMessage(null, null, "hi")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> chat.saveUserMessage(" ", null, "hi")).isInstanceOf(IllegalArgumentException.class);

    String longest = "y".repeat(ChatRepository.MAX_CONTENT_CHARS);
    SavedMessage saved = chat.saveUserMessage(alice, null, longest);
    assertThat(chat.messages(alice, saved.threadId(), 0, 1000)).singleElement()
        .extracting(StoredMessage::content).isEqualTo(longest);
    assertThat(chat.thread(alice, saved.threadId()).title()).hasSize(ChatStore.MAX_TITLE_CHARS);

    assertThatThrownBy(() -> chat.saveAssistantMessage(saved.threadId(), " "))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> chat.saveAssistantMessage(saved.threadId(), "z".repeat(ChatRepository.MAX_CONTENT_CHARS + 1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatCode(() -> chat.saveAssistantMessage(saved.threadId(), "ok")).doesNotThrowAnyException();
  }

  @Test
  void jsonPayloadsRoundTrip() throws Exception {
    String alice = user();
    UUID thread = chat.saveUserMessage(alice, null, "unicode 👋").threadId();
    String payload = """
        {"text": "Grüße, 日本語, emoji 👋🏽, quote \\" and backslash \\\\ and newline \\n",
         "nested": [[1, 2, [3, {"é": "ü"}]], [], {"deep": [true, false, null, 1.5, -7, "x"]}],
         "empty": {}, "big": 12345678901234567890}""";

    StoredEvent appended = chat.appendEvent(thread, null, "tool_completed", Instant.now(), payload);
    StoredEvent read = chat.events(alice, thread, 0, 10).get(0);

    assertThat(JSON.readTree(appended.payloadJson())).isEqualTo(JSON.readTree(payload));
    assertThat(JSON.readTree(read.payloadJson())).isEqualTo(JSON.readTree(payload));
    assertThat(read.payloadJson()).isEqualTo(appended.payloadJson());
    assertThat(JSON.readTree(read.payloadJson()).at("/nested/0/2/1/é").asText()).isEqualTo("ü");
    assertThat(count("select count(*) from run_events where jsonb_typeof(payload) = 'object' and thread_id = '"
        + thread + "'")).isEqualTo(1);
  }

  private int count(String sql) {
    try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql);
        ResultSet rs = s.executeQuery()) {
      rs.next();
      return rs.getInt(1);
    } catch (java.sql.SQLException e) {
      throw new AssertionError(e);
    }
  }

  /** "status|finished|error" of a run. */
  private String runStatus(UUID run) throws Exception {
    try (Connection c = dataSource.getConnection();
        PreparedStatement s = c.prepareStatement("select status, finished_at is not null, error from agent_runs where id = ?")) {
      s.setObject(1, run);
      try (ResultSet rs = s.executeQuery()) {
        assertThat(rs.next()).isTrue();
        return rs.getString(1) + "|" + rs.getBoolean(2) + "|" + rs.getString(3);
      }
    }
  }

  private static org.assertj.core.data.TemporalUnitOffset within60s() {
    return new org.assertj.core.data.TemporalUnitWithinOffset(60, ChronoUnit.SECONDS);
  }
}

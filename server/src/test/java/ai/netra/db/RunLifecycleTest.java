package ai.netra.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.netra.chat.ChatStore.BegunRun;
import ai.netra.chat.ChatStore.BusyException;
import ai.netra.chat.ChatStore.RunOwner;
import ai.netra.chat.ChatStore.StoredEvent;
import ai.netra.chat.ChatStore.SweptRun;
import ai.netra.chat.ThreadNotFoundException;
import ai.netra.testing.TestDependencies;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A run's life in the store: begun with its message in one transaction, ended once whoever ends it
 * first, and swept when its instance stopped reporting or its deadline passed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RunLifecycleTest {

  private HikariDataSource dataSource;
  private ChatRepository chat;

  @BeforeAll
  void migrate() {
    dataSource = new HikariDataSource(TestDependencies.freshDatabasePool("run_lifecycle", 8));
    new Migrations(dataSource).migrate();
    chat = new ChatRepository(dataSource, Clock.systemUTC());
  }

  @AfterAll
  void close() {
    dataSource.close();
  }

  private static String user() {
    return "user-" + UUID.randomUUID();
  }

  private static RunOwner owner(String instance, Duration left) {
    return new RunOwner(instance, Instant.now().plus(left));
  }

  private BegunRun begin(String user, UUID thread, RunOwner owner, int maxRunning) {
    return chat.beginRun(user, thread, "how much did I spend?", owner, maxRunning, "agent_started",
        saved -> "{\"message_id\": " + saved.messageId() + ", \"new_thread\": " + saved.newThread() + "}", Instant.now());
  }

  @Test
  void aRunBeginsWithItsMessageAndItsFirstEventTogether() {
    String alice = user();
    chat.heartbeat("instance-a");

    BegunRun run = begin(alice, null, owner("instance-a", Duration.ofMinutes(2)), 2);

    assertThat(run.message().newThread()).isTrue();
    assertThat(run.started().eventId()).as("the first event of a new thread").isEqualTo(1);
    assertThat(run.started().type()).isEqualTo("agent_started");
    assertThat(run.started().payloadJson()).contains("\"message_id\": " + run.message().messageId());
    assertThat(chat.messages(alice, run.message().threadId(), 0, 1000)).hasSize(1);
    assertThat(status(run.runId())).isEqualTo("running|instance-a");
  }

  @Test
  void aRunBeyondTheUsersLimitIsRefusedAndWritesNothing() {
    String bob = user();
    BegunRun first = begin(bob, null, owner("instance-a", Duration.ofMinutes(2)), 2);
    begin(bob, first.message().threadId(), owner("instance-b", Duration.ofMinutes(2)), 2);
    int messages = count("select count(*) from messages m join threads t on t.id = m.thread_id where t.user_id = '" + bob + "'");

    assertThatThrownBy(() -> begin(bob, first.message().threadId(), owner("instance-a", Duration.ofMinutes(2)), 2))
        .isInstanceOf(BusyException.class).hasMessageContaining("2 answers in progress");

    assertThat(count("select count(*) from messages m join threads t on t.id = m.thread_id where t.user_id = '" + bob + "'"))
        .as("messages after a refused run").isEqualTo(messages);
    assertThatThrownBy(() -> begin(bob, null, owner("instance-a", Duration.ofMinutes(2)), 2))
        .as("a refused run in a new thread").isInstanceOf(BusyException.class);
    assertThat(count("select count(*) from threads where user_id = '" + bob + "'")).as("threads after it").isEqualTo(1);
    assertThat(count("select count(*) from agent_runs where user_id = '" + bob + "'")).as("runs after it").isEqualTo(2);
    assertThat(begin(user(), null, owner("instance-a", Duration.ofMinutes(2)), 2)).as("another user is not held back")
        .isNotNull();
  }

  @Test
  void runsOfOneUserStartedAtOnceNeverExceedTheLimit() throws Exception {
    String carol = user();
    UUID thread = begin(carol, null, owner("instance-a", Duration.ofMinutes(2)), 5).message().threadId();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Boolean>> tries = pool.invokeAll(java.util.stream.IntStream.range(0, 8).<Callable<Boolean>>mapToObj(i -> () -> {
        try {
          begin(carol, thread, owner("instance-" + i, Duration.ofMinutes(2)), 3);
          return true;
        } catch (BusyException e) {
          return false;
        }
      }).toList());
      long begun = 0;
      for (Future<Boolean> t : tries) {
        begun += t.get() ? 1 : 0;
      }
      assertThat(begun).as("runs begun by 8 concurrent messages with one running and a limit of 3").isEqualTo(2);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aMessageToAnotherUsersThreadBeginsNothing() {
    UUID thread = begin(user(), null, owner("instance-a", Duration.ofMinutes(2)), 2).message().threadId();
    assertThatThrownBy(() -> begin(user(), thread, owner("instance-a", Duration.ofMinutes(2)), 2))
        .isInstanceOf(ThreadNotFoundException.class);
  }

  @Test
  void aRunEndsOnceWhoeverEndsItFirst() {
    String dave = user();
    BegunRun run = begin(dave, null, owner("instance-a", Duration.ofMinutes(2)), 2);

    Optional<StoredEvent> end = chat.endRun(run.runId(), "completed", null, "agent_completed", Instant.now(),
        "{\"status\": \"completed\"}", "You spent $12.");
    Optional<StoredEvent> again = chat.endRun(run.runId(), "completed", "late", "agent_completed", Instant.now(), "{}",
        "A late answer, which must not be kept.");

    assertThat(end).get().satisfies(e -> assertThat(e.eventId()).isEqualTo(2));
    assertThat(again).as("a second end").isEmpty();
    assertThat(chat.events(dave, run.message().threadId(), 0, 10)).extracting(StoredEvent::type)
        .containsExactly("agent_started", "agent_completed");
    assertThat(chat.messages(dave, run.message().threadId(), 0, 1000)).extracting(m -> m.role()).containsExactly("user", "assistant");
    assertThat(chat.messages(dave, run.message().threadId(), 0, 1000).get(1).content()).isEqualTo("You spent $12.");
    assertThat(status(run.runId())).isEqualTo("completed|instance-a");
    assertThatThrownBy(() -> chat.endRun(UUID.randomUUID(), "completed", null, "x", Instant.now(), "{}", null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theSweeperEndsRunsOfSilentInstancesAndPastTheirDeadlineButNoOther() {
    String erin = user();
    chat.heartbeat("alive");
    chat.heartbeat("left");
    chat.leave("left");
    BegunRun alive = begin(erin, null, owner("alive", Duration.ofMinutes(2)), 9);
    BegunRun orphan = begin(erin, null, owner("left", Duration.ofMinutes(2)), 9);
    BegunRun late = begin(erin, null, owner("alive", Duration.ofMillis(1)), 9);
    BegunRun ended = begin(erin, null, owner("left", Duration.ofMinutes(2)), 9);
    chat.endRun(ended.runId(), "completed", null, "agent_completed", Instant.now(), "{}", null);

    List<SweptRun> swept = chat.sweep(Duration.ofSeconds(30), "sweeper", List.of(), 100, "error", "{\"code\": \"interrupted\"}", Instant.now());

    assertThat(swept).filteredOn(s -> s.userId().equals(erin)).extracting(s -> s.end().runId())
        .as("runs swept: the one of an instance that left, the one past its deadline")
        .containsExactlyInAnyOrder(orphan.runId(), late.runId());
    assertThat(swept).filteredOn(s -> s.userId().equals(erin)).allSatisfy(s -> {
      assertThat(s.end().type()).isEqualTo("error");
      assertThat(s.end().payloadJson()).contains("interrupted");
    });
    assertThat(status(alive.runId())).isEqualTo("running|alive");
    assertThat(status(orphan.runId())).isEqualTo("interrupted|left");
    assertThat(chat.sweep(Duration.ofSeconds(30), "sweeper", List.of(), 100, "error", "{}", Instant.now()))
        .filteredOn(s -> s.userId().equals(erin)).as("a second sweep").isEmpty();
    assertThat(chat.endRun(orphan.runId(), "completed", null, "agent_completed", Instant.now(), "{}", null))
        .as("the owner's late end after the sweep").isEmpty();
  }

  @Test
  void anInstancesRunThatItDoesNotKnowIsSweptByIt() throws Exception {
    // A run whose beginning committed while its answer was lost: the instance never ran it.
    String gina = user();
    chat.heartbeat("owner");
    BegunRun known = begin(gina, null, owner("owner", Duration.ofMinutes(2)), 9);
    BegunRun orphan = begin(gina, null, owner("owner", Duration.ofMinutes(2)), 9);
    execute("update agent_runs set started_at = now() - interval '1 minute' where id in ('" + known.runId() + "', '"
        + orphan.runId() + "')");

    List<SweptRun> swept = chat.sweep(Duration.ofSeconds(30), "owner", List.of(known.runId()), 100, "error", "{}",
        Instant.now());

    assertThat(swept).filteredOn(s -> s.userId().equals(gina)).extracting(s -> s.end().runId())
        .containsExactly(orphan.runId());
    assertThat(status(known.runId())).isEqualTo("running|owner");
  }

  @Test
  void recentEventsAreTheUsersEventsSinceATimeInOrder() throws Exception {
    String frank = user();
    BegunRun one = begin(frank, null, owner("a", Duration.ofMinutes(2)), 9);
    Instant since = Instant.now();
    Thread.sleep(5);
    chat.appendEvent(one.message().threadId(), one.runId(), "agent_thinking", Instant.now(), "{}");
    BegunRun two = begin(frank, null, owner("a", Duration.ofMinutes(2)), 9);
    begin(user(), null, owner("a", Duration.ofMinutes(2)), 9);

    List<StoredEvent> recent = chat.recentEvents(frank, since, 100);

    assertThat(recent).extracting(StoredEvent::threadId).containsOnly(one.message().threadId(), two.message().threadId());
    assertThat(recent).extracting(StoredEvent::type).containsExactlyInAnyOrder("agent_thinking", "agent_started");
    assertThat(chat.recentEvents(frank, since, 1)).as("at most the limit").hasSize(1);
  }

  private String status(UUID run) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement s = c.prepareStatement("select status, instance_id from agent_runs where id = ?")) {
      s.setObject(1, run);
      try (ResultSet rs = s.executeQuery()) {
        assertThat(rs.next()).isTrue();
        return rs.getString(1) + "|" + rs.getString(2);
      }
    } catch (java.sql.SQLException e) {
      throw new AssertionError(e);
    }
  }

  private void execute(String sql) throws Exception {
    try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
      s.executeUpdate();
    }
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
}

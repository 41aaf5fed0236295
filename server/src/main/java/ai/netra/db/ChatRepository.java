package ai.netra.db;

import ai.netra.chat.ChatStore;
import ai.netra.chat.ThreadNotFoundException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * The {@link ChatStore} in PostgreSQL, with plain JDBC.
 *
 * <p>Every method that takes a user id checks in SQL that the thread belongs to that user, and
 * reports a thread of someone else exactly like a missing one ({@link ThreadNotFoundException}).
 * Methods without a user id ({@link #appendEvent}, {@link #saveAssistantMessage}, {@link #finishRun})
 * are for the server acting on a run it started for a user it already checked.
 *
 * <p>Database failures surface as {@link StorageException}, whose message names the operation and
 * the SQLState only: the driver's message may quote row values and is kept in the cause, for logs.
 *
 * <p>Its connections bound every statement (the server's {@code statement_timeout} and a read timeout,
 * see {@code Database.dataSource}). A per-statement {@code setQueryTimeout} would add nothing but a
 * driver timer task scheduled and purged around every statement, which cost an eighth of the JVM's CPU
 * on the agent's path.
 */
public final class ChatRepository implements ChatStore {

  private static final Set<String> FINAL_STATUSES = Set.of("completed", "failed", "stopped", "interrupted");
  private static final int MAX_ERROR_CHARS = 4_000;
  private static final Pattern LINE_BREAKS_AND_SPACES = Pattern.compile("[\\s\\p{Z}\\p{Cntrl}]+");
  private static final String INTERRUPTED_ERROR = "interrupted: the service stopped before the run finished";

  /** Events {@code last - n + 1 .. last} of a thread, in the order of the arrays, under one row lock on the thread. */
  private static final String APPEND_EVENTS = """
      with next as (
        update threads set last_event_id = last_event_id + ?, updated_at = ?
         where id = ?
        returning id, last_event_id
      )
      insert into run_events (thread_id, event_id, run_id, type, payload, created_at)
      select next.id, next.last_event_id - ? + e.n, ?, e.type, e.payload::jsonb, e.at::timestamptz
        from next, unnest(?::text[], ?::text[], ?::text[]) with ordinality as e(type, payload, at, n)
      returning event_id, type, created_at, payload::text""";

  /**
   * Ends a running run, keeps the answer, when there is one, as the thread's next message, and appends the run's last
   * event under the thread's next id: one statement. Returns nothing when the run was not running.
   */
  private static final String END_RUN = """
      with ended as (
        update agent_runs set status = ?, finished_at = now(), error = ?
         where id = ? and status = 'running'
        returning thread_id
      ),
      answer as (
        insert into messages (thread_id, role, content, created_at)
        select ended.thread_id, 'assistant', a.content, ?
          from ended, (select ?::text as content) a
         where a.content is not null
      ),
      next as (
        update threads set last_event_id = last_event_id + 1, updated_at = ?
         where id = (select thread_id from ended)
        returning id, last_event_id, updated_at
      )
      insert into run_events (thread_id, event_id, run_id, type, payload, created_at)
      select next.id, next.last_event_id, ?, ?, ?::jsonb, next.updated_at from next
      returning thread_id, event_id, type, created_at, payload::text""";

  /**
   * Counts the user's running runs and, below the limit ({@code ?} after the thread's own parameters), keeps the
   * message and begins the run in {@code thread}: one round trip. Returns the count and the message's id (null when
   * nothing was written: the limit was reached, or the thread is not the user's).
   */
  private static String beginRunIn(String thread) {
    return """
        with running as (
          select count(*) as n from agent_runs
           where user_id = ? and status = 'running' and coalesce(deadline_at, started_at + interval '5 minutes') > now()
        ),
        thread as (%s),
        message as (insert into messages (thread_id, role, content, created_at) select id, 'user', ?, ? from thread returning id),
        run as (
          insert into agent_runs (id, thread_id, user_id, status, instance_id, deadline_at)
          select ?, id, ?, 'running', ?, ? from thread
        )
        select (select n from running), (select id from message)""".formatted(thread);
  }

  private static final String BEGIN_IN_NEW_THREAD = beginRunIn("insert into threads (id, user_id, title, created_at,"
      + " updated_at) select ?, ?, ?, ?, ? where (select n from running) < ? returning id");

  private static final String BEGIN_IN_THREAD = beginRunIn("update threads set updated_at = ? where id = ? and user_id = ?"
      + " and (select n from running) < ? returning id");

  private static final String SAVE_IN_NEW_THREAD = """
      with new_user as (insert into users (id) values (?) on conflict do nothing),
      thread as (insert into threads (id, user_id, title, created_at, updated_at) values (?, ?, ?, ?, ?) returning id)
      insert into messages (thread_id, role, content, created_at) select id, 'user', ?, ? from thread returning id""";

  private static final String SAVE_IN_THREAD = """
      with thread as (update threads set updated_at = ? where id = ? and user_id = ? returning id)
      insert into messages (thread_id, role, content, created_at) select id, 'user', ?, ? from thread returning id""";

  private final DataSource dataSource;
  private final Clock clock;

  /** @param clock when messages are written and threads updated (a test's own, to tell them apart) */
  public ChatRepository(DataSource dataSource, Clock clock) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Persists a user's message in one statement: creates the user on first use, creates the
   * thread when {@code threadIdOrNull} is null (titled after the message), otherwise checks that
   * the thread is the user's and marks it updated.
   *
   * @throws ThreadNotFoundException when the given thread does not exist or is another user's; nothing is written
   * @throws IllegalArgumentException for a blank user id, or content that is blank, too long or holds a NUL char
   */
  @Override
  public SavedMessage saveUserMessage(String userId, UUID threadIdOrNull, String content) {
    requireUser(userId);
    requireContent(content);
    boolean newThread = threadIdOrNull == null;
    UUID threadId = newThread ? UUID.randomUUID() : threadIdOrNull;
    // One statement, so one round trip and all or nothing. A given thread that is the user's proves
    // the user exists; one that is not leaves nothing written.
    OffsetDateTime now = now();
    Long messageId = withConnection("save a user message", c -> insertUserMessage(c, userId, threadId, newThread, content, now));
    if (messageId == null) {
      throw new ThreadNotFoundException(threadId);
    }
    return new SavedMessage(threadId, messageId, newThread);
  }

  /**
   * Records a new run of the agent on the user's thread, status {@code running}.
   *
   * @return the run's id
   * @throws ThreadNotFoundException when the thread does not exist or is another user's
   */
  @Override
  public UUID startRun(String userId, UUID threadId) {
    requireUser(userId);
    requireThread(threadId);
    UUID runId = UUID.randomUUID();
    int inserted = withConnection("start a run", c -> {
      try (PreparedStatement s = c.prepareStatement("insert into agent_runs (id, thread_id, user_id, status)"
          + " select ?, t.id, t.user_id, 'running' from threads t where t.id = ? and t.user_id = ?")) {
        s.setObject(1, runId);
        s.setObject(2, threadId);
        s.setString(3, userId);
        return s.executeUpdate();
      }
    });
    if (inserted == 0) {
      throw new ThreadNotFoundException(threadId);
    }
    return runId;
  }

  /**
   * Ends a running run with {@code status} (completed, failed, stopped or interrupted) and sets
   * its finish time. A run that already ended keeps its first outcome: after
   * {@link #interruptRunning} at shutdown, a late finish of the same run changes nothing.
   *
   * @param errorOrNull what went wrong, for failed runs; cut to 4,000 chars
   * @throws IllegalArgumentException for another status, or a run id that was never started
   */
  @Override
  public void finishRun(UUID runId, String status, String errorOrNull) {
    Objects.requireNonNull(runId, "runId");
    if (status == null || !FINAL_STATUSES.contains(status)) {
      throw new IllegalArgumentException("a run finishes as one of " + FINAL_STATUSES + ", not " + status);
    }
    String error = errorOrNull == null ? null : cut(errorOrNull.replace('\0', ' '), MAX_ERROR_CHARS);
    boolean known = withConnection("finish a run", c -> {
      try (PreparedStatement s = c.prepareStatement("update agent_runs set status = ?, finished_at = now(), error = ?"
          + " where id = ? and status = 'running'")) {
        s.setString(1, status);
        s.setString(2, error);
        s.setObject(3, runId);
        if (s.executeUpdate() == 1) {
          return true;
        }
      }
      try (PreparedStatement s = c.prepareStatement("select 1 from agent_runs where id = ?")) {
        s.setObject(1, runId);
        try (ResultSet rs = s.executeQuery()) {
          return rs.next();
        }
      }
    });
    if (!known) {
      throw new IllegalArgumentException("no agent run " + runId);
    }
  }

  /**
   * Marks every run still {@code running} as {@code interrupted}, with its finish time. The
   * service calls it at shutdown and at start, after a crash left runs behind. It covers the runs of
   * every instance sharing the database.
   *
   * @return how many runs it marked
   */
  public int interruptRunning() {
    return withConnection("interrupt running runs", c -> {
      try (PreparedStatement s = c.prepareStatement("update agent_runs set status = 'interrupted', finished_at = now(),"
          + " error = coalesce(error, ?) where status = 'running'")) {
        s.setString(1, INTERRUPTED_ERROR);
        return s.executeUpdate();
      }
    });
  }

  /**
   * Persists events of a thread under the thread's next event ids, in one statement: the row lock on
   * the thread serializes concurrent appends, so the ids of a thread are 1, 2, 3, ... without gaps or
   * duplicates, and a failed insert takes no id. Timestamps are kept to the microsecond, and the
   * returned payloads are the stored jsonb text (keys may be reordered, spaces dropped).
   *
   * @param runIdOrNull the run that produced them, or null for events outside a run
   * @throws ThreadNotFoundException when the thread does not exist
   * @throws IllegalArgumentException when there is no event, a payload is not JSON PostgreSQL can store, or the run
   *     does not exist
   */
  @Override
  public List<StoredEvent> appendEvents(UUID threadId, UUID runIdOrNull, List<NewEvent> events) {
    requireThread(threadId);
    if (events.isEmpty()) {
      throw new IllegalArgumentException("no event to append");
    }
    for (NewEvent e : events) {
      if (e.type() == null || e.type().isBlank()) {
        throw new IllegalArgumentException("an event needs a type");
      }
      Objects.requireNonNull(e.timestamp(), "timestamp");
      if (e.payloadJson() == null) {
        throw new IllegalArgumentException("an event needs a payload (JSON, e.g. {})");
      }
    }
    try (Connection c = dataSource.getConnection()) {
      return append(c, threadId, runIdOrNull, events);
    } catch (SQLException e) {
      String state = e.getSQLState();
      if ("22P02".equals(state) || "22P05".equals(state) || "22021".equals(state)) {
        throw new IllegalArgumentException("the event payload is not JSON PostgreSQL can store (SQLState " + state + ")", e);
      }
      if ("23503".equals(state) && runIdOrNull != null) {
        throw new IllegalArgumentException("no agent run " + runIdOrNull, e);
      }
      throw failure("append an event", e);
    }
  }

  @Override
  public BegunRun beginRun(String userId, UUID threadIdOrNull, String content, RunOwner owner, int maxRunning,
      String startedType, Function<SavedMessage, String> startedPayload, Instant timestamp) {
    requireUser(userId);
    requireContent(content);
    Objects.requireNonNull(owner, "owner");
    if (maxRunning < 1) {
      throw new IllegalArgumentException("maxRunning must be at least 1, not " + maxRunning);
    }
    boolean newThread = threadIdOrNull == null;
    UUID threadId = newThread ? UUID.randomUUID() : threadIdOrNull;
    UUID runId = UUID.randomUUID();
    OffsetDateTime now = now();
    BegunRun begun = inTransaction("begin a run", c -> {
      // The user's row is the lock that serializes their runs' starts across instances. It exists from the user's
      // first message on, so it is created only when locking it finds none.
      if (!lockUser(c, userId)) {
        try (PreparedStatement s = c.prepareStatement("insert into users (id) values (?) on conflict do nothing")) {
          s.setString(1, userId);
          s.executeUpdate();
        }
        lockUser(c, userId);
      }
      int running;
      Long messageId;
      try (PreparedStatement s = c.prepareStatement(newThread ? BEGIN_IN_NEW_THREAD : BEGIN_IN_THREAD)) {
        int p = 1;
        s.setString(p++, userId);
        if (newThread) {
          s.setObject(p++, threadId);
          s.setString(p++, userId);
          s.setString(p++, title(content));
          s.setObject(p++, now);
          s.setObject(p++, now);
        } else {
          s.setObject(p++, now);
          s.setObject(p++, threadId);
          s.setString(p++, userId);
        }
        s.setInt(p++, maxRunning);
        s.setString(p++, content);
        s.setObject(p++, now);
        s.setObject(p++, runId);
        s.setString(p++, userId);
        s.setString(p++, owner.instanceId());
        s.setObject(p, OffsetDateTime.ofInstant(owner.deadline(), ZoneOffset.UTC));
        try (ResultSet rs = s.executeQuery()) {
          rs.next();
          running = rs.getInt(1);
          messageId = rs.getObject(2, Long.class);
        }
      }
      if (running >= maxRunning) {
        throw new BusyException("you already have " + running + (running == 1 ? " answer" : " answers")
            + " in progress (at most " + maxRunning + "); send this again when one has finished");
      }
      if (messageId == null) {
        throw new ThreadNotFoundException(threadId);
      }
      SavedMessage saved = new SavedMessage(threadId, messageId, newThread);
      StoredEvent started = append(c, threadId, runId, startedType, timestamp, startedPayload.apply(saved));
      return new BegunRun(saved, runId, started);
    });
    return begun;
  }

  @Override
  public Optional<StoredEvent> endRun(UUID runId, String status, String errorOrNull, String type, Instant timestamp,
      String payloadJson, String answerOrNull) {
    Objects.requireNonNull(runId, "runId");
    if (status == null || !FINAL_STATUSES.contains(status)) {
      throw new IllegalArgumentException("a run ends as one of " + FINAL_STATUSES + ", not " + status);
    }
    if (answerOrNull != null) {
      requireContent(answerOrNull);
    }
    String error = errorOrNull == null ? null : cut(errorOrNull.replace('\0', ' '), MAX_ERROR_CHARS);
    return withConnection("end a run", c -> {
      try (PreparedStatement s = c.prepareStatement(END_RUN)) {
        s.setString(1, status);
        s.setString(2, error);
        s.setObject(3, runId);
        s.setObject(4, now());
        s.setString(5, answerOrNull);
        s.setObject(6, OffsetDateTime.ofInstant(timestamp.truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC));
        s.setObject(7, runId);
        s.setString(8, type);
        s.setString(9, payloadJson);
        try (ResultSet rs = s.executeQuery()) {
          if (rs.next()) {
            return Optional.of(new StoredEvent(rs.getObject(1, UUID.class), rs.getLong(2), runId, rs.getString(3),
                instant(rs, 4), rs.getString(5)));
          }
        }
      }
      try (PreparedStatement s = c.prepareStatement("select 1 from agent_runs where id = ?")) {
        s.setObject(1, runId);
        try (ResultSet rs = s.executeQuery()) {
          if (!rs.next()) {
            throw new IllegalArgumentException("no agent run " + runId);
          }
        }
      }
      return Optional.empty();
    });
  }

  @Override
  public void heartbeat(String instanceId) {
    withConnection("report this instance", c -> {
      try (PreparedStatement s = c.prepareStatement("insert into chat_instances (id) values (?)"
          + " on conflict (id) do update set seen_at = now()")) {
        s.setString(1, instanceId);
        return s.executeUpdate();
      }
    });
  }

  @Override
  public void leave(String instanceId) {
    withConnection("forget this instance", c -> {
      try (PreparedStatement s = c.prepareStatement("delete from chat_instances where id = ?")) {
        s.setString(1, instanceId);
        return s.executeUpdate();
      }
    });
  }

  @Override
  public List<SweptRun> sweep(Duration silentFor, String instanceId, java.util.Collection<UUID> running, int limit,
      String type, String payloadJson, Instant timestamp) {
    requireLimit(limit);
    return inTransaction("sweep runs left open", c -> {
      List<UUID> runs = new ArrayList<>();
      // Skip locked: another instance sweeping (or the owner ending its run) holds those rows.
      try (PreparedStatement s = c.prepareStatement("""
          select r.id
            from agent_runs r
            left join chat_instances i on i.id = r.instance_id
           where r.status = 'running'
             and (coalesce(r.deadline_at, r.started_at + interval '5 minutes') < now()
                  or i.id is null
                  or i.seen_at < now() - ? * interval '1 millisecond'
                  or r.instance_id = ? and r.id <> all (?) and r.started_at < now() - ? * interval '1 millisecond')
           order by r.started_at
           limit ?
             for update of r skip locked""")) {
        s.setLong(1, silentFor.toMillis());
        s.setString(2, instanceId);
        s.setArray(3, c.createArrayOf("uuid", running.toArray()));
        s.setLong(4, silentFor.toMillis());
        s.setInt(5, limit);
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            runs.add(rs.getObject(1, UUID.class));
          }
        }
      }
      List<SweptRun> swept = new ArrayList<>();
      for (UUID runId : runs) {
        UUID threadId;
        String userId;
        try (PreparedStatement s = c.prepareStatement("update agent_runs set status = 'interrupted', finished_at = now(),"
            + " error = coalesce(error, ?) where id = ? returning thread_id, user_id")) {
          s.setString(1, "interrupted: its instance stopped, or it ran past its deadline");
          s.setObject(2, runId);
          try (ResultSet rs = s.executeQuery()) {
            rs.next();
            threadId = rs.getObject(1, UUID.class);
            userId = rs.getString(2);
          }
        }
        swept.add(new SweptRun(userId, append(c, threadId, runId, type, timestamp, payloadJson)));
      }
      return swept;
    });
  }

  @Override
  public List<StoredEvent> recentEvents(String userId, Instant since, int limit) {
    requireUser(userId);
    requireLimit(limit);
    return withConnection("read recent events", c -> {
      // A thread's updated_at moves with each of its events, so only the threads touched since are read.
      try (PreparedStatement s = c.prepareStatement("""
          select e.thread_id, e.event_id, e.run_id, e.type, e.created_at, e.payload::text
            from threads t
            join run_events e on e.thread_id = t.id
           where t.user_id = ? and t.updated_at >= ? and e.created_at >= ?
           order by e.thread_id, e.event_id
           limit ?""")) {
        OffsetDateTime from = OffsetDateTime.ofInstant(since, ZoneOffset.UTC);
        s.setString(1, userId);
        s.setObject(2, from);
        s.setObject(3, from);
        s.setInt(4, limit);
        List<StoredEvent> found = new ArrayList<>();
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            found.add(new StoredEvent(rs.getObject(1, UUID.class), rs.getLong(2), rs.getObject(3, UUID.class),
                rs.getString(4), instant(rs, 5), rs.getString(6)));
          }
        }
        return found;
      }
    });
  }

  /** Appends one event on {@code c}, under the thread's next id; see {@link #appendEvents}. */
  private static StoredEvent append(Connection c, UUID threadId, UUID runId, String type, Instant timestamp,
      String payloadJson) throws SQLException {
    return append(c, threadId, runId, List.of(new NewEvent(type, timestamp, payloadJson))).getFirst();
  }

  /** Appends events on {@code c}, under the thread's next ids; see {@link #appendEvents}. */
  private static List<StoredEvent> append(Connection c, UUID threadId, UUID runId, List<NewEvent> events)
      throws SQLException {
    int n = events.size();
    String[] types = new String[n];
    String[] payloads = new String[n];
    String[] times = new String[n];
    for (int i = 0; i < n; i++) {
      NewEvent e = events.get(i);
      types[i] = e.type();
      payloads[i] = e.payloadJson();
      times[i] = e.timestamp().truncatedTo(ChronoUnit.MICROS).toString();
    }
    try (PreparedStatement s = c.prepareStatement(APPEND_EVENTS)) {
      s.setInt(1, n);
      s.setObject(2, OffsetDateTime.ofInstant(events.getLast().timestamp().truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC));
      s.setObject(3, threadId);
      s.setInt(4, n);
      if (runId == null) {
        s.setNull(5, Types.OTHER);
      } else {
        s.setObject(5, runId);
      }
      s.setArray(6, c.createArrayOf("text", types));
      s.setArray(7, c.createArrayOf("text", payloads));
      s.setArray(8, c.createArrayOf("text", times));
      List<StoredEvent> stored = new ArrayList<>(n);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          stored.add(new StoredEvent(threadId, rs.getLong(1), runId, rs.getString(2), instant(rs, 3), rs.getString(4)));
        }
      }
      if (stored.isEmpty()) {
        throw new ThreadNotFoundException(threadId);
      }
      stored.sort(java.util.Comparator.comparingLong(StoredEvent::eventId)); // RETURNING promises no order
      return stored;
    }
  }

  /**
   * Persists the agent's answer on a thread and marks the thread updated.
   *
   * @throws ThreadNotFoundException when the thread does not exist
   * @throws IllegalArgumentException for content that is blank, too long or holds a NUL char
   */
  @Override
  public void saveAssistantMessage(UUID threadId, String content) {
    requireThread(threadId);
    requireContent(content);
    int inserted = withConnection("save an assistant message", c -> {
      try (PreparedStatement s = c.prepareStatement("""
          with t as (update threads set updated_at = ? where id = ? returning id)
          insert into messages (thread_id, role, content, created_at) select t.id, 'assistant', ?, ? from t""")) {
        OffsetDateTime now = now();
        s.setObject(1, now);
        s.setObject(2, threadId);
        s.setString(3, content);
        s.setObject(4, now);
        return s.executeUpdate();
      }
    });
    if (inserted == 0) {
      throw new ThreadNotFoundException(threadId);
    }
  }

  /**
   * The user's threads after {@code after} (null: from the start), most recently updated first, at most
   * {@code limit}. The order is total (updated_at, then id), so pages neither skip nor repeat a thread that
   * was not updated meanwhile.
   */
  @Override
  public List<ThreadSummary> threads(String userId, ThreadPosition after, int limit) {
    requireUser(userId);
    requireLimit(limit);
    return withConnection("list threads", c -> {
      try (PreparedStatement s = c.prepareStatement("select id, title, created_at, updated_at, last_event_id from threads"
          + " where user_id = ?" + (after == null ? "" : " and (updated_at, id) < (?, ?)")
          + " order by updated_at desc, id desc limit ?")) {
        int i = 1;
        s.setString(i++, userId);
        if (after != null) {
          s.setObject(i++, OffsetDateTime.ofInstant(after.updatedAt(), ZoneOffset.UTC));
          s.setObject(i++, after.id());
        }
        s.setInt(i, limit);
        List<ThreadSummary> threads = new ArrayList<>();
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            threads.add(summary(rs));
          }
        }
        return threads;
      }
    });
  }

  /**
   * One of the user's threads.
   *
   * @throws ThreadNotFoundException when it does not exist or is another user's
   */
  public ThreadSummary thread(String userId, UUID threadId) {
    requireUser(userId);
    requireThread(threadId);
    ThreadSummary found = withConnection("read a thread", c -> {
      try (PreparedStatement s = c.prepareStatement("select id, title, created_at, updated_at, last_event_id from threads"
          + " where id = ? and user_id = ?")) {
        s.setObject(1, threadId);
        s.setString(2, userId);
        try (ResultSet rs = s.executeQuery()) {
          return rs.next() ? summary(rs) : null;
        }
      }
    });
    if (found == null) {
      throw new ThreadNotFoundException(threadId);
    }
    return found;
  }

  @Override
  public ThreadSummary renameThread(String userId, UUID threadId, String title) {
    requireUser(userId);
    requireThread(threadId);
    String clean = title == null ? "" : title.strip();
    if (clean.isEmpty() || clean.length() > MAX_TITLE_CHARS || clean.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException("a title is 1 to " + MAX_TITLE_CHARS + " characters on one line");
    }
    ThreadSummary renamed = withConnection("rename a thread", c -> {
      try (PreparedStatement s = c.prepareStatement("update threads set title = ? where id = ? and user_id = ?"
          + " returning id, title, created_at, updated_at, last_event_id")) {
        s.setString(1, clean);
        s.setObject(2, threadId);
        s.setString(3, userId);
        try (ResultSet rs = s.executeQuery()) {
          return rs.next() ? summary(rs) : null;
        }
      }
    });
    if (renamed == null) {
      throw new ThreadNotFoundException(threadId);
    }
    return renamed;
  }

  /**
   * Deletes the user's thread with its messages, runs and events, all in one transaction.
   *
   * @throws ThreadNotFoundException when it does not exist or is another user's
   */
  @Override
  public void deleteThread(String userId, UUID threadId) {
    requireUser(userId);
    requireThread(threadId);
    // One statement, so one transaction: the schema's "on delete cascade" takes the messages, runs and events with it,
    // and the owner check is in the same statement.
    int deleted = withConnection("delete a thread", c -> {
      try (PreparedStatement s = c.prepareStatement("delete from threads where id = ? and user_id = ?")) {
        s.setObject(1, threadId);
        s.setString(2, userId);
        return s.executeUpdate();
      }
    });
    if (deleted == 0) {
      throw new ThreadNotFoundException(threadId);
    }
  }

  /**
   * The messages of the user's thread with ids above {@code afterId}, oldest first, at most {@code limit}.
   *
   * @throws ThreadNotFoundException when it does not exist or is another user's
   */
  @Override
  public List<StoredMessage> messages(String userId, UUID threadId, long afterId, int limit) {
    requireUser(userId);
    requireThread(threadId);
    requireLimit(limit);
    // One statement: the owner check and the read see the same snapshot, and no row means no thread.
    List<StoredMessage> messages = withConnection("read messages", c -> {
      try (PreparedStatement s = c.prepareStatement("""
          select m.id, m.role, m.content, m.created_at
            from threads t
            left join lateral (
              select id, role, content, created_at
                from messages
               where thread_id = t.id and id > ?
               order by id
               limit ?
            ) m on true
           where t.id = ? and t.user_id = ?
           order by m.id""")) {
        s.setLong(1, afterId);
        s.setInt(2, limit);
        s.setObject(3, threadId);
        s.setString(4, userId);
        try (ResultSet rs = s.executeQuery()) {
          if (!rs.next()) {
            return null;
          }
          List<StoredMessage> found = new ArrayList<>();
          do {
            long id = rs.getLong(1);
            if (!rs.wasNull()) {
              found.add(new StoredMessage(id, rs.getString(2), rs.getString(3), instant(rs, 4)));
            }
          } while (rs.next());
          return found;
        }
      }
    });
    if (messages == null) {
      throw new ThreadNotFoundException(threadId);
    }
    return messages;
  }

  /**
   * The events of the user's thread with ids above {@code afterEventId}, ascending, at most
   * {@code limit}: what a client that saw {@code afterEventId} missed.
   *
   * @throws ThreadNotFoundException when it does not exist or is another user's
   */
  @Override
  public List<StoredEvent> events(String userId, UUID threadId, long afterEventId, int limit) {
    requireUser(userId);
    requireThread(threadId);
    requireLimit(limit);
    List<StoredEvent> events = withConnection("read events", c -> {
      try (PreparedStatement s = c.prepareStatement("""
          select e.event_id, e.run_id, e.type, e.created_at, e.payload::text
            from threads t
            left join lateral (
              select event_id, run_id, type, created_at, payload
                from run_events
               where thread_id = t.id and event_id > ?
               order by event_id
               limit ?
            ) e on true
           where t.id = ? and t.user_id = ?
           order by e.event_id""")) {
        s.setLong(1, afterEventId);
        s.setInt(2, limit);
        s.setObject(3, threadId);
        s.setString(4, userId);
        try (ResultSet rs = s.executeQuery()) {
          if (!rs.next()) {
            return null;
          }
          List<StoredEvent> found = new ArrayList<>();
          do {
            long id = rs.getLong(1);
            if (!rs.wasNull()) {
              found.add(new StoredEvent(threadId, id, rs.getObject(2, UUID.class), rs.getString(3), instant(rs, 4),
                  rs.getString(5)));
            }
          } while (rs.next());
          return found;
        }
      }
    });
    if (events == null) {
      throw new ThreadNotFoundException(threadId);
    }
    return events;
  }

  /** The clock's now, to the microsecond PostgreSQL keeps. */
  private OffsetDateTime now() {
    return OffsetDateTime.ofInstant(clock.instant().truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC);
  }

  /** The first {@value #MAX_TITLE_CHARS} chars of the content on one line: line breaks and runs of spaces become one space. */
  static String title(String content) {
    String line = LINE_BREAKS_AND_SPACES.matcher(content).replaceAll(" ").strip();
    return cut(line, MAX_TITLE_CHARS).stripTrailing();
  }

  /** At most {@code max} chars, never splitting a surrogate pair. */
  private static String cut(String s, int max) {
    if (s.length() <= max) {
      return s;
    }
    int end = Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max;
    return s.substring(0, end);
  }

  private static void requireUser(String userId) {
    if (userId == null || userId.isBlank()) {
      throw new IllegalArgumentException("a user id is required");
    }
  }

  private static void requireThread(UUID threadId) {
    if (threadId == null) {
      throw new IllegalArgumentException("a thread id is required");
    }
  }

  private static void requireLimit(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, not " + limit);
    }
  }

  private static void requireContent(String content) {
    if (content == null || content.isBlank()) {
      throw new IllegalArgumentException("message content is empty");
    }
    if (content.length() > MAX_CONTENT_CHARS) {
      throw new IllegalArgumentException("message content has " + content.length() + " chars; at most "
          + MAX_CONTENT_CHARS + " are accepted");
    }
    if (content.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("message content holds a NUL char, which PostgreSQL text cannot store");
    }
  }

  /**
   * Inserts the user's message, and its thread when {@code newThread}, in one statement; null when the given thread
   * is not the user's (nothing is written then).
   */
  private static Long insertUserMessage(Connection c, String userId, UUID threadId, boolean newThread, String content,
      OffsetDateTime now) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(newThread ? SAVE_IN_NEW_THREAD : SAVE_IN_THREAD)) {
      if (newThread) {
        s.setString(1, userId);
        s.setObject(2, threadId);
        s.setString(3, userId);
        s.setString(4, title(content));
        s.setObject(5, now);
        s.setObject(6, now);
        s.setString(7, content);
        s.setObject(8, now);
      } else {
        s.setObject(1, now);
        s.setObject(2, threadId);
        s.setString(3, userId);
        s.setString(4, content);
        s.setObject(5, now);
      }
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? rs.getLong(1) : null;
      }
    }
  }

  private static ThreadSummary summary(ResultSet rs) throws SQLException {
    return new ThreadSummary(rs.getObject(1, UUID.class), rs.getString(2), instant(rs, 3), instant(rs, 4), rs.getLong(5));
  }

  private static Instant instant(ResultSet rs, int column) throws SQLException {
    OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
    return t == null ? null : t.toInstant();
  }

  /** Locks the user's row for this transaction; false when there is none. */
  private static boolean lockUser(Connection c, String userId) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("select 1 from users where id = ? for update")) {
      s.setString(1, userId);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next();
      }
    }
  }

  private static StorageException failure(String what, SQLException e) {
    return new StorageException("chat storage could not " + what + " (SQLState " + e.getSQLState() + ")", e);
  }

  private <T> T inTransaction(String what, Transactions.Work<T> work) {
    try {
      return Transactions.inTransaction(dataSource, work);
    } catch (SQLException e) {
      throw failure(what, e);
    }
  }

  private <T> T withConnection(String what, Transactions.Work<T> work) {
    try (Connection c = dataSource.getConnection()) {
      return work.run(c);
    } catch (SQLException e) {
      throw failure(what, e);
    }
  }
}

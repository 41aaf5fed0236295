package ai.netra.chat;

import ai.netra.agent.Agent;
import ai.netra.agent.AgentException;
import ai.netra.agent.AgentRun;
import ai.netra.agent.RunEvent;
import ai.netra.cache.EventBus;
import ai.netra.cache.RateLimiter;
import ai.netra.json.Json;
import com.fasterxml.jackson.core.JsonGenerator;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chat: reads client messages, persists each user message before acknowledging it, runs the
 * agent on a platform thread, persists every event of the run (in batches, beside the run) and
 * delivers it to all of the user's sockets on every instance. A user only ever receives events
 * published for that user.
 *
 * <p>What it promises while its dependencies come and go:
 * <ul>
 *   <li>Every message gets an answer: {@code agent_started} (message, run and event stored together)
 *       or an {@code error} with a code, sent straight to the sender's socket, never through the bus.
 *   <li>Every run ends: its last event is stored as soon as the database takes it (tries go on in
 *       the background), and a run whose instance stopped or whose deadline passed is ended by any
 *       instance's sweeper with an {@code error} event, code {@code interrupted}.
 *   <li>Every stored event reaches the user's connected sockets: this instance's directly, the
 *       others' through the bus; events the bus lost (a subscription that dropped, a publish that
 *       failed) are sent again from the database once the bus is back. Sockets drop repeats by id.
 * </ul>
 */
public final class ChatService implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ChatService.class);
  static final String CHANNEL = "chat-events";
  /** How many resumed events one resume sends at most; the client asks again after the last one. */
  static final int RESUME_BATCH = 1000;
  /** How often every socket is checked for a ping that is due or a peer silent past the idle timeout. */
  static final Duration KEEPALIVE_CHECK = Duration.ofSeconds(5);
  /** The channel on which an instance whose publishes failed asks the others to send a user's events again. */
  static final String REPAIR_CHANNEL = "chat-repair";
  /** How often this instance says it is alive, and sweeps runs left open by instances that are not. */
  static final Duration HEARTBEAT = Duration.ofSeconds(5);
  /** An instance silent this long is gone: its runs are ended by whoever sweeps. */
  static final Duration INSTANCE_GONE = Duration.ofSeconds(30);
  /** Past its run timeout, how long a run may take to store its own end before the sweepers do it. */
  static final Duration END_GRACE = Duration.ofSeconds(60);
  /** Events a repair reaches back before the moment the bus was lost: clocks of instances differ a little. */
  static final Duration REPAIR_MARGIN = Duration.ofSeconds(5);
  /** A repair sends at most this many events per user; past it, the user's sockets are told to resume (1012). */
  static final int REPAIR_LIMIT = 2_000;
  /** A resume the database does not answer is tried again, with pauses doubling from 0.5 s, for about this long. */
  static final Duration RESUME_RETRY_FOR = Duration.ofSeconds(30);

  private final ChatStore chats;
  private final EventBus bus;
  private final RateLimiter limiter;
  private final Agent agent;
  private final Limits limits;
  private final String instanceId = UUID.randomUUID().toString();
  private final java.util.concurrent.Semaphore runSlots;
  /** Users whose events this instance stored but could not publish, with the time of the first: others must repair them. */
  private final Map<String, Instant> unpublished = new ConcurrentHashMap<>();
  private final AutoCloseable repairSubscription;
  private final ChatMetrics metrics = new ChatMetrics();
  private final Map<String, Set<ChatSocket>> sockets = new ConcurrentHashMap<>();
  private final Map<UUID, ActiveRun> runs = new ConcurrentHashMap<>();
  /**
   * Runs go on platform threads, {@code runThreads} of them. Jetty serves every request, health probes included, on
   * virtual threads, and a virtual thread that computes is never preempted: on one CPU the scheduler has one carrier,
   * and a run busy with the model held every probe behind it for seconds. The kernel time-slices platform threads,
   * but fairly: twenty runs computing at once left the carrier a twentieth of the CPU, and probes still waited a
   * second. So runs that compute (the offline model) get as many threads as there are CPUs, and the others wait
   * their turn in order; runs that mostly wait on an LLM endpoint get one thread each.
   */
  private final ExecutorService runThreads;
  /**
   * The runs' event writers, on platform threads like the runs: a virtual one waited behind every socket's work for
   * the one carrier of a 1-CPU instance. One per run at most, while it has events to store.
   */
  private final ExecutorService eventWriters = Executors.newCachedThreadPool(
      Thread.ofPlatform().daemon().name("chat-events-", 0).factory());
  private final AutoCloseable subscription;
  private final AtomicBoolean closing = new AtomicBoolean();
  private final AtomicBoolean housekeeping = new AtomicBoolean();
  private final java.util.concurrent.ScheduledExecutorService pinger = Executors.newSingleThreadScheduledExecutor(
      Thread.ofPlatform().daemon().name("chat-pinger").factory());
  /** Later tries of what a dependency refused: a run's end, a repair. Its tasks only hand work to virtual threads. */
  private final java.util.concurrent.ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(
      Thread.ofPlatform().daemon().name("chat-retries").factory());

  /**
   * How much one user and this instance may run at once.
   *
   * @param runsPerUser a user's runs going at once, on every instance together; one more is refused with {@code busy}
   * @param runsPerInstance runs going at once on this instance (each holds database connections while its tools run)
   * @param socketsPerUser a user's sockets open on this instance; one more is refused before the upgrade
   * @param runTimeout how long a run may take; its deadline for the sweepers is this plus {@link #END_GRACE}
   * @param runThreads the platform threads runs go on: the CPUs for a model that computes, {@code runsPerInstance} for
   *     one that waits on an endpoint; runs past it wait for a thread in order
   */
  public record Limits(int runsPerUser, int runsPerInstance, int socketsPerUser, Duration runTimeout, int runThreads) {
    public Limits {
      if (runsPerUser < 1 || runsPerInstance < 1 || socketsPerUser < 1 || runThreads < 1) {
        throw new IllegalArgumentException("chat limits must be at least 1: " + runsPerUser + ", " + runsPerInstance
            + ", " + socketsPerUser + ", " + runThreads);
      }
    }
  }

  public ChatService(ChatStore chats, EventBus bus, RateLimiter limiter, Agent agent, Limits limits) {
    this.chats = chats;
    this.bus = bus;
    this.limiter = limiter;
    this.agent = agent;
    this.limits = limits;
    this.runSlots = new java.util.concurrent.Semaphore(limits.runsPerInstance());
    this.runThreads = Executors.newFixedThreadPool(limits.runThreads(),
        Thread.ofPlatform().daemon().name("agent-run-", 0).factory());
    this.subscription = bus.subscribe(CHANNEL, this::deliver);
    this.repairSubscription = bus.subscribe(REPAIR_CHANNEL, this::repairRequested);
    bus.whenReconnected(lostAt -> Thread.ofVirtual().name("chat-repair").start(() -> repairAll(lostAt)));
    long every = KEEPALIVE_CHECK.toMillis();
    pinger.scheduleWithFixedDelay(this::keepAlive, every, every, TimeUnit.MILLISECONDS);
    retries.scheduleWithFixedDelay(() -> Thread.ofVirtual().name("chat-housekeeping").start(this::housekeeping), 0,
        HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** A new socket of the authenticated user {@code userId}, for Jetty to run (public only because Jetty calls its methods). */
  public ChatSocket connect(String userId) {
    return new ChatSocket(this, userId);
  }

  /** Whether {@code userId} may open one more socket on this instance. */
  public boolean mayConnect(String userId) {
    Set<ChatSocket> mine = sockets.get(userId);
    return mine == null || mine.size() < limits.socketsPerUser();
  }

  /** The limits this chat enforces. */
  public Limits limits() {
    return limits;
  }

  void opened(ChatSocket socket) {
    // First the greeting, then the live events: a client always hears connection_established first, and
    // resumes what was stored before it listened.
    send(socket, transient_(new ChatEvent.ConnectionEstablished(socket.userId(), socket.id(), 1, ChatEvent.Limits.CURRENT),
        null));
    sockets.computeIfAbsent(socket.userId(), u -> ConcurrentHashMap.newKeySet()).add(socket);
  }

  void closed(ChatSocket socket, int code) {
    Set<ChatSocket> mine = sockets.get(socket.userId());
    if (mine != null) {
      mine.remove(socket);
      if (mine.isEmpty()) {
        sockets.remove(socket.userId(), mine);
      }
    }
    metrics.closed(code);
    if (code == 1011) {
      log.warn("chat socket {} of user {} closed with 1011 (server fault)", socket.id(), socket.userId());
    }
  }

  private void keepAlive() {
    long now = System.nanoTime();
    for (Set<ChatSocket> mine : sockets.values()) {
      for (ChatSocket socket : mine) {
        try {
          socket.keepAlive(now);
        } catch (RuntimeException e) {
          // one broken socket must not end the schedule, which a thrown exception would
          log.warn("keep-alive of chat socket {} failed: {}", socket.id(), e.toString());
        }
      }
    }
  }

  /** Records the chat's series in {@code registry} from now on. */
  public void bindMetrics(MeterRegistry registry) {
    metrics.bind(registry, this::openSockets);
  }

  public int openSockets() {
    return sockets.values().stream().mapToInt(Set::size).sum();
  }

  /** Handles one text frame from {@code socket}; never throws. */
  void received(ChatSocket socket, String text) {
    ClientMessage message = ClientMessage.parse(text);
    try {
      switch (message) {
        case ClientMessage.Ping p -> send(socket, "pong", pong());
        case ClientMessage.Invalid invalid -> send(socket, error(invalid.code(), invalid.message(), null));
        case ClientMessage.UserMessage m -> userMessage(socket, m);
        case ClientMessage.Resume r -> resume(socket, r);
        case ClientMessage.StopAgent s -> stop(socket, s);
      }
    } catch (ThreadNotFoundException e) {
      send(socket, error("not_found", "no such thread", null));
    } catch (RuntimeException e) {
      log.warn("chat message of user {} failed: {}", socket.userId(), e.toString());
      send(socket, error("server_error", "the message could not be handled; try again", null));
    }
  }

  private void userMessage(ChatSocket socket, ClientMessage.UserMessage m) {
    if (!limiter.tryAcquire("messages:" + socket.userId())) {
      socket.rateLimited();
      send(socket, error("rate_limited", "too many messages; at most " + ChatLimits.MESSAGES_PER_SECOND
          + " a second after a burst of " + ChatLimits.MESSAGES_BURST, m.threadId()));
      return;
    }
    socket.allowed();
    if (!runSlots.tryAcquire()) {
      send(socket, error("busy", "this server is answering as many questions as it can; send this again in a few"
          + " seconds", m.threadId()));
      return;
    }
    boolean submitted = false;
    try {
      Instant now = Instant.now();
      ChatStore.BegunRun begun = chats.beginRun(socket.userId(), m.threadId(), m.content(),
          new ChatStore.RunOwner(instanceId, now.plus(limits.runTimeout()).plus(END_GRACE)), limits.runsPerUser(),
          "agent_started", saved -> EventJson.write(new ChatEvent.AgentStarted(saved.messageId(), saved.newThread(),
              agent.getClass().getSimpleName())), now);
      ActiveRun run = new ActiveRun(socket.userId(), begun.message().threadId(), begun.runId());
      runs.put(run.runId, run);
      distribute(socket.userId(), begun.started());
      runThreads.submit(() -> {
        try {
          execute(run, m.content());
        } finally {
          runSlots.release();
        }
      });
      submitted = true;
    } catch (ChatStore.BusyException e) {
      send(socket, error("busy", e.getMessage(), m.threadId()));
    } catch (ChatStore.StorageException e) {
      log.warn("message of user {} not stored: {}", socket.userId(), e.getMessage());
      send(socket, error("storage_unavailable", "your message could not be stored right now; send it again in a few"
          + " seconds", m.threadId()));
    } finally {
      if (!submitted) {
        runSlots.release();
      }
    }
  }

  private void execute(ActiveRun run, String content) {
    long started = System.nanoTime();
    String status = "completed";
    String error = null;
    ChatEvent end;
    String answerText = null;
    try {
      Agent.Answer answer = answer(content, run);
      RuntimeException lost = run.settle();
      if (lost != null) {
        throw lost;
      }
      if (answer == null || run.stopped()) {
        status = closing.get() ? "interrupted" : "stopped";
        end = ChatEvent.AgentCompleted.without(status);
      } else {
        answerText = answer.text();
        end = new ChatEvent.AgentCompleted("completed", answer.text(), answer.figures());
      }
    } catch (Exception e) {
      run.settle();
      status = closing.get() ? "interrupted" : "failed";
      error = e.toString();
      log.warn("agent run {} failed: {}", run.runId, e.toString());
      // An AgentException's message is written for the user; anything else may carry internals.
      String code = e instanceof AgentException known ? known.code()
          : e instanceof ChatStore.StorageException ? "storage_unavailable" : "agent_failed";
      String message = e instanceof AgentException ? e.getMessage()
          : e instanceof ChatStore.StorageException ? "the answer could not be stored while the database was away;"
              + " ask again in a few seconds" : "the agent could not finish this answer";
      end = new ChatEvent.Failure(code, message);
    }
    metrics.run(status, Duration.ofNanos(System.nanoTime() - started));
    end(run, status, error, end, answerText, Duration.ofMillis(200));
  }

  /**
   * Stores the run's last event (and the answer), then delivers it; while the database does not take
   * it, tries again in the background with a growing pause, until the sweepers' deadline has passed.
   */
  private void end(ActiveRun run, String status, String error, ChatEvent end, String answerText, Duration pause) {
    try {
      chats.endRun(run.runId, status, error, end.type(), Instant.now(), EventJson.write(end), answerText)
          .ifPresent(stored -> distribute(run.userId, stored));
      runs.remove(run.runId);
    } catch (ChatStore.StorageException e) {
      if (Instant.now().isAfter(run.giveUpAt)) {
        runs.remove(run.runId);
        log.warn("run {} could not store its end before the sweepers' deadline; they end it: {}", run.runId,
            e.getMessage());
        return;
      }
      log.info("run {} could not store its end yet ({}); trying again in {} ms", run.runId, e.getMessage(),
          pause.toMillis());
      Duration next = pause.multipliedBy(2).compareTo(Duration.ofSeconds(5)) > 0 ? Duration.ofSeconds(5) : pause.multipliedBy(2);
      later(pause, () -> end(run, status, error, end, answerText, next));
    } catch (RuntimeException e) {
      runs.remove(run.runId);
      log.warn("run {} could not record its end: {}", run.runId, e.toString());
    }
  }

  /** Runs {@code task} on a virtual thread after {@code pause}, unless the chat is closing by then. */
  private void later(Duration pause, Runnable task) {
    try {
      retries.schedule(() -> {
        if (!closing.get()) {
          Thread.ofVirtual().name("chat-retry").start(task);
        }
      }, pause.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      // shutting down: the sweepers of the other instances take over
    }
  }

  /** This instance is alive; and runs left open by instances that are not, or past their deadline, are ended. */
  private void housekeeping() {
    if (closing.get() || !housekeeping.compareAndSet(false, true)) {
      return; // the last one still waits on the database
    }
    try {
      chats.heartbeat(instanceId);
      String interrupted = EventJson.write(new ChatEvent.Failure("interrupted", "this answer was interrupted (the"
          + " server running it stopped or took too long); ask again"));
      for (ChatStore.SweptRun swept : chats.sweep(INSTANCE_GONE, instanceId, List.copyOf(runs.keySet()), 100, "error",
          interrupted, Instant.now())) {
        log.info("ended run {} of user {}, left open by an instance that stopped or past its deadline",
            swept.end().runId(), swept.userId());
        distribute(swept.userId(), swept.end());
      }
      retryUnpublished();
    } catch (RuntimeException e) {
      log.debug("heartbeat or sweep skipped: {}", e.toString()); // the database is away; the next tick tries again
      retryUnpublished(); // the bus may be back before the database
    } finally {
      housekeeping.set(false);
    }
  }

  /**
   * Sends stored events to the user's sockets on this instance at once, and to the other instances
   * through the bus, in their order. A failed publish never fails the caller: the events are stored,
   * and the other instances are asked to send the user's events again from the database once the bus
   * answers.
   */
  private void distribute(String userId, List<ChatStore.StoredEvent> events) {
    List<String> messages = new java.util.ArrayList<>(events.size());
    for (ChatStore.StoredEvent stored : events) {
      String wire = wire(stored);
      deliverLocally(userId, stored.threadId(), stored.eventId(), wire);
      messages.add(userId + "\n" + wire);
    }
    try {
      bus.publish(CHANNEL, messages);
    } catch (RuntimeException e) {
      unpublished.merge(userId, events.getFirst().timestamp(), (a, b) -> a.isBefore(b) ? a : b);
      log.debug("events {} to {} of thread {} not published: {}", events.getFirst().eventId(), events.getLast().eventId(),
          events.getFirst().threadId(), e.toString());
    }
  }

  private void distribute(String userId, ChatStore.StoredEvent stored) {
    distribute(userId, List.of(stored));
  }

  /** Asks the other instances to repair the users whose events could not be published, once the bus takes it. */
  private void retryUnpublished() {
    for (Map.Entry<String, Instant> e : Map.copyOf(unpublished).entrySet()) {
      try {
        bus.publish(REPAIR_CHANNEL, e.getKey() + "\n" + e.getValue().toEpochMilli());
        unpublished.remove(e.getKey(), e.getValue());
      } catch (RuntimeException stillDown) {
        return;
      }
    }
  }

  private void repairRequested(String message) {
    int cut = message.indexOf('\n');
    if (cut <= 0) {
      return;
    }
    String userId = message.substring(0, cut);
    if (!sockets.containsKey(userId)) {
      return;
    }
    try {
      Instant since = Instant.ofEpochMilli(Long.parseLong(message.substring(cut + 1)));
      Thread.ofVirtual().name("chat-repair").start(() -> repair(userId, since.minus(REPAIR_MARGIN), Duration.ofMillis(500)));
    } catch (RuntimeException e) {
      log.debug("bad repair request: {}", e.toString());
    }
  }

  /** The bus was away from {@code lostAt}: every user with a socket here gets what was stored since. */
  private void repairAll(Instant lostAt) {
    for (String userId : List.copyOf(sockets.keySet())) {
      repair(userId, lostAt.minus(REPAIR_MARGIN), Duration.ofMillis(500));
    }
  }

  /** Sends {@code userId}'s sockets here the events stored since {@code since} that they did not get. */
  private void repair(String userId, Instant since, Duration pause) {
    if (closing.get() || !sockets.containsKey(userId)) {
      return;
    }
    List<ChatStore.StoredEvent> events;
    try {
      events = chats.recentEvents(userId, since, REPAIR_LIMIT);
    } catch (RuntimeException e) {
      if (pause.compareTo(Duration.ofMinutes(1)) < 0) {
        later(pause, () -> repair(userId, since, pause.multipliedBy(2)));
      }
      return;
    }
    Set<ChatSocket> mine = sockets.get(userId);
    if (mine == null) {
      return;
    }
    if (events.size() == REPAIR_LIMIT) {
      for (ChatSocket socket : mine) {
        socket.close(1012, "too many events missed; reconnect and resume");
      }
      return;
    }
    int sent = 0;
    for (ChatStore.StoredEvent e : events) {
      String wire = wire(e);
      for (ChatSocket socket : mine) {
        if (socket.live(e.threadId(), e.eventId(), wire)) {
          sent++;
        }
      }
    }
    if (sent > 0) {
      log.info("sent {} events user {} missed while the event bus was away", sent, userId);
    }
  }

  /**
   * The agent's answer, with the interrupt that stopped it (at shutdown, or at the run's time limit)
   * cleared: the end of the run must still be stored, and an interrupted thread cannot wait
   * for the database (the interrupt closes the connection's socket under it).
   */
  private Agent.Answer answer(String content, ActiveRun run) throws Exception {
    try {
      return agent.answer(content, run);
    } finally {
      Thread.interrupted();
    }
  }

  private void resume(ChatSocket socket, ClientMessage.Resume r) {
    if (!limiter.tryAcquire("resume:" + socket.userId())) {
      send(socket, error("rate_limited", "too many resumes", r.threadId()));
      return;
    }
    replay(socket, r, Duration.ofMillis(500));
  }

  /**
   * Sends the socket the thread's stored events after the one the client asked from. When the database does
   * not answer, the live events flow meanwhile and the replay is tried again until it does: the client asks
   * once per gap, as the page does, so an answer it never gets would leave its thread stuck.
   */
  private void replay(ChatSocket socket, ClientMessage.Resume r, Duration pause) {
    if (!socket.isOpen()) {
      return;
    }
    try {
      replayOnce(socket, r);
    } catch (ChatStore.StorageException e) {
      if (pause.compareTo(RESUME_RETRY_FOR) > 0) {
        log.warn("resume of thread {} for user {} failed until now ({}); the socket is closed for its client to resume",
            r.threadId(), socket.userId(), e.getMessage());
        socket.close(1012, "history unavailable; reconnect and resume");
        return;
      }
      log.info("resume of thread {} for user {} failed ({}); trying again in {} ms", r.threadId(), socket.userId(),
          e.getMessage(), pause.toMillis());
      later(pause, () -> replay(socket, r, pause.multipliedBy(2)));
    }
  }

  private void replayOnce(ChatSocket socket, ClientMessage.Resume r) {
    // The thread's live events are held back on this socket while the stored ones are replayed, then handed
    // over in order: a run that streams meanwhile reaches the client once each, with no gap.
    socket.beginReplay(r.threadId(), r.afterEventId());
    try {
      long after = r.afterEventId();
      while (true) {
        List<ChatStore.StoredEvent> missed = chats.events(socket.userId(), r.threadId(), after, RESUME_BATCH);
        for (ChatStore.StoredEvent e : missed) {
          if (socket.replay(r.threadId(), e.eventId(), wire(e))) {
            metrics.sent(e.type(), 1);
          }
        }
        if (missed.size() == RESUME_BATCH) {
          return; // the client asks again after the last one; the live events stay held until it catches up
        }
        OptionalLong gap = socket.handOver(r.threadId());
        if (gap.isEmpty()) {
          return;
        }
        after = gap.getAsLong(); // held events ran ahead of this batch (too many to hold): fetch what lies between
      }
    } catch (RuntimeException e) {
      socket.endReplay(r.threadId()); // the client gets an error and may resume again; the live events flow meanwhile
      throw e;
    }
  }

  private void stop(ChatSocket socket, ClientMessage.StopAgent s) {
    ActiveRun run = runs.get(s.runId());
    if (run == null || !run.userId.equals(socket.userId())) {
      send(socket, error("not_found", "no running agent with that run_id on this instance", null));
      return;
    }
    run.stop();
  }

  /** A message from the bus: {@code userId\nwireEvent}; hands the event to this instance's sockets of that user. */
  private void deliver(String message) {
    int cut = message.indexOf('\n');
    if (cut <= 0) {
      return;
    }
    String event = message.substring(cut + 1);
    deliverLocally(message.substring(0, cut), threadOf(event), eventIdOf(event), event);
  }

  /** Hands a stored event to this instance's sockets of {@code userId}; a socket that has it already drops it. */
  private void deliverLocally(String userId, UUID threadId, long eventId, String event) {
    Set<ChatSocket> mine = sockets.get(userId);
    if (mine == null) {
      return;
    }
    int sent = 0;
    for (ChatSocket socket : mine) {
      if (socket.live(threadId, eventId, event)) {
        sent++;
      }
    }
    if (sent > 0) {
      metrics.sent(ChatMetrics.typeOf(event), sent);
    }
  }

  /** The thread of a stored event's wire form, which {@link #wire} writes with {@code "thread_id"} after the run. */
  static UUID threadOf(String wire) {
    String field = "\"thread_id\":\"";
    int at = wire.indexOf(field);
    return at < 0 ? null : UUID.fromString(wire.substring(at + field.length(), at + field.length() + 36));
  }

  /** The event id of a stored event's wire form, which {@link #wire} writes second. */
  static long eventIdOf(String wire) {
    String field = "\"event_id\":";
    int at = wire.indexOf(field) + field.length();
    int end = at;
    while (end < wire.length() && Character.isDigit(wire.charAt(end))) {
      end++;
    }
    return end == at ? 0 : Long.parseLong(wire, at, end, 10);
  }

  private void send(ChatSocket socket, String type, String event) {
    socket.send(event);
    metrics.sent(type, 1);
  }

  private void send(ChatSocket socket, Transient event) {
    send(socket, event.type(), event.wire());
  }

  /** The wire form of a stored event, byte for byte the same live and on resume. */
  static String wire(ChatStore.StoredEvent e) {
    StringWriter out = new StringWriter(128 + e.payloadJson().length());
    try (JsonGenerator g = Json.mapper().getFactory().createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("type", e.type());
      g.writeNumberField("event_id", e.eventId());
      g.writeStringField("run_id", e.runId() == null ? null : e.runId().toString());
      g.writeStringField("thread_id", e.threadId().toString());
      g.writeStringField("timestamp", e.timestamp().toString());
      g.writeFieldName("payload");
      g.writeRawValue(e.payloadJson());
      g.writeEndObject();
    } catch (IOException impossible) {
      throw new IllegalStateException(impossible);
    }
    return out.toString();
  }

  /** An event sent to one socket and not stored, with its type for the metrics. */
  private record Transient(String type, String wire) { }

  private static Transient transient_(ChatEvent event, UUID threadId) {
    return new Transient(event.type(), EventJson.event(event.type(), null, threadId, Instant.now(), event));
  }

  /**
   * The same bytes {@link EventJson} writes for a {@link ChatEvent.Pong}, written directly: pings are the one
   * frame a client may send many times a second.
   */
  static String pong() {
    return "{\"type\":\"pong\",\"event_id\":0,\"run_id\":null,\"thread_id\":null,\"timestamp\":\"" + Instant.now()
        + "\",\"payload\":{}}";
  }

  private static Transient error(String code, String message, UUID threadId) {
    return transient_(new ChatEvent.Failure(code, message), threadId);
  }

  /**
   * Stops runs and closes every socket with 1001 (going away); runs still going end as interrupted,
   * and this instance leaves, so the others' sweepers end at once what could not be ended here. Idempotent.
   */
  @Override
  public void close() {
    if (closing.getAndSet(true)) {
      return;
    }
    pinger.shutdownNow();
    retries.shutdownNow();
    runs.values().forEach(ActiveRun::stop);
    for (Set<ChatSocket> mine : sockets.values()) {
      for (ChatSocket socket : mine) {
        socket.close(1001, "server shutting down");
      }
    }
    runThreads.shutdown();
    try {
      if (!runThreads.awaitTermination(3, TimeUnit.SECONDS)) {
        runThreads.shutdownNow();
        // Interrupted runs store their end themselves; the database must still be there when they do.
        runThreads.awaitTermination(1, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // Only this instance's runs: another instance's runs in the same database are still going.
    String interrupted = EventJson.write(ChatEvent.AgentCompleted.without("interrupted"));
    for (ActiveRun run : List.copyOf(runs.values())) {
      try {
        chats.endRun(run.runId, "interrupted", "the service shut down during the run", "agent_completed", Instant.now(),
            interrupted, null);
      } catch (RuntimeException e) {
        log.warn("could not record run {} as interrupted; the other instances' sweepers will: {}", run.runId,
            e.toString());
      }
    }
    try {
      chats.leave(instanceId);
    } catch (RuntimeException e) {
      log.debug("leaving: {}", e.toString());
    }
    for (AutoCloseable s : List.of(subscription, repairSubscription)) {
      try {
        s.close();
      } catch (Exception e) {
        log.debug("unsubscribing: {}", e.toString());
      }
    }
  }

  /** One run in progress on this instance. */
  private final class ActiveRun implements AgentRun {
    final String userId;
    final UUID threadId;
    final UUID runId;
    /** Past this, the sweepers end the run if it has not stored its end itself. */
    final Instant giveUpAt;
    private volatile boolean stopped;

    ActiveRun(String userId, UUID threadId, UUID runId) {
      this.userId = userId;
      this.threadId = threadId;
      this.runId = runId;
      this.giveUpAt = Instant.now().plus(limits.runTimeout()).plus(END_GRACE);
    }

    @Override
    public String userId() {
      return userId;
    }

    /** Events emitted and not yet stored, in order; a writer takes them all at once. Guarded by {@code this}. */
    private final List<ChatStore.NewEvent> unstored = new java.util.ArrayList<>();
    /** Whether a writer is storing events now. Guarded by {@code this}. */
    private boolean writing;
    /** Why storing the run's events failed; nothing more is stored, and the run's next step fails with it. */
    private RuntimeException lost;

    /**
     * Hands the event to the run's writer and returns at once: the run goes on while the events are stored. Each
     * event is stored before it is sent to any socket, and the events a run emits while a write is under way go in
     * the next write, together: one round trip for several events.
     *
     * @throws RuntimeException what made an earlier event of the run fail to store
     */
    @Override
    public void emit(RunEvent event) {
      String payload = EventJson.write(event);
      synchronized (this) {
        if (lost != null) {
          throw lost;
        }
        unstored.add(new ChatStore.NewEvent(event.type(), Instant.now(), payload));
        if (writing) {
          return;
        }
        writing = true;
      }
      eventWriters.execute(this::write);
    }

    /** Stores and delivers the waiting events, in batches, until there are none. */
    private void write() {
      while (true) {
        List<ChatStore.NewEvent> batch;
        synchronized (this) {
          if (unstored.isEmpty()) {
            writing = false;
            notifyAll();
            return;
          }
          batch = List.copyOf(unstored);
          unstored.clear();
        }
        try {
          distribute(userId, chats.appendEvents(threadId, runId, batch));
        } catch (RuntimeException e) {
          synchronized (this) {
            lost = e;
            unstored.clear();
            writing = false;
            notifyAll();
          }
          return;
        }
      }
    }

    /**
     * Waits until every event emitted so far is stored and sent, or failed: the run's end must be the last event of
     * its thread. An interrupt does not cut the wait short (each write is bounded by its statement timeout).
     *
     * @return what made an event fail to store, or null when all of them are stored
     */
    synchronized RuntimeException settle() {
      while (writing) {
        try {
          wait();
        } catch (InterruptedException e) {
          // the run was stopped or ran out of time: its end still goes after its events
        }
      }
      return lost;
    }

    @Override
    public boolean stopped() {
      return stopped || closing.get();
    }

    void stop() {
      stopped = true;
    }
  }
}

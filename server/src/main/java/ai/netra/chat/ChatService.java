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
 * agent on its own virtual thread, persists every event of the run and delivers it to all of the
 * user's sockets on every instance through the event bus. A user only ever receives events
 * published for that user.
 */
public final class ChatService implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ChatService.class);
  static final String CHANNEL = "chat-events";
  /** How many resumed events one resume sends at most; the client asks again after the last one. */
  static final int RESUME_BATCH = 1000;
  /** How often every socket is checked for a ping that is due or a peer silent past the idle timeout. */
  static final Duration KEEPALIVE_CHECK = Duration.ofSeconds(5);

  private final ChatStore chats;
  private final EventBus bus;
  private final RateLimiter limiter;
  private final Agent agent;
  private final ChatMetrics metrics = new ChatMetrics();
  private final Map<String, Set<ChatSocket>> sockets = new ConcurrentHashMap<>();
  private final Map<UUID, ActiveRun> runs = new ConcurrentHashMap<>();
  private final ExecutorService runThreads =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("agent-run-", 0).factory());
  private final AutoCloseable subscription;
  private final AtomicBoolean closing = new AtomicBoolean();
  private final java.util.concurrent.ScheduledExecutorService pinger = Executors.newSingleThreadScheduledExecutor(
      Thread.ofPlatform().daemon().name("chat-pinger").factory());

  public ChatService(ChatStore chats, EventBus bus, RateLimiter limiter, Agent agent) {
    this.chats = chats;
    this.bus = bus;
    this.limiter = limiter;
    this.agent = agent;
    this.subscription = bus.subscribe(CHANNEL, this::deliver);
    long every = KEEPALIVE_CHECK.toMillis();
    pinger.scheduleWithFixedDelay(this::keepAlive, every, every, TimeUnit.MILLISECONDS);
  }

  /** A new socket of the authenticated user {@code userId}, for Jetty to run (public only because Jetty calls its methods). */
  public ChatSocket connect(String userId) {
    return new ChatSocket(this, userId);
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
    ChatStore.SavedMessage saved = chats.saveUserMessage(socket.userId(), m.threadId(), m.content());
    UUID runId = chats.startRun(socket.userId(), saved.threadId());
    ActiveRun run = new ActiveRun(socket.userId(), saved.threadId(), runId);
    runs.put(runId, run);
    run.record(new ChatEvent.AgentStarted(saved.messageId(), saved.newThread(), agent.getClass().getSimpleName()));
    runThreads.submit(() -> execute(run, m.content()));
  }

  private void execute(ActiveRun run, String content) {
    long started = System.nanoTime();
    String status = "completed";
    String error = null;
    try {
      Agent.Answer answer = answer(content, run);
      if (answer == null || run.stopped()) {
        status = closing.get() ? "interrupted" : "stopped";
        run.record(ChatEvent.AgentCompleted.without(status));
      } else {
        chats.saveAssistantMessage(run.threadId, answer.text());
        run.record(new ChatEvent.AgentCompleted("completed", answer.text(), answer.figures()));
      }
    } catch (Exception e) {
      status = closing.get() ? "interrupted" : "failed";
      error = e.toString();
      log.warn("agent run {} failed: {}", run.runId, e.toString());
      // An AgentException's message is written for the user; anything else may carry internals.
      String code = e instanceof AgentException known ? known.code() : "agent_failed";
      String message = e instanceof AgentException ? e.getMessage() : "the agent could not finish this answer";
      try {
        run.record(new ChatEvent.Failure(code, message));
      } catch (RuntimeException ignored) {
        // the database may be the reason; the run is marked below if it can be
      }
    } finally {
      runs.remove(run.runId);
      metrics.run(status, Duration.ofNanos(System.nanoTime() - started));
      try {
        chats.finishRun(run.runId, status, error);
      } catch (RuntimeException e) {
        log.warn("could not record the end of run {}: {}", run.runId, e.toString());
      }
    }
  }

  /**
   * The agent's answer, with the interrupt that stopped it (at shutdown, or at the run's time limit)
   * cleared: the end of the run must still be stored, and an interrupted virtual thread cannot wait
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
    Set<ChatSocket> mine = sockets.get(message.substring(0, cut));
    if (mine != null) {
      String event = message.substring(cut + 1);
      UUID threadId = threadOf(event);
      long eventId = eventIdOf(event);
      for (ChatSocket socket : mine) {
        socket.live(threadId, eventId, event);
      }
      metrics.sent(ChatMetrics.typeOf(event), mine.size());
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

  /** Stops runs and closes every socket with 1001 (going away); runs still going are recorded as interrupted. Idempotent. */
  @Override
  public void close() {
    if (closing.getAndSet(true)) {
      return;
    }
    pinger.shutdownNow();
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
    for (ActiveRun run : List.copyOf(runs.values())) {
      try {
        chats.finishRun(run.runId, "interrupted", "the service shut down during the run");
      } catch (RuntimeException e) {
        log.warn("could not record run {} as interrupted: {}", run.runId, e.toString());
      }
    }
    try {
      subscription.close();
    } catch (Exception e) {
      log.debug("unsubscribing: {}", e.toString());
    }
  }

  /** One run in progress on this instance. */
  private final class ActiveRun implements AgentRun {
    final String userId;
    final UUID threadId;
    final UUID runId;
    private volatile boolean stopped;

    ActiveRun(String userId, UUID threadId, UUID runId) {
      this.userId = userId;
      this.threadId = threadId;
      this.runId = runId;
    }

    @Override
    public String userId() {
      return userId;
    }

    @Override
    public void emit(RunEvent event) {
      store(event.type(), event);
    }

    /** Stores and delivers one of the chat's own events of this run. */
    void record(ChatEvent event) {
      store(event.type(), event);
    }

    private void store(String type, Object payload) {
      ChatStore.StoredEvent stored = chats.appendEvent(threadId, runId, type, Instant.now(), EventJson.write(payload));
      bus.publish(CHANNEL, userId + "\n" + wire(stored));
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

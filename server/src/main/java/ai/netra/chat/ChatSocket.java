package ai.netra.chat;

import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One authenticated chat connection (public only because Jetty looks its methods up): frames to the {@link ChatService}, events back. */
public final class ChatSocket implements Session.Listener.AutoDemanding {

  private static final Logger log = LoggerFactory.getLogger(ChatSocket.class);
  /** A client that stops reading gets its socket closed instead of growing this instance's memory. */
  static final int MAX_QUEUED_SENDS = 1000;
  /** Refused messages in a row after which a flooding client is disconnected (1008). */
  static final int MAX_RATE_LIMITED_IN_A_ROW = 50;
  /** Live events held back for a thread while it is replayed; past this they are dropped and fetched from the store. */
  static final int MAX_HELD = 2 * ChatService.RESUME_BATCH;

  private final ChatService chat;
  private final String userId;
  private final String id = UUID.randomUUID().toString();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicInteger rateLimitedInARow = new AtomicInteger();
  /** Per thread: which of its stored events this socket sent, and while a resume replays it, the live ones held. */
  private final Map<UUID, Cursor> cursors = new HashMap<>();
  private volatile Session session;
  /** {@link System#nanoTime()} of the last frame from the peer (a pong counts) and of the last ping sent. */
  private volatile long lastHeard;
  private volatile long lastPinged;

  ChatSocket(ChatService chat, String userId) {
    this.chat = chat;
    this.userId = userId;
  }

  String userId() {
    return userId;
  }

  String id() {
    return id;
  }

  @Override
  public void onWebSocketOpen(Session session) {
    lastHeard = System.nanoTime();
    lastPinged = lastHeard;
    this.session = session;
    chat.opened(this);
  }

  @Override
  public void onWebSocketText(String message) {
    lastHeard = System.nanoTime();
    chat.received(this, message);
  }

  @Override
  public void onWebSocketPong(ByteBuffer payload) {
    lastHeard = System.nanoTime();
  }

  @Override
  public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
    lastHeard = System.nanoTime();
    callback.succeed();
    chat.received(this, "{\"type\":\"binary\"}"); // answered as an unknown type: the protocol is text JSON
  }

  @Override
  public void onWebSocketClose(int statusCode, String reason, Callback callback) {
    chat.closed(this, statusCode);
    callback.succeed();
  }

  @Override
  public void onWebSocketError(Throwable cause) {
    log.debug("chat socket {} error: {}", id, cause.toString());
  }

  private static final class Cursor {
    /** The event ids sent on this socket since its last resume of the thread (they are numbered 1, 2, 3, ...). */
    final BitSet sent = new BitSet();
    /** While a resume replays: the last event id it replayed (or asked after), and the live events held, by id. */
    long replayed;
    TreeMap<Long, String> held;

    /** Sends {@code wire} unless this socket sent event {@code eventId} already; true when it sent it now. */
    boolean sendOnce(ChatSocket socket, long eventId, String wire) {
      if (eventId > Integer.MAX_VALUE || !sent.get((int) eventId)) {
        sent.set((int) Math.min(eventId, Integer.MAX_VALUE));
        socket.send(wire);
        return true;
      }
      return false;
    }
  }

  /**
   * A stored event, live (from this instance, the bus, or a repair): held while a resume replays its
   * thread, else sent unless this socket sent it already. Events outside a thread go straight out.
   *
   * @return whether it was sent now
   */
  synchronized boolean live(UUID threadId, long eventId, String wire) {
    if (threadId == null || eventId <= 0) {
      send(wire);
      return true;
    }
    Cursor cursor = cursors.computeIfAbsent(threadId, t -> new Cursor());
    if (cursor.held == null) {
      return cursor.sendOnce(this, eventId, wire);
    }
    if (cursor.held.size() < MAX_HELD) {
      cursor.held.put(eventId, wire);
    }
    return false;
  }

  /**
   * A resume of {@code threadId} after {@code afterEventId} begins: what the client asks for is sent again
   * whatever this socket sent before, and the thread's live events are held until the replay hands over.
   */
  synchronized void beginReplay(UUID threadId, long afterEventId) {
    Cursor cursor = cursors.computeIfAbsent(threadId, t -> new Cursor());
    cursor.sent.clear();
    cursor.replayed = afterEventId;
    cursor.held = new TreeMap<>();
  }

  /** Sends one replayed event (they come in order) unless this socket sent it already; false when it had. */
  synchronized boolean replay(UUID threadId, long eventId, String wire) {
    Cursor cursor = cursors.get(threadId);
    cursor.replayed = eventId;
    boolean sent = !cursor.sent.get((int) Math.min(eventId, Integer.MAX_VALUE));
    cursor.sendOnce(this, eventId, wire);
    return sent;
  }

  /**
   * Ends a replay that caught up with the store: sends the held live events that follow it without a gap,
   * and lets live events through again. When the held ones run ahead of the replay (some were dropped),
   * returns the id to replay after, and keeps holding.
   */
  synchronized OptionalLong handOver(UUID threadId) {
    Cursor cursor = cursors.get(threadId);
    while (!cursor.held.isEmpty()) {
      long next = cursor.held.firstKey();
      if (next > cursor.replayed + 1) {
        return OptionalLong.of(cursor.replayed);
      }
      String wire = cursor.held.pollFirstEntry().getValue();
      cursor.replayed = Math.max(cursor.replayed, next);
      cursor.sendOnce(this, next, wire);
    }
    cursor.held = null;
    return OptionalLong.empty();
  }

  /** Ends a replay that failed: the held live events go out in order, and live ones flow again. */
  synchronized void endReplay(UUID threadId) {
    Cursor cursor = cursors.get(threadId);
    if (cursor != null && cursor.held != null) {
      cursor.held.forEach((eventId, wire) -> cursor.sendOnce(this, eventId, wire));
      cursor.held = null;
    }
  }

  /** Queues {@code text} for sending; closes the socket (1008) when the client has stopped reading. */
  void send(String text) {
    Session s = session;
    if (s == null || !s.isOpen()) {
      return;
    }
    if (queued.incrementAndGet() > MAX_QUEUED_SENDS) {
      queued.decrementAndGet();
      close(1008, "client too slow: " + MAX_QUEUED_SENDS + " events unread");
      return;
    }
    s.sendText(text, Callback.from(queued::decrementAndGet, failure -> queued.decrementAndGet()));
  }

  /**
   * Pings the peer when a ping is due, and drops the connection when nothing came from the peer, not
   * even a pong, for the idle timeout. The connection's own idle timeout cannot do this: every ping
   * the server writes counts as traffic for it, so a vanished peer would be kept forever.
   */
  void keepAlive(long nowNanos) {
    Session s = session;
    if (s == null || !s.isOpen()) {
      return; // not open yet, or closing: the connection's idle timeout ends a close the peer never answers
    }
    if (nowNanos - lastHeard >= ChatLimits.IDLE_TIMEOUT.toNanos()) {
      log.debug("chat socket {} of user {} sent nothing for {} s: dropped", id, userId, ChatLimits.IDLE_TIMEOUT.toSeconds());
      s.close(1001, "nothing received for " + ChatLimits.IDLE_TIMEOUT.toSeconds() + " s", Callback.NOOP);
      s.disconnect(); // a silent peer will not answer the close frame; waiting for it would keep the socket another timeout
      return;
    }
    if (nowNanos - lastPinged >= ChatLimits.PING_INTERVAL.toNanos()) {
      lastPinged = nowNanos;
      s.sendPing(ByteBuffer.allocate(0), Callback.NOOP);
    }
  }

  void rateLimited() {
    if (rateLimitedInARow.incrementAndGet() >= MAX_RATE_LIMITED_IN_A_ROW) {
      close(1008, "message flood");
    }
  }

  /** A message passed the rate limit: the client slowed down. */
  void allowed() {
    rateLimitedInARow.set(0);
  }

  boolean isOpen() {
    Session s = session;
    return s != null && s.isOpen();
  }

  void close(int code, String reason) {
    Session s = session;
    if (s != null && s.isOpen()) {
      s.close(code, reason, Callback.NOOP);
    }
  }
}

package ai.netra.chat;

import java.nio.ByteBuffer;
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

  private final ChatService chat;
  private final String userId;
  private final String id = UUID.randomUUID().toString();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicInteger rateLimitedInARow = new AtomicInteger();
  private volatile Session session;

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
    this.session = session;
    chat.opened(this);
  }

  @Override
  public void onWebSocketText(String message) {
    chat.received(this, message);
  }

  @Override
  public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
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

  void ping() {
    Session s = session;
    if (s != null && s.isOpen()) {
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

  void close(int code, String reason) {
    Session s = session;
    if (s != null && s.isOpen()) {
      s.close(code, reason, Callback.NOOP);
    }
  }
}

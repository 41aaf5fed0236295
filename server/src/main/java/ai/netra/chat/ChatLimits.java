package ai.netra.chat;

import java.time.Duration;

/** The chat socket's limits, which the server enforces and tells every client when it connects. */
public final class ChatLimits {

  /** Frames above this close the socket with 1009. */
  public static final int MAX_FRAME_BYTES = 64 * 1024;
  /** A socket with no frame at all (not even a pong) for this long is dropped. */
  public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);
  /** The server pings every socket this often, so a live client always answers within the idle timeout. */
  public static final Duration PING_INTERVAL = Duration.ofSeconds(20);
  /** Chat floods: this many user messages at once, then this many a second, per user. */
  public static final int MESSAGES_BURST = 20;
  public static final double MESSAGES_PER_SECOND = 5;

  private ChatLimits() { }
}

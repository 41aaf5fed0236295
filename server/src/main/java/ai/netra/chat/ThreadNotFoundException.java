package ai.netra.chat;

import java.util.UUID;

/**
 * A thread that does not exist or belongs to another user; the two are deliberately indistinguishable.
 */
public final class ThreadNotFoundException extends RuntimeException {

  private final transient UUID threadId;

  public ThreadNotFoundException(UUID threadId) {
    // Only the id the caller asked for: never whether it exists or whose it is.
    super("thread " + threadId + " not found");
    this.threadId = threadId;
  }

  /** The id the caller asked for. */
  public UUID threadId() {
    return threadId;
  }
}

package ai.netra.agent;

import java.util.function.LongSupplier;

/**
 * Turns a model's streamed text into {@code agent_thinking} events of a readable size: every event
 * is a database row and a message on every socket, so a delta of a few characters each is not
 * worth one. Text goes out once a chunk is long enough, ends a line, or has waited long enough.
 */
final class ThinkingStream {

  static final int CHUNK_CHARS = 160;
  static final long MAX_WAIT_NANOS = 150_000_000L;

  private final AgentRun run;
  private final LongSupplier nanoClock;
  private final StringBuilder pending = new StringBuilder();
  private long pendingSince;

  ThinkingStream(AgentRun run, LongSupplier nanoClock) {
    this.run = run;
    this.nanoClock = nanoClock;
  }

  void accept(String delta) {
    if (delta == null || delta.isEmpty()) {
      return;
    }
    if (pending.isEmpty()) {
      pendingSince = nanoClock.getAsLong();
    }
    pending.append(delta);
    if (pending.length() >= CHUNK_CHARS || delta.indexOf('\n') >= 0
        || nanoClock.getAsLong() - pendingSince >= MAX_WAIT_NANOS) {
      flush();
    }
  }

  void flush() {
    if (!pending.isEmpty()) {
      String text = pending.toString();
      pending.setLength(0);
      run.emit(new RunEvent.ThoughtDelta(text));
    }
  }
}

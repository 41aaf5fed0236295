package ai.netra.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.eclipse.jetty.io.Content;

/**
 * A request body read as a stream with a floor on its rate: in every window of {@code window}, at least
 * {@code minBytesPerSecond x window} bytes must arrive, or the read fails with {@link TooSlow}. A reader never
 * waits past the end of the current window, so a client that trickles a byte now and then, or sends nothing at
 * all, loses its slot within one window instead of holding it for as long as it likes.
 */
final class PacedUpload extends InputStream {

  /** The upload arrived more slowly than the floor; what was read so far is to be thrown away. */
  static final class TooSlow extends IOException {
    TooSlow(String message) {
      super(message, null);
    }
  }

  private final Content.Source source;
  private final int minBytesPerSecond;
  private final long windowNanos;
  private final long minBytesPerWindow;
  private final LongSupplier nanos;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition readable = lock.newCondition();
  private boolean demanding; // guarded by lock: one demand at a time, as Content.Source requires
  private Content.Chunk chunk;
  private long windowStart;
  private long windowBytes;

  PacedUpload(Content.Source source, int minBytesPerSecond, Duration window) {
    this(source, minBytesPerSecond, window, System::nanoTime);
  }

  PacedUpload(Content.Source source, int minBytesPerSecond, Duration window, LongSupplier nanos) {
    if (minBytesPerSecond < 1 || !window.isPositive()) {
      throw new IllegalArgumentException("need a positive rate and window, were " + minBytesPerSecond + " and " + window);
    }
    this.source = source;
    this.minBytesPerSecond = minBytesPerSecond;
    this.windowNanos = window.toNanos();
    this.minBytesPerWindow = (long) Math.ceil(minBytesPerSecond * (windowNanos / 1e9));
    this.nanos = nanos;
    this.windowStart = nanos.getAsLong();
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    while (true) {
      if (chunk != null) {
        ByteBuffer buffer = chunk.getByteBuffer();
        if (buffer.hasRemaining()) {
          int n = Math.min(len, buffer.remaining());
          buffer.get(b, off, n);
          windowBytes += n;
          checkPace();
          return n;
        }
        boolean last = chunk.isLast();
        chunk.release();
        chunk = null;
        if (last) {
          return -1;
        }
      }
      checkPace();
      Content.Chunk next = source.read();
      if (next == null) {
        awaitContent();
      } else if (Content.Chunk.isFailure(next)) {
        throw next.getFailure() instanceof IOException io ? io : new IOException(next.getFailure());
      } else {
        chunk = next;
      }
    }
  }

  /** At the end of each window: fails when the window brought too few bytes, else starts the next. */
  private void checkPace() throws TooSlow {
    long now = nanos.getAsLong();
    if (now - windowStart < windowNanos) {
      return;
    }
    if (windowBytes < minBytesPerWindow) {
      long seconds = TimeUnit.NANOSECONDS.toSeconds(windowNanos);
      throw new TooSlow("the upload arrived at " + (long) (windowBytes / (windowNanos / 1e9)) + " bytes a second over "
          + seconds + " s, below the minimum of " + minBytesPerSecond + " bytes a second; nothing was imported;"
          + " upload it again over a faster connection");
    }
    windowStart = now;
    windowBytes = 0;
  }

  /** Waits until the source has content or the window ends, whichever is first. */
  private void awaitContent() throws IOException {
    lock.lock();
    try {
      if (!demanding) {
        demanding = true;
        source.demand(() -> { // may run at once, on this thread: the lock is reentrant
          lock.lock();
          try {
            demanding = false;
            readable.signalAll();
          } finally {
            lock.unlock();
          }
        });
      }
      long left = windowStart + windowNanos - nanos.getAsLong();
      while (demanding && left > 0) {
        left = readable.awaitNanos(left);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the upload");
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    if (chunk != null) {
      chunk.release();
      chunk = null;
    }
  }
}

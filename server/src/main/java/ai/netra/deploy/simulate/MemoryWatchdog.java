package ai.netra.deploy.simulate;

import ai.netra.deploy.MemorySize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Samples the resident memory ({@code VmRSS}) of the service and every process it started (the
 * embedded PostgreSQL counts too: a container's limit covers all of them), keeps the peak, and
 * SIGKILLs the whole tree the moment the sum reaches the limit, as Cloud Run stops an instance
 * that goes over its memory limit.
 */
final class MemoryWatchdog implements AutoCloseable {

  /** The kill: when (nanoTime) and at what resident size. */
  record Kill(long atNanos, long rssBytes) { }

  private final ProcessHandle process;
  private final MemorySize limit;
  private final Duration interval;
  private final Thread thread;
  private final Set<ProcessHandle> seen = ConcurrentHashMap.newKeySet();
  private final Object lock = new Object();
  private long peakBytes; // guarded by lock
  private Kill kill; // guarded by lock
  private String unreadable; // guarded by lock
  private volatile boolean closed;

  MemoryWatchdog(ProcessHandle process, MemorySize limit, Duration interval) {
    this.process = process;
    this.limit = limit;
    this.interval = interval;
    this.thread = Thread.ofPlatform().daemon().name("netra-simulate-rss").unstarted(this::watch);
  }

  MemoryWatchdog start() {
    thread.start();
    return this;
  }

  /** The largest total resident size seen so far, in bytes. */
  long peakBytes() {
    synchronized (lock) {
      return peakBytes;
    }
  }

  /** The kill, when the watchdog killed the service. */
  Optional<Kill> kill() {
    synchronized (lock) {
      return Optional.ofNullable(kill);
    }
  }

  /** Why memory could not be watched (no {@code /proc}), or empty when it was. */
  Optional<String> unreadable() {
    synchronized (lock) {
      return Optional.ofNullable(unreadable);
    }
  }

  /**
   * Every process of the tree seen so far, the service's own children included: they outlive it
   * when it dies (the embedded database), and whoever stops the service stops them too.
   */
  Set<ProcessHandle> seen() {
    return Set.copyOf(seen);
  }

  /** Takes one more sample now (the last word before the service is stopped) and returns the total. */
  long sampleNow() {
    return sample();
  }

  private void watch() {
    while (!closed && process.isAlive()) {
      long total = sample();
      if (total >= limit.bytes() && process.isAlive()) {
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        process.destroyForcibly();
        tree.forEach(ProcessHandle::destroyForcibly);
        synchronized (lock) {
          kill = new Kill(System.nanoTime(), total);
        }
        return;
      }
      try {
        Thread.sleep(interval);
      } catch (InterruptedException e) {
        return; // closed
      }
    }
  }

  private long sample() {
    long total = 0;
    List<ProcessHandle> tree = new ArrayList<>();
    tree.add(process);
    tree.addAll(process.descendants().toList());
    seen.addAll(tree);
    for (ProcessHandle p : tree) {
      try {
        total += rssBytes(p.pid());
      } catch (NoSuchFileException e) {
        // the process ended between listing and reading: it holds no memory any more
      } catch (IOException e) {
        synchronized (lock) {
          unreadable = "cannot read /proc/" + p.pid() + "/status (" + e + "): memory is not watched and not limited";
        }
      }
    }
    synchronized (lock) {
      peakBytes = Math.max(peakBytes, total);
    }
    return total;
  }

  /** {@code VmRSS} of {@code pid} in bytes (0 for a process without one, such as a zombie). */
  static long rssBytes(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
      if (line.startsWith("VmRSS:")) {
        String[] parts = line.substring(6).strip().split("\\s+");
        return Long.parseLong(parts[0]) * 1024; // the kernel reports kB (KiB)
      }
    }
    return 0;
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
    try {
      thread.join(Duration.ofSeconds(2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

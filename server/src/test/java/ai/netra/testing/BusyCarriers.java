package ai.netra.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Holds every carrier thread of the virtual-thread scheduler with virtual threads that compute and never block: what
 * a storm of CPU-bound requests does to a 1-CPU instance, where one busy virtual thread is enough. While it is open,
 * no other virtual thread runs; platform threads still get their share of the CPU from the operating system.
 */
public final class BusyCarriers implements AutoCloseable {

  private volatile boolean spinning = true;
  private final List<Thread> spinners = new ArrayList<>();

  public BusyCarriers() throws InterruptedException {
    int carriers = Integer.getInteger("jdk.virtualThreadScheduler.parallelism", Runtime.getRuntime().availableProcessors());
    CountDownLatch running = new CountDownLatch(carriers);
    for (int i = 0; i < carriers; i++) {
      spinners.add(Thread.ofVirtual().name("busy-carrier-" + i).start(() -> {
        running.countDown();
        while (spinning) {
          Thread.onSpinWait();
        }
      }));
    }
    if (!running.await(10, TimeUnit.SECONDS)) {
      throw new IllegalStateException("the busy virtual threads did not all start");
    }
  }

  @Override
  public void close() throws InterruptedException {
    spinning = false;
    for (Thread t : spinners) {
      t.join();
    }
  }
}

package ai.netra.cache;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Token buckets in this process, for development without Redis. */
public final class LocalRateLimiter implements RateLimiter {

  private final int capacity;
  private final double perSecond;
  private final Map<String, double[]> buckets = new ConcurrentHashMap<>(); // key -> {tokens, last refill nanos}

  public LocalRateLimiter(int capacity, double perSecond) {
    if (capacity < 1 || !(perSecond > 0)) {
      throw new IllegalArgumentException("need capacity >= 1 and perSecond > 0, were " + capacity + " and " + perSecond);
    }
    this.capacity = capacity;
    this.perSecond = perSecond;
  }

  @Override
  public boolean tryAcquire(String key) {
    double[] bucket = buckets.computeIfAbsent(key, k -> new double[] {capacity, System.nanoTime()});
    synchronized (bucket) {
      double now = System.nanoTime();
      bucket[0] = Math.min(capacity, bucket[0] + (now - bucket[1]) / 1e9 * perSecond);
      bucket[1] = now;
      if (bucket[0] >= 1) {
        bucket[0] -= 1;
        return true;
      }
      return false;
    }
  }

  @Override
  public String kind() {
    return "in-process";
  }
}

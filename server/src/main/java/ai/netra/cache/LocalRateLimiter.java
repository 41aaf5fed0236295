package ai.netra.cache;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Token buckets in this process, for development without Redis and while Redis is away. A bucket left
 * alone long enough to refill is the same as no bucket, so idle users' buckets are dropped: memory
 * holds only the users active within the last refill time, however many came and went.
 */
public final class LocalRateLimiter implements RateLimiter {

  private final int capacity;
  private final double perSecond;
  private final LongSupplier nanos;
  /** How long an untouched bucket takes to fill up again; past that it is dropped. */
  private final long refillNanos;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
  private final AtomicLong lastSweep;

  /** Tokens left at a time; replaced, never changed, under the map's lock for its key. */
  private record Bucket(double tokens, long at) { }

  public LocalRateLimiter(int capacity, double perSecond) {
    this(capacity, perSecond, System::nanoTime);
  }

  /** @param nanos the clock, as {@link System#nanoTime()} */
  LocalRateLimiter(int capacity, double perSecond, LongSupplier nanos) {
    if (capacity < 1 || !(perSecond > 0)) {
      throw new IllegalArgumentException("need capacity >= 1 and perSecond > 0, were " + capacity + " and " + perSecond);
    }
    this.capacity = capacity;
    this.perSecond = perSecond;
    this.nanos = nanos;
    this.refillNanos = (long) Math.ceil(capacity / perSecond * 1e9);
    this.lastSweep = new AtomicLong(nanos.getAsLong());
  }

  @Override
  public boolean tryAcquire(String key) {
    long now = nanos.getAsLong();
    sweepIfDue(now);
    boolean[] allowed = new boolean[1];
    buckets.compute(key, (k, bucket) -> {
      double tokens = bucket == null ? capacity : Math.min(capacity, bucket.tokens + (now - bucket.at) / 1e9 * perSecond);
      allowed[0] = tokens >= 1;
      return new Bucket(allowed[0] ? tokens - 1 : tokens, now);
    });
    return allowed[0];
  }

  /** Drops, at most once per refill time, the buckets that have been full again for a while. */
  private void sweepIfDue(long now) {
    long last = lastSweep.get();
    if (now - last < refillNanos || !lastSweep.compareAndSet(last, now)) {
      return;
    }
    // Removal decides under the key's lock, so a bucket touched meanwhile stays.
    buckets.keySet().forEach(key -> buckets.computeIfPresent(key, (k, b) -> now - b.at >= refillNanos ? null : b));
  }

  /** Buckets held now. */
  int size() {
    return buckets.size();
  }

  @Override
  public String kind() {
    return "in-process";
  }
}

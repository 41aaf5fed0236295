package ai.netra.cache;

/** A token bucket per key: {@code capacity} tokens, refilled at {@code perSecond}; shared across instances with Redis. */
public interface RateLimiter {

  /** Takes one token for {@code key}; false when the bucket is empty (the caller is over the limit). */
  boolean tryAcquire(String key);

  /** {@code redis} or {@code in-process}. */
  String kind();
}

package ai.netra.cache;

import dev.failsafe.CircuitBreaker;
import dev.failsafe.Failsafe;
import dev.failsafe.Fallback;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Token buckets in Redis, shared by every instance, updated atomically by one script. When Redis
 * does not answer, this instance's own buckets take over (the same capacity and rate, counted here
 * only), and Redis is not asked again for {@link #COOLDOWN}: a flood is still held back, per
 * instance, and no caller waits on a Redis that is away. Letting everything through would leave an
 * outage open to floods; refusing everyone would turn it into a chat outage.
 */
public final class RedisRateLimiter implements RateLimiter {

  private static final Logger log = LoggerFactory.getLogger(RedisRateLimiter.class);
  /**
   * Time is Redis's own: with each caller's clock, a flood from many threads (or instances whose clocks
   * differ) ran the bucket's time backwards and forwards and refilled it twice over (30 let through where
   * 28 were due in 1.5 s). Replicating effects, not the script, lets it read TIME before it writes.
   */
  private static final String SCRIPT = """
      if redis.replicate_commands then redis.replicate_commands() end
      local capacity = tonumber(ARGV[1])
      local rate = tonumber(ARGV[2])
      local time = redis.call('TIME')
      local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
      local bucket = redis.call('HMGET', KEYS[1], 't', 'ts')
      local tokens = tonumber(bucket[1]) or capacity
      local ts = tonumber(bucket[2]) or now
      tokens = math.min(capacity, tokens + math.max(0, now - ts) / 1000 * rate)
      local allowed = 0
      if tokens >= 1 then
        tokens = tokens - 1
        allowed = 1
      end
      redis.call('HSET', KEYS[1], 't', tostring(tokens), 'ts', tostring(now))
      redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000) + 1000)
      return allowed
      """;

  /** After Redis failed to answer, how long this instance's own buckets decide before Redis is asked again. */
  static final Duration COOLDOWN = Duration.ofSeconds(5);

  private final Redis redis;
  private final int capacity;
  private final double perSecond;
  private final RateLimiter local;
  private final CircuitBreaker<Boolean> breaker;

  /** @param local this instance's own buckets, with the same capacity and rate, for while Redis does not answer */
  public RedisRateLimiter(Redis redis, int capacity, double perSecond, RateLimiter local) {
    if (capacity < 1 || !(perSecond > 0)) {
      throw new IllegalArgumentException("need capacity >= 1 and perSecond > 0, were " + capacity + " and " + perSecond);
    }
    this.redis = redis;
    this.capacity = capacity;
    this.perSecond = perSecond;
    this.local = local;
    this.breaker = CircuitBreaker.<Boolean>builder()
        .handle(JedisException.class)
        .withFailureThreshold(1)
        .withDelay(COOLDOWN)
        .onOpen(e -> log.warn("Redis did not answer the rate limiter; this instance's own limits apply for {} s",
            COOLDOWN.toSeconds()))
        .onClose(e -> log.info("Redis answers the rate limiter again"))
        .build();
  }

  @Override
  public boolean tryAcquire(String key) {
    return Failsafe.with(Fallback.<Boolean>of(() -> local.tryAcquire(key)), breaker).get(() -> {
      try {
        Object allowed = redis.client().eval(SCRIPT, List.of(redis.key("rate:" + key)),
            List.of(String.valueOf(capacity), String.valueOf(perSecond)));
        return Long.valueOf(1).equals(allowed);
      } catch (JedisException e) {
        redis.failed();
        throw e;
      }
    });
  }

  @Override
  public String kind() {
    return "redis";
  }
}

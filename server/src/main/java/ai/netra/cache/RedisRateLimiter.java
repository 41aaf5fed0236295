package ai.netra.cache;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Token buckets in Redis, shared by every instance, updated atomically by one script. When Redis
 * does not answer, the limiter lets the call through (and says so): a chat that works without
 * flood protection for a moment beats one that refuses everyone.
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

  private final Redis redis;
  private final int capacity;
  private final double perSecond;

  public RedisRateLimiter(Redis redis, int capacity, double perSecond) {
    if (capacity < 1 || !(perSecond > 0)) {
      throw new IllegalArgumentException("need capacity >= 1 and perSecond > 0, were " + capacity + " and " + perSecond);
    }
    this.redis = redis;
    this.capacity = capacity;
    this.perSecond = perSecond;
  }

  @Override
  public boolean tryAcquire(String key) {
    try {
      Object allowed = redis.client().eval(SCRIPT, List.of(redis.key("rate:" + key)),
          List.of(String.valueOf(capacity), String.valueOf(perSecond)));
      return Long.valueOf(1).equals(allowed);
    } catch (JedisException e) {
      redis.failed();
      log.warn("rate limit for {} not checked, Redis did not answer: {}", key, e.getMessage());
      return true;
    }
  }

  @Override
  public String kind() {
    return "redis";
  }
}

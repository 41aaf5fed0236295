package ai.netra.boot;

import ai.netra.cache.Redis;
import ai.netra.db.Database;
import ai.netra.health.Readiness;
import ai.netra.metrics.Metrics;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;

/**
 * Creates the registry once the service serves, and binds the components to it. Not a startup
 * step: the registry and its JVM binders load ~1,000 classes, a third of a second on one CPU, which
 * the start should not wait for. Components count in plain fields until then.
 */
final class MetricsBinding {

  private MetricsBinding() { }

  /** The registry with the service's series, bound to {@code app}'s components; the chat records from now on. */
  static Metrics install(Application app, Readiness readiness) {
    Metrics metrics = new Metrics(readiness::startup, readiness::ready);
    for (String state : new String[] {"active", "idle", "pending", "max"}) {
      metrics.gauge("netra.db.pool.connections", "Database pool connections (pending: borrowers waiting)",
          Tags.of("state", state), () -> app.database().map(Database::poolStats).orElse(null),
          stats -> switch (state) {
            case "active" -> stats.active();
            case "idle" -> stats.idle();
            case "pending" -> stats.pending();
            default -> stats.max();
          });
    }
    metrics.counter("netra.redis.errors", "Redis commands that failed (no answer or refused)", Tags.empty(),
        () -> app.redis().orElse(null), Redis::errors);
    new JvmMemoryMetrics().bindTo(metrics.registry());
    new JvmGcMetrics().bindTo(metrics.registry());
    new JvmThreadMetrics().bindTo(metrics.registry());
    new ProcessorMetrics().bindTo(metrics.registry());
    new UptimeMetrics().bindTo(metrics.registry());
    app.chat().ifPresent(chat -> chat.bindMetrics(metrics.registry()));
    return metrics;
  }
}

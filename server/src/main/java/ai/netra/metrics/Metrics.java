package ai.netra.metrics;

import ai.netra.startup.Outcome;
import ai.netra.startup.PhaseReport;
import ai.netra.startup.StartupReport;
import ai.netra.startup.StepReport;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The service's Prometheus registry ({@code /metrics}). Components built before it (the database
 * pool, Redis) keep plain counters that it reads at scrape time; components built after it record
 * into {@link #registry()} directly. The startup report is read at every scrape, so its series
 * always match {@code /health/startup}.
 */
public final class Metrics {

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Supplier<StartupReport> startup;
  private final MultiGauge stepSeconds;
  private final MultiGauge stepAttempts;
  private final MultiGauge stepStatus;
  private final MultiGauge phaseSeconds;

  public Metrics(Supplier<StartupReport> startup, BooleanSupplier ready) {
    this.startup = startup;
    stepSeconds = MultiGauge.builder("netra.startup.step.duration").baseUnit("seconds")
        .description("How long each startup step ran (absent until it ends)").register(registry);
    stepAttempts = MultiGauge.builder("netra.startup.step.attempts")
        .description("Attempts each startup step made").register(registry);
    stepStatus = MultiGauge.builder("netra.startup.step.status")
        .description("1 for each step's current status (OK, FAILED, DEGRADED, SKIPPED, PLACEHOLDER, RUNNING, PENDING)")
        .register(registry);
    phaseSeconds = MultiGauge.builder("netra.startup.phase.duration").baseUnit("seconds")
        .description("From a phase's first step start to its last step end").register(registry);
    Gauge.builder("netra.startup.elapsed", () -> startup.get().elapsedMs() / 1000.0).baseUnit("seconds")
        .description("Time from process start to the startup's outcome (still growing while starting)").register(registry);
    Gauge.builder("netra.startup.budget", () -> startup.get().budgetMs() / 1000.0).baseUnit("seconds")
        .description("The startup's total time budget").register(registry);
    for (Outcome outcome : Outcome.values()) {
      Gauge.builder("netra.startup.outcome", () -> startup.get().outcome() == outcome ? 1 : 0)
          .tag("outcome", outcome.name()).description("1 for the startup's current outcome").register(registry);
    }
    Gauge.builder("netra.ready", () -> ready.getAsBoolean() ? 1 : 0)
        .description("1 while /health/ready answers 200").register(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** Reads {@code value} of {@code source} at every scrape, as a gauge; the source may be replaced later. */
  public <T> void gauge(String name, String description, Tags tags, Supplier<T> source, ToDoubleFunction<T> value) {
    Gauge.builder(name, () -> {
      T current = source.get();
      return current == null ? Double.NaN : value.applyAsDouble(current);
    }).tags(tags).description(description).register(registry);
  }

  /** Reads a component's own running count at every scrape, as a counter. */
  public <T> void counter(String name, String description, Tags tags, Supplier<T> source, ToDoubleFunction<T> value) {
    FunctionCounter.builder(name, source, s -> {
      T current = s.get();
      return current == null ? 0 : value.applyAsDouble(current);
    }).tags(tags).description(description).register(registry);
  }

  /** The Prometheus text exposition of every series, the startup's refreshed first. */
  public String scrape() {
    refreshStartup(startup.get());
    return registry.scrape();
  }

  /** The content type of {@link #scrape()}. */
  public static String contentType() {
    return "text/plain; version=0.0.4; charset=utf-8";
  }

  private void refreshStartup(StartupReport report) {
    List<MultiGauge.Row<?>> seconds = new ArrayList<>();
    List<MultiGauge.Row<?>> attempts = new ArrayList<>();
    List<MultiGauge.Row<?>> status = new ArrayList<>();
    List<MultiGauge.Row<?>> phases = new ArrayList<>();
    for (PhaseReport phase : report.phases()) {
      Long first = null;
      Long last = null;
      for (StepReport step : phase.steps()) {
        Tags tags = Tags.of("phase", phase.name(), "step", step.name(), "component", step.component(),
            "criticality", step.criticality().name());
        if (step.startMs() != null && step.endMs() != null) {
          seconds.add(MultiGauge.Row.of(tags, (step.endMs() - step.startMs()) / 1000.0));
        }
        attempts.add(MultiGauge.Row.of(tags, step.attempts()));
        status.add(MultiGauge.Row.of(tags.and("status", step.status().name()), 1));
        if (step.startMs() != null) {
          first = first == null ? step.startMs() : Math.min(first, step.startMs());
        }
        if (step.endMs() != null) {
          last = last == null ? step.endMs() : Math.max(last, step.endMs());
        }
      }
      if (first != null && last != null) {
        phases.add(MultiGauge.Row.of(Tags.of("phase", phase.name()), (last - first) / 1000.0));
      }
    }
    stepSeconds.register(seconds, true);
    stepAttempts.register(attempts, true);
    stepStatus.register(status, true);
    phaseSeconds.register(phases, true);
  }
}

package ai.netra.deploy.simulate;

import ai.netra.deploy.DurationText;
import ai.netra.deploy.MemorySize;
import ai.netra.deploy.StartupProbe;
import ai.netra.startup.StartupReport;
import ai.netra.startup.StepReport;
import ai.netra.startup.TimeoutPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What to deploy with, drawn from one simulated start: memory from the peak RSS plus headroom (as
 * {@code netra plan} sizes it), the startup probe as {@code netra plan} sizes it for the observed
 * time to ready, the step timeouts from the observed times with a margin (a local machine starts
 * faster than a cold Cloud Run instance, so observed times are doubled), and the probe kind.
 */
public final class Recommendations {

  /** Time over what was observed here: a cold instance on shared hardware is slower than this machine. */
  public static final double TIME_MARGIN = 2.0;

  /** One recommendation: what to set, to what, and why. */
  public record Item(String subject, String value, String why) { }

  private Recommendations() { }

  /**
   * @param policy the timeout policy the service ran with (from its settings)
   * @param latencies the latency added per component ({@code database}, {@code redis}); a step of a
   *     component needs at least that much, whatever it took here
   */
  public static List<Item> of(SimulationResult r, TimeoutPolicy policy, Map<String, Duration> latencies) {
    List<Item> items = new ArrayList<>();
    items.add(memory(r));
    probe(r, policy.totalBudget()).ifPresent(items::add);
    if (r.probe().kind() == ProbeSpec.Kind.TCP && r.listenMs() != null) {
      items.add(new Item("probe kind", "HTTP startup probe on /health/startup (not the TCP default)",
          r.readyMs() == null
              ? "with the TCP probe Cloud Run sends traffic once the port listens, at " + DurationText.millis(r.listenMs())
                  + ", and this start never became ready: every request would get 503"
              : "with the TCP probe Cloud Run sends traffic once the port listens, at " + DurationText.millis(r.listenMs())
                  + ", " + DurationText.millis(r.readyMs() - r.listenMs()) + " before the service was ready (those"
                  + " requests get 503); netra plan writes the HTTP probe"));
    }
    if (r.report() != null) {
      items.addAll(timeouts(r.report(), policy, latencies));
      long need = (long) Math.ceil(r.report().elapsedMs() * TIME_MARGIN);
      if (need > policy.totalBudget().toMillis()) {
        items.add(new Item("STARTUP_TOTAL_BUDGET_S", String.valueOf(seconds(need)), "the start took "
            + DurationText.millis(r.report().elapsedMs()) + " here; " + TIME_MARGIN + " x that is over the "
            + DurationText.format(policy.totalBudget()) + " budget"));
      }
    }
    if (r.readyMs() != null && r.readyMs() * TIME_MARGIN > r.probe().window().toMillis()) {
      items.add(new Item("cpu", "startup CPU boost (run.googleapis.com/startup-cpu-boost: \"true\") or more than "
          + r.cpus() + " CPU", "ready at " + DurationText.millis(r.readyMs()) + ": the start does not fit its "
          + DurationText.format(r.probe().window()) + " probe window " + TIME_MARGIN + " times on " + r.cpus() + " CPU"));
    }
    return items;
  }

  static Item memory(SimulationResult r) {
    if (r.killedMs() != null) {
      MemorySize next = MemorySize.CLOUD_RUN_SIZES.stream().filter(s -> s.compareTo(r.memory()) > 0).findFirst()
          .orElse(r.memory().times(2));
      return new Item("memory", "more than " + r.memory() + " (try " + next + ")", "the service was killed at the "
          + r.memory() + " limit before it was ready, so its real peak is unknown: simulate again with --memory " + next);
    }
    if (r.memoryUnwatched() != null) {
      return new Item("memory", "unknown", r.memoryUnwatched());
    }
    MemorySize size = r.peakRss().instanceForPeak();
    String why = String.format(Locale.ROOT, "peak RSS %s + %d%% = %s, rounded up to a Cloud Run size of at least %s, as"
        + " netra plan sizes it (measured during the start, without traffic)", r.peakRss(),
        Math.round(MemorySize.HEADROOM * 100), r.peakRss().times(1 + MemorySize.HEADROOM), MemorySize.CLOUD_RUN_MINIMUM);
    if (size.cloudRunMinimumCpus() > r.cpus()) {
      why += "; Cloud Run needs at least " + size.cloudRunMinimumCpus() + " CPUs with " + size;
    }
    if (r.readyMs() == null) {
      why += "; seen before the start ended, so the finished service may need more";
    }
    return new Item("memory", size.toString(), why);
  }

  /** The startup probe {@code netra plan} writes for a start that took this long to get ready, with {@code budget}. */
  static Optional<Item> probe(SimulationResult r, Duration budget) {
    if (r.readyMs() == null) {
      if (r.killedMs() != null || r.exitCode() != null || r.report() == null) {
        return Optional.empty(); // the start did not run out of time: fix what ended it first
      }
      return Optional.of(new Item("startup probe", "a window longer than " + DurationText.format(r.probe().window()),
          "the start was still in phase " + r.report().phase() + " when the window ended; simulate again with a longer"
              + " --timeout to measure the whole start"));
    }
    StartupProbe planned = StartupProbe.of(budget, Duration.ofMillis(r.readyMs()), "this simulation");
    if (!planned.fits()) {
      return Optional.of(new Item("startup probe", "none fits", "the " + DurationText.millis(r.readyMs())
          + " to ready needs a " + planned.measuredTarget() + " s window, over Cloud Run's " + StartupProbe.MAX_WINDOW_S
          + " s: shorten the start (timeouts, CPU boost) or add initialDelaySeconds"));
    }
    return Optional.of(new Item("startup probe", String.format(Locale.ROOT,
        "httpGet /health/startup, periodSeconds %d, failureThreshold %d, timeoutSeconds %d", planned.periodSeconds(),
        planned.failureThreshold(), planned.timeoutSeconds()),
        "a " + planned.window() + " s window, as netra plan sizes it (" + planned.basis() + ")"));
  }

  static List<Item> timeouts(StartupReport report, TimeoutPolicy policy, Map<String, Duration> latencies) {
    Map<String, Long> observed = new TreeMap<>();
    for (StepReport s : report.steps()) {
      if (s.startMs() != null) { // a step still running when the start ended needs at least what it had so far
        long end = s.endMs() != null ? s.endMs() : Math.max(s.startMs(), report.elapsedMs());
        observed.merge(s.component(), end - s.startMs(), Math::max);
      }
    }
    List<Item> items = new ArrayList<>();
    observed.forEach((component, tookMs) -> {
      long latencyMs = latencies.getOrDefault(component, Duration.ZERO).toMillis();
      long needMs = (long) Math.ceil(Math.max(tookMs, latencyMs) * TIME_MARGIN);
      Duration current = policy.timeoutFor(component);
      if (needMs <= current.toMillis()) {
        return;
      }
      double scale = policy.multiplier() * policy.safetyMargin();
      long base = seconds((long) Math.ceil(needMs / scale));
      items.add(new Item("STARTUP_TIMEOUT_" + component.toUpperCase(Locale.ROOT) + "_S", String.valueOf(base),
          String.format(Locale.ROOT, "%s steps took up to %s here%s; %s x that is %s, over the current %s timeout"
                  + " (%s base x %s multiplier x %s safety margin)", component, DurationText.millis(tookMs),
              latencyMs > 0 ? " with " + DurationText.millis(latencyMs) + " added per connection" : "", TIME_MARGIN,
              DurationText.millis(needMs), DurationText.format(current), DurationText.format(policy.baseFor(component)),
              policy.multiplier(), policy.safetyMargin())));
    });
    return items;
  }

  private static long seconds(long ms) {
    return (ms + 999) / 1000;
  }
}

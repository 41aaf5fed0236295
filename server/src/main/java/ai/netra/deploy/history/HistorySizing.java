package ai.netra.deploy.history;

import ai.netra.deploy.MemorySize;
import ai.netra.deploy.StartupProbe;
import ai.netra.history.StartStats;
import ai.netra.startup.Phase;
import ai.netra.startup.StartupPlan;
import ai.netra.startup.Step;
import ai.netra.startup.TimeoutModel;
import ai.netra.startup.TimeoutPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The deployment sized from kept starts, through the one {@link TimeoutModel} every command uses: each step's need
 * is its p99 (never below what the step declares), the start's is the p99 of time to READY, and from those come
 * each step's timeout (the need plus the margin), the total budget, the startup probe's window (covering the p99
 * within Cloud Run's caps, or saying it cannot), and memory from the peak RSS. It also says what drifted between
 * the last two revisions: a step whose p95 at least doubled (by 100 ms or more, over at least 5 starts of each), or
 * that fails in a larger share of starts.
 *
 * @param steps every step of the plan, with what the history says of it
 * @param budgetSeconds the STARTUP_TOTAL_BUDGET_S that covers the p99 start with the margin
 * @param memory the memory to request for the largest peak RSS kept, or null when no start reported one
 */
public record HistorySizing(StartStats stats, TimeoutModel.Assessment model, List<StepSize> steps, long budgetSeconds,
    StartupProbe probe, MemorySize memory, List<String> drift) {

  /** Cloud Run's caps together: 240 s of initial delay and 240 s of probing. */
  public static final Duration CLOUD_RUN_CAPS = Duration.ofSeconds(StartupProbe.MAX_INITIAL_DELAY_S + StartupProbe.MAX_WINDOW_S);
  /** A p95 that at least doubled is drift... */
  static final double DRIFT_FACTOR = 2.0;
  /** ... unless it grew by less than this: a step of a few milliseconds doubles by noise. */
  static final long DRIFT_FLOOR_MS = 100;
  /** A p95 of fewer starts is their slowest one: one slow start on a busy host is not drift. */
  static final int DRIFT_MIN_STARTS = 5;

  public HistorySizing {
    steps = List.copyOf(steps);
    drift = List.copyOf(drift);
  }

  /**
   * One step: its p99 over the starts where it succeeded (null when none), what it declares (null when nothing),
   * the need the model used, its timeout now, and the base timeout setting that covers the need with the margin.
   */
  public record StepSize(String step, String component, int count, Duration p99, Duration declared, Duration need,
      Duration timeout, String setting, String sizedBase) {

    /** True when the timeout now is below the need with its margin: the setting should change. */
    public boolean tooShort(double margin) {
      return need.isPositive() && need.toNanos() * (1 + margin) > timeout.toNanos();
    }
  }

  /**
   * Sizes {@code plan}, whose policy is the deployment's, from {@code stats}.
   *
   * @throws IllegalArgumentException when no kept start reached READY: there is nothing to size from
   */
  public static HistorySizing of(StartupPlan plan, StartStats stats, double margin) {
    if (stats.ready().count() == 0) {
      throw new IllegalArgumentException("the history holds " + stats.starts() + " starts and none reached READY:"
          + " nothing to size from (netra history shows what failed)");
    }
    TimeoutPolicy policy = plan.policy();
    Map<String, Duration> observed = new LinkedHashMap<>();
    List<StepSize> sizes = new ArrayList<>();
    for (Phase phase : plan.phases()) {
      for (Step step : phase.steps()) {
        StartStats.StepStats seen = stats.step(step.name());
        Duration p99 = seen == null || seen.took().count() == 0 ? null : Duration.ofMillis(seen.took().p99());
        Duration declared = step.expected().orElse(null);
        Duration need = max(p99, declared);
        if (p99 != null) {
          observed.put(step.name(), need);
        }
        Duration timeout = policy.timeoutFor(step.component());
        sizes.add(new StepSize(step.name(), step.component(), seen == null ? 0 : seen.took().count(), p99, declared,
            need == null ? Duration.ZERO : need, timeout, TimeoutModel.timeoutSetting(step.component()),
            need == null ? null : TimeoutModel.value(TimeoutModel.sizedBase(need, policy, margin))));
      }
    }
    Duration ready = Duration.ofMillis(stats.ready().p99());
    TimeoutModel.Inputs inputs = TimeoutModel.Inputs.recorded(observed, Duration.ofMillis(stats.boot().p99()), ready,
        CLOUD_RUN_CAPS).withMargin(margin);
    TimeoutModel.Assessment model = TimeoutModel.assess(plan, inputs);
    long budget = TimeoutModel.budgetSeconds(Duration.ofNanos(Math.round(model.neededPath().toNanos() * (1 + margin))));
    StartupProbe probe = StartupProbe.fromHistory(policy.totalBudget(), ready, stats.ready().count(), margin);
    MemorySize memory = stats.peakRssBytes() == null ? null : new MemorySize(stats.peakRssBytes()).instanceForPeak();
    return new HistorySizing(stats, model, sizes, budget, probe, memory, drift(stats));
  }

  /** What changed from the revision before the latest to the latest, in words; empty with fewer than two. */
  static List<String> drift(StartStats stats) {
    List<String> drift = new ArrayList<>();
    if (stats.revisions().size() < 2) {
      return drift;
    }
    StartStats.RevisionStats before = stats.revisions().get(stats.revisions().size() - 2);
    StartStats.RevisionStats latest = stats.revisions().getLast();
    for (StartStats.StepStats now : latest.steps()) {
      StartStats.StepStats then = before.step(now.step());
      if (then == null) {
        continue;
      }
      long p95Then = then.took().p95();
      long p95Now = now.took().p95();
      if (then.took().count() >= DRIFT_MIN_STARTS && now.took().count() >= DRIFT_MIN_STARTS && p95Now >= DRIFT_FACTOR * p95Then
          && p95Now - p95Then >= DRIFT_FLOOR_MS) {
        drift.add(String.format(Locale.ROOT, "step %s: p95 %s in %s, %.1fx the %s of %s", now.step(), seconds(p95Now),
            latest.revision(), p95Then == 0 ? Double.POSITIVE_INFINITY : (double) p95Now / p95Then, seconds(p95Then),
            before.revision()));
      }
      double rateThen = (double) then.failures() / before.starts();
      double rateNow = (double) now.failures() / latest.starts();
      if (now.failures() > 0 && rateNow > rateThen) {
        drift.add(String.format(Locale.ROOT, "step %s: failed in %d of %d starts of %s, against %d of %d of %s",
            now.step(), now.failures(), latest.starts(), latest.revision(), then.failures(), before.starts(),
            before.revision()));
      }
    }
    return drift;
  }

  private static String seconds(long ms) {
    return TimeoutPolicy.seconds(Duration.ofMillis(ms));
  }

  private static Duration max(Duration a, Duration b) {
    if (a == null) {
      return b;
    }
    return b == null || a.compareTo(b) >= 0 ? a : b;
  }
}

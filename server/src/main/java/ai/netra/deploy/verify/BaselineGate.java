package ai.netra.deploy.verify;

import ai.netra.deploy.DurationText;
import ai.netra.startup.StartupReport;
import ai.netra.startup.StepReport;
import ai.netra.startup.StepStatus;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The deployed start against a recorded one: the time to ready ({@code elapsed_ms} of the live
 * {@code /health/startup}) must stay within {@code maxSlowdown} x the baseline's. A failure names
 * the steps that grew the most; steps that were OK in the baseline and are not now are warnings.
 */
final class BaselineGate {

  static final String NAME = "baseline";
  private static final int STEPS_NAMED = 3;

  private BaselineGate() { }

  static GateResult judge(StartupReport live, StartupReport baseline, double maxSlowdown) {
    long now = live.elapsedMs();
    long before = Math.max(1, baseline.elapsedMs());
    double ratio = now / (double) before;
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("elapsed_ms", now);
    details.put("baseline_elapsed_ms", baseline.elapsedMs());
    details.put("ratio", Math.round(ratio * 100) / 100.0);
    details.put("max_ratio", maxSlowdown);
    List<String> warnings = new ArrayList<>();
    Map<String, StepReport> old = new HashMap<>();
    baseline.steps().forEach(s -> old.put(s.name(), s));
    List<Growth> growth = new ArrayList<>();
    for (StepReport s : live.steps()) {
      StepReport b = old.get(s.name());
      if (b == null) {
        continue;
      }
      if (b.status() == StepStatus.OK && s.status() != StepStatus.OK) {
        warnings.add("step " + s.name() + " was OK in the baseline and is " + s.status() + " now");
      }
      if (duration(s) >= 0 && duration(b) >= 0) {
        growth.add(new Growth(s.name(), duration(s) - duration(b)));
      }
    }
    growth.sort(Comparator.comparingLong(Growth::ms).reversed());
    String grew = growth.stream().limit(STEPS_NAMED).filter(g -> g.ms() > 0)
        .map(g -> g.step() + " +" + DurationText.millis(g.ms())).collect(Collectors.joining(", "));
    String summary = String.format(Locale.ROOT, "time to ready %s is %.2fx the baseline's %s (limit %.2fx)",
        DurationText.millis(now), ratio, DurationText.millis(baseline.elapsedMs()), maxSlowdown);
    if (ratio > maxSlowdown) {
      return new GateResult(NAME, GateResult.Status.FAIL, 0, summary,
          List.of(NAME + ": " + summary + (grew.isEmpty() ? "" : "; grew most: " + grew)), warnings, details);
    }
    return GateResult.pass(NAME, 0, summary, warnings, details);
  }

  /** How much longer a step took than in the baseline. */
  private record Growth(String step, long ms) { }

  private static long duration(StepReport s) {
    return s.startMs() == null || s.endMs() == null ? -1 : s.endMs() - s.startMs();
  }
}

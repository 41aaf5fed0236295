package ai.netra.startup;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The ordered phases and steps of one service start, and the timeout policy they run under; immutable. */
public final class StartupPlan {

  private final List<Phase> phases;
  private final TimeoutPolicy policy;

  private StartupPlan(List<Phase> phases, TimeoutPolicy policy) {
    this.phases = phases;
    this.policy = policy;
  }

  /**
   * Builds a plan.
   *
   * @throws IllegalArgumentException naming the phase or step that breaks the plan: no phases, two
   *     phases or two steps with the same name
   */
  public static StartupPlan of(List<Phase> phases, TimeoutPolicy policy) {
    if (phases.isEmpty()) {
      throw new IllegalArgumentException("a startup plan needs at least one phase");
    }
    Set<String> phaseNames = new HashSet<>();
    Set<String> stepNames = new HashSet<>();
    for (Phase phase : phases) {
      if (!phaseNames.add(phase.name())) {
        throw new IllegalArgumentException("phase " + phase.name() + " appears twice in the plan");
      }
      for (Step step : phase.steps()) {
        if (!stepNames.add(step.name())) {
          throw new IllegalArgumentException("step " + step.name() + " appears twice in the plan (phase " + phase.name() + ")");
        }
      }
    }
    return new StartupPlan(List.copyOf(phases), policy);
  }

  public List<Phase> phases() {
    return phases;
  }

  public TimeoutPolicy policy() {
    return policy;
  }

  /** Every step in plan order. */
  public List<Step> steps() {
    return phases.stream().flatMap(p -> p.steps().stream()).toList();
  }
}

package ai.netra.startup;

import java.util.List;

/**
 * One phase of a start: steps run in list order, or all at once when {@code concurrent}. The report
 * always lists the steps in plan order.
 */
public record Phase(String name, boolean concurrent, List<Step> steps) {

  public Phase {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("a phase needs a name");
    }
    steps = List.copyOf(steps);
    if (steps.isEmpty()) {
      throw new IllegalArgumentException("phase " + name + " has no steps");
    }
  }

  /** A phase whose steps run one after another. */
  public static Phase sequential(String name, Step... steps) {
    return new Phase(name, false, List.of(steps));
  }

  /** A phase whose steps are independent and run concurrently. */
  public static Phase concurrent(String name, Step... steps) {
    return new Phase(name, true, List.of(steps));
  }
}

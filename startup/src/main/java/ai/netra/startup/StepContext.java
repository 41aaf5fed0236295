package ai.netra.startup;

import java.time.Duration;

/** What a running step attempt knows: its deadline, its attempt number, and a place to say what it did. */
public interface StepContext {

  /** Time left until the step's deadline; never negative. Bound every blocking call by it. */
  Duration remaining();

  /** The step's whole timeout (all attempts together). */
  Duration timeout();

  /** 1 for the first attempt. */
  int attempt();

  /** Records a short human-readable result shown in the report (for example, which cache is in use). */
  void detail(String detail);
}

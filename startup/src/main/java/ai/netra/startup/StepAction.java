package ai.netra.startup;

/** The work of one step; it may throw anything, and every blocking call in it must respect the deadline. */
@FunctionalInterface
public interface StepAction {

  void run(StepContext context) throws Exception;
}

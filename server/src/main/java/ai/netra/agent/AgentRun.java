package ai.netra.agent;

/** What an agent may do while it runs: report a step, and learn that the user asked it to stop. */
public interface AgentRun {

  /** The user the run answers; tools read only this user's data. */
  String userId();

  /** Persists and delivers one event of this run. */
  void emit(RunEvent event);

  /** True once the user sent {@code stop_agent} for this run or the service is shutting down. */
  boolean stopped();
}

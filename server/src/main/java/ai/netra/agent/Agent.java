package ai.netra.agent;

import ai.netra.json.JsonText;
import java.util.Map;

/** Answers one user message in a run, reporting every step through the run's events. */
public interface Agent {

  /**
   * Runs to the answer, emitting {@code agent_thinking}, {@code tool_executing} and
   * {@code tool_completed} as it goes, and returns the answer text for {@code agent_completed}.
   * Stops early (returning null) once {@link AgentRun#stopped()} is true.
   */
  Answer answer(String message, AgentRun run) throws Exception;

  /** The final answer and the figures it was written from, by the name of the tool that found them. */
  record Answer(String text, Map<String, JsonText> figures) { }
}

package ai.netra.agent;

import ai.netra.json.JsonText;
import java.util.Map;

/**
 * One thing the supervisor can do for a user: real SQL or computation over that user's data. The
 * same tool serves the offline model and an LLM's tool calls, so its arguments are plain JSON.
 */
public interface Tool {

  /** The name a model calls it by, snake_case, for example {@code cost_breakdown}. */
  String name();

  /** One or two sentences a model reads to decide when to call it. */
  String description();

  /** The JSON Schema (an object schema) of {@link #run}'s arguments, as sent to an LLM. */
  Map<String, Object> parameters();

  /**
   * Runs for one user. Arguments are what a model sent, so they are checked here: a missing or
   * malformed argument raises {@link IllegalArgumentException} with a message a model or a user
   * can act on.
   */
  Result run(String userId, Map<String, Object> arguments) throws Exception;

  /**
   * What a tool found: {@code summary} is one line for the {@code tool_completed} event, {@code data}
   * the figures the answer is written from, a record the service's JSON mapper writes as it is, and
   * {@code dataJson} those figures written once, for the events and the model.
   */
  record Result(String summary, Record data, JsonText dataJson) {
    public Result(String summary, Record data) {
      this(summary, data, JsonText.of(data));
    }
  }
}

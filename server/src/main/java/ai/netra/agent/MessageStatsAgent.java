package ai.netra.agent;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A stand-in agent until the usage-optimization agents arrive: it runs one real tool (counting the
 * message's words, characters and lines) and answers with those figures, through the same events.
 */
public final class MessageStatsAgent implements Agent {

  @Override
  public Answer answer(String message, AgentRun run) {
    run.emit("agent_thinking", Map.of("text", "Reading your message to measure it."));
    if (run.stopped()) {
      return null;
    }
    Map<String, Object> arguments = Map.of("text_length", message.length());
    run.emit("tool_executing", Map.of("tool", "text_statistics", "arguments", arguments));
    String trimmed = message.strip();
    int words = trimmed.isEmpty() ? 0 : trimmed.split("\\s+").length;
    long lines = message.lines().count();
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("words", words);
    figures.put("characters", message.codePointCount(0, message.length()));
    figures.put("lines", lines);
    run.emit("tool_completed", Map.of("tool", "text_statistics", "result", figures,
        "summary", words + " words, " + figures.get("characters") + " characters"));
    if (run.stopped()) {
      return null;
    }
    String text = "Your message has " + words + (words == 1 ? " word" : " words") + ", " + figures.get("characters")
        + " characters and " + lines + (lines == 1 ? " line" : " lines")
        + ". (The usage-optimization agent is not installed yet; this answer comes from the stand-in agent.)";
    return new Answer(text, figures);
  }
}

package ai.netra.llm.offline;

import ai.netra.json.Json;
import ai.netra.llm.ChatModel;
import ai.netra.llm.Message;
import ai.netra.llm.Reply;
import ai.netra.llm.ToolCall;
import ai.netra.llm.ToolSpec;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The default model, with no network and no weights: it reads the question's intent and period,
 * plans the tool calls for it (a second round when the first one's figures decide what to ask
 * next), and writes the answer from the tools' results. Same question, same day and same data give
 * the same answer, word for word.
 */
public final class OfflineModel implements ChatModel {

  /** Share of a feature's traffic the savings plan proposes to move to a cheaper model. */
  static final double SWITCH_SHARE = 0.5;

  /** The smaller sibling of each model, same provider, that a savings plan proposes to move traffic to. */
  static final Map<String, String> CHEAPER = Map.ofEntries(
      Map.entry("gpt-4o", "gpt-4o-mini"),
      Map.entry("gpt-4.1", "gpt-4.1-mini"),
      Map.entry("gpt-4.1-mini", "gpt-4.1-nano"),
      Map.entry("o3-mini", "gpt-4.1-mini"),
      Map.entry("claude-opus-4", "claude-sonnet-4"),
      Map.entry("claude-sonnet-4", "claude-3-5-haiku"),
      Map.entry("gemini-2.5-pro", "gemini-2.0-flash"),
      Map.entry("gemini-1.5-pro", "gemini-2.0-flash"));

  private final Clock clock;

  public OfflineModel(Clock clock) {
    this.clock = clock;
  }

  @Override
  public Reply complete(List<Message> messages, List<ToolSpec> tools, Consumer<String> contentDeltas) {
    int asked = lastUserMessage(messages);
    if (asked < 0) {
      return new Reply("Ask me about your LLM usage: spend, costs by feature or model, caching, anomalies.", List.of(),
          "stop", null);
    }
    Question question = Question.read(messages.get(asked).content(), LocalDate.now(clock.withZone(ZoneOffset.UTC)));
    Findings findings = Findings.of(messages.subList(asked + 1, messages.size()));
    Set<String> offered = tools.stream().map(ToolSpec::name).collect(Collectors.toSet());
    List<Call> next = plan(question, findings).stream().filter(c -> offered.contains(c.tool())).toList();
    if (!next.isEmpty()) {
      String intention = intention(question, findings.rounds(), next);
      contentDeltas.accept(intention);
      List<ToolCall> calls = new ArrayList<>();
      for (Call call : next) {
        calls.add(new ToolCall("call_" + (findings.size() + calls.size() + 1), call.tool(), json(call.arguments())));
      }
      return new Reply(intention, calls, "tool_calls", null);
    }
    return new Reply(new AnswerWriter(question, findings).write(), List.of(), "stop", null);
  }

  private static int lastUserMessage(List<Message> messages) {
    for (int i = messages.size() - 1; i >= 0; i--) {
      if (messages.get(i).role() == Message.Role.USER) {
        return i;
      }
    }
    return -1;
  }

  /** One tool call the plan wants. */
  record Call(String tool, Map<String, Object> arguments) { }

  /** The calls of the next round: none once the plan has what it needs. */
  static List<Call> plan(Question q, Findings findings) {
    Map<String, Object> period = new LinkedHashMap<>();
    period.put("from", q.from().toString());
    period.put("to", q.to().toString());
    if (findings.rounds() == 0) {
      return switch (q.intent()) {
        case SAVINGS -> List.of(
            new Call("cost_breakdown", with(period, "group_by", "model_and_feature")),
            new Call("caching_opportunity", period));
        case BREAKDOWN -> List.of(new Call("cost_breakdown", with(period, "group_by", byModel(q) ? "model" : "feature")));
        case CACHING -> List.of(new Call("caching_opportunity", period), new Call("usage_summary", period));
        case ANOMALIES -> List.of(new Call("anomalies", period));
        case SUMMARY -> List.of(new Call("usage_summary", period), new Call("cost_breakdown", with(period, "group_by", "model")));
        case INTRODUCTION -> List.of(); // nothing to look up: the answer says what can be asked
      };
    }
    if (findings.rounds() == 1 && q.intent() == Question.Intent.SAVINGS) {
      JsonNode candidate = switchCandidate(findings.result("cost_breakdown"));
      if (candidate != null) {
        Map<String, Object> args = new LinkedHashMap<>(period);
        args.put("feature", candidate.path("feature").asText());
        args.put("from_model", candidate.path("model").asText());
        args.put("to_model", CHEAPER.get(candidate.path("model").asText()));
        args.put("share", SWITCH_SHARE);
        return List.of(new Call("what_if_switch", args));
      }
    }
    return List.of();
  }

  /** The costliest feature-and-model line whose model has a cheaper sibling, or null. */
  static JsonNode switchCandidate(JsonNode breakdown) {
    if (breakdown == null) {
      return null;
    }
    for (JsonNode row : breakdown.path("rows")) {
      if (CHEAPER.containsKey(row.path("model").asText()) && row.path("cost_usd").asDouble() > 0) {
        return row;
      }
    }
    return null;
  }

  private static boolean byModel(Question q) {
    String lower = q.text().toLowerCase(java.util.Locale.ROOT);
    return lower.contains("model") && !lower.contains("feature");
  }

  private static Map<String, Object> with(Map<String, Object> base, String key, Object value) {
    Map<String, Object> map = new LinkedHashMap<>(base);
    map.put(key, value);
    return map;
  }

  private static String intention(Question q, int round, List<Call> calls) {
    String tools = calls.stream().map(Call::tool).collect(Collectors.joining(" and "));
    if (round > 0) {
      return "Checking what a cheaper model would save for the biggest line, with " + tools + ".\n";
    }
    return "Looking at " + q.periodLabel() + " with " + tools + ".\n";
  }

  private static String json(Map<String, Object> arguments) {
    try {
      return Json.mapper().writeValueAsString(arguments);
    } catch (JsonProcessingException impossible) {
      throw new IllegalStateException(impossible);
    }
  }

  /** The tool results in the conversation since the question, by tool name (the latest call of each). */
  record Findings(Map<String, JsonNode> results, int rounds, int size) {

    static Findings of(List<Message> sinceQuestion) {
      Map<String, String> toolOfCall = new LinkedHashMap<>();
      Map<String, JsonNode> results = new LinkedHashMap<>();
      int rounds = 0;
      int size = 0;
      for (Message m : sinceQuestion) {
        if (m.role() == Message.Role.ASSISTANT && !m.toolCalls().isEmpty()) {
          rounds++;
          m.toolCalls().forEach(c -> toolOfCall.put(c.id(), c.name()));
        } else if (m.role() == Message.Role.TOOL) {
          size++;
          String tool = toolOfCall.get(m.toolCallId());
          if (tool != null) {
            results.put(tool, parse(m.content()));
          }
        }
      }
      return new Findings(results, rounds, size);
    }

    private static JsonNode parse(String content) {
      try {
        return Json.mapper().readTree(content);
      } catch (JsonProcessingException e) {
        ObjectNode error = Json.mapper().createObjectNode();
        error.put("error", content);
        return error;
      }
    }

    /** The result of {@code tool}, or null when it was not called or failed. */
    JsonNode result(String tool) {
      JsonNode node = results.get(tool);
      return node == null || node.has("error") ? null : node;
    }

    /** The error a call of {@code tool} returned, or null. */
    String error(String tool) {
      JsonNode node = results.get(tool);
      return node != null && node.has("error") ? node.path("error").asText() : null;
    }
  }
}

package ai.netra.agent;

import ai.netra.json.Json;
import ai.netra.json.JsonText;
import ai.netra.llm.ChatModel;
import ai.netra.llm.LlmException;
import ai.netra.llm.Message;
import ai.netra.llm.Reply;
import ai.netra.llm.ToolCall;
import ai.netra.llm.ToolSpec;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.Timeout;
import dev.failsafe.TimeoutExceededException;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one question to an answer: triage, then turns of the chat model (the offline model or an
 * LLM) that either call tools or answer, within a step limit and a time limit. Every step is an
 * event of the run; a stopped run ends at the next step; an LLM that gives up hands the question to
 * the fallback model when there is one.
 */
public final class Supervisor implements Agent {

  private static final Logger log = LoggerFactory.getLogger(Supervisor.class);
  /** Model turns that may call tools; the turn after the last one must answer with what it has. */
  public static final int MAX_STEPS = 6;
  /** A run that has not answered by then ends with an {@code agent_timeout} error. */
  public static final Duration RUN_TIMEOUT = Duration.ofSeconds(60);
  /** Tool calls of one model turn that are run; the rest are answered as refused ({@code AGENT_TOOL_CALLS_PER_TURN}). */
  public static final int TOOL_CALLS_PER_TURN = 8;

  private final ChatModel model;
  private final ChatModel fallback;
  private final ToolRegistry tools;
  private final List<ToolSpec> specs;
  private final Clock clock;
  private final int maxSteps;
  private final Duration runTimeout;
  private final int toolCallsPerTurn;
  private final ExecutorService toolThreads = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("agent-tool-", 0).factory());

  /**
   * @param fallback the model that answers when {@code model} fails (the offline model), or null to
   *     report the failure instead
   * @param toolCallsPerTurn how many of one turn's tool calls are run; the others are answered to the
   *     model as refused, so it still has a result for each and can answer with what it got
   * @throws IllegalArgumentException when {@code toolCallsPerTurn} is below 1
   */
  public Supervisor(ChatModel model, ChatModel fallback, ToolRegistry tools, Clock clock, int maxSteps, Duration runTimeout,
      int toolCallsPerTurn) {
    if (toolCallsPerTurn < 1) {
      throw new IllegalArgumentException("a turn must be allowed at least 1 tool call, not " + toolCallsPerTurn);
    }
    this.toolCallsPerTurn = toolCallsPerTurn;
    this.model = model;
    this.fallback = fallback;
    this.clock = clock;
    this.maxSteps = maxSteps;
    this.runTimeout = runTimeout;
    this.tools = tools;
    this.specs = tools.specs();
  }

  public Supervisor(ChatModel model, ChatModel fallback, ToolRegistry tools, Clock clock, int maxSteps, Duration runTimeout) {
    this(model, fallback, tools, clock, maxSteps, runTimeout, TOOL_CALLS_PER_TURN);
  }

  public Supervisor(ChatModel model, ChatModel fallback, ToolRegistry tools, Clock clock) {
    this(model, fallback, tools, clock, MAX_STEPS, RUN_TIMEOUT);
  }

  @Override
  public Answer answer(String message, AgentRun run) throws Exception {
    try {
      return Failsafe.with(Timeout.<Answer>builder(runTimeout).withInterrupt().build())
          .get(() -> answerWithFallback(message, run));
    } catch (TimeoutExceededException e) {
      throw new AgentException("agent_timeout", "the agent did not finish within " + runTimeout.toSeconds()
          + " s; ask a narrower question (a shorter period or one feature)");
    } catch (FailsafeException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  private Answer answerWithFallback(String message, AgentRun run) throws Exception {
    try {
      return converse(model, message, run);
    } catch (LlmException e) {
      if (e.kind() == LlmException.Kind.INTERRUPTED || run.stopped()) {
        return null;
      }
      // The endpoint and the provider's words go to the log only: the user gets the kind of failure in plain words.
      if (fallback == null || fallback == model) {
        log.warn("run of user {}: the model failed: {}", run.userId(), e.getMessage());
        throw new AgentException("llm_unavailable", "the language model could not answer: " + e.userMessage()
            + "; try again in a minute", e);
      }
      log.warn("run of user {}: the model failed ({}); answering with the fallback model", run.userId(), e.getMessage());
      run.emit(new RunEvent.Thought("fallback",
          "The language model could not answer (" + e.userMessage() + "); answering with the offline model instead."));
      try {
        return converse(fallback, message, run);
      } catch (LlmException again) {
        log.warn("run of user {}: the fallback model failed too: {}", run.userId(), again.getMessage());
        throw new AgentException("agent_failed", "the offline model could not answer: " + again.userMessage(), again);
      }
    }
  }

  private Answer converse(ChatModel chatModel, String message, AgentRun run) throws Exception {
    run.emit(new RunEvent.Thought("triage", "Reading the question and choosing what to look up."));
    List<Message> conversation = new ArrayList<>();
    conversation.add(Message.system(systemPrompt()));
    conversation.add(Message.user(message));
    Map<String, JsonText> figures = new LinkedHashMap<>();
    for (int step = 1; ; step++) {
      if (run.stopped()) {
        return null;
      }
      boolean last = step > maxSteps;
      ThinkingStream thinking = new ThinkingStream(run, System::nanoTime);
      Reply reply = chatModel.complete(conversation, last ? List.of() : specs, thinking::accept);
      thinking.flush();
      if (!reply.hasToolCalls() || last) {
        return new Answer(reply.content(), figures);
      }
      conversation.add(reply.message());
      List<ToolCall> calls = reply.toolCalls();
      int refused = Math.max(0, calls.size() - toolCallsPerTurn);
      if (refused > 0) {
        log.info("run of user {}: the model asked for {} tool calls in one turn; {} run, {} refused",
            run.userId(), calls.size(), toolCallsPerTurn, refused);
        run.emit(new RunEvent.Thought("tool_limit", "The model asked for " + calls.size() + " tool calls at once; the first "
            + toolCallsPerTurn + " are run and the other " + refused + " refused (at most " + toolCallsPerTurn
            + " per turn)."));
      }
      List<String> results = runTools(calls.subList(0, calls.size() - refused), step, run, figures);
      if (results == null) {
        return null;
      }
      for (int i = 0; i < calls.size(); i++) {
        // Every call gets a result, or an OpenAI-compatible endpoint rejects the next turn.
        conversation.add(Message.toolResult(calls.get(i).id(), i < results.size() ? results.get(i)
            : "{\"error\": " + quote("refused: at most " + toolCallsPerTurn + " tool calls are run per turn and this"
                + " turn asked for " + calls.size() + "; ask again for what is still needed, or answer with what you have")
                + "}"));
      }
    }
  }

  /**
   * Runs one turn's calls at the same time, each on a virtual thread of its own (they wait on the database), and
   * reports them in the order the model asked for them: every {@code tool_executing} first, then each call's
   * {@code tool_completed} or {@code tool_failed} once it and all before it are done. So the events, the figures
   * and what the model reads back are the same whichever call finishes first. Returns what the model reads back
   * for each call, or null when the run was stopped.
   */
  private List<String> runTools(List<ToolCall> calls, int step, AgentRun run, Map<String, JsonText> figures) {
    if (run.stopped()) {
      return null;
    }
    List<Future<Outcome>> running = new ArrayList<>(calls.size());
    for (ToolCall call : calls) {
      Map<String, Object> arguments;
      try {
        arguments = call.parsedArguments();
      } catch (IllegalArgumentException e) {
        run.emit(RunEvent.ToolExecuting.unparsed(call, step));
        running.add(CompletableFuture.completedFuture(new Outcome(null, e.getMessage(), 0)));
        continue;
      }
      run.emit(RunEvent.ToolExecuting.of(call, step, arguments));
      running.add(calls.size() == 1 // nothing to overlap with: it runs on the run's own thread
          ? CompletableFuture.completedFuture(runTool(call, run.userId(), arguments))
          : toolThreads.submit(() -> runTool(call, run.userId(), arguments)));
    }
    List<String> results = new ArrayList<>(calls.size());
    try {
      for (int i = 0; i < calls.size(); i++) {
        ToolCall call = calls.get(i);
        Outcome outcome = outcome(running.get(i));
        if (run.stopped()) {
          return null;
        }
        results.add(outcome.result() == null ? failed(call, run, outcome.error()) : completed(call, run, outcome, figures));
      }
      return results;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } finally {
      running.forEach(f -> f.cancel(true)); // the run was stopped or timed out: the rest are not waited for
    }
  }

  /** What one call came to: the tool's result, or the reason in words for the user and the model. */
  private record Outcome(Tool.Result result, String error, long millis) { }

  private Outcome runTool(ToolCall call, String userId, Map<String, Object> arguments) {
    long started = System.nanoTime();
    try {
      return new Outcome(tools.run(call.name(), userId, arguments), null, (System.nanoTime() - started) / 1_000_000);
    } catch (IllegalArgumentException e) {
      return new Outcome(null, e.getMessage(), 0);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Outcome(null, "the run was stopped", 0);
    } catch (Exception e) {
      log.warn("tool {} failed for user {}: {}", call.name(), userId, e.toString());
      return new Outcome(null, "the " + call.name() + " tool failed on our side; it can be tried again later", 0);
    }
  }

  private static Outcome outcome(Future<Outcome> running) throws InterruptedException {
    try {
      return running.get();
    } catch (ExecutionException e) { // runTool catches everything a tool throws; this is a bug of ours
      log.error("a tool call failed unexpectedly", e.getCause());
      return new Outcome(null, "the tool failed on our side; it can be tried again later", 0);
    }
  }

  /** Reports a call that succeeded; returns what the model reads back: the figures. */
  private static String completed(ToolCall call, AgentRun run, Outcome outcome, Map<String, JsonText> figures) {
    Tool.Result result = outcome.result();
    run.emit(new RunEvent.ToolCompleted(call.name(), call.id(), result.summary(), result.dataJson(), outcome.millis()));
    figures.put(call.name(), result.dataJson());
    return result.dataJson().json();
  }

  private static String failed(ToolCall call, AgentRun run, String error) {
    run.emit(new RunEvent.ToolFailed(call.name(), call.id(), error));
    return "{\"error\": " + quote(error) + "}";
  }

  private static String quote(String text) {
    try {
      return Json.mapper().writeValueAsString(text);
    } catch (JsonProcessingException impossible) {
      return "\"\"";
    }
  }

  private String systemPrompt() {
    LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
    return "You are Netra, an assistant that helps a team understand and cut its LLM usage and spend. "
        + "Today is " + today + " (UTC). Answer only from the results of the tools, which read this user's "
        + "own usage data; quote the figures (dollars, tokens, requests, dates) they return and say which "
        + "period they cover. Dates are yyyy-MM-dd; `to` is exclusive. If the data cannot answer the "
        + "question, say so and suggest a question it can answer. Whenever you state spend, also state its price "
        + "coverage from the result's price_coverage: how many requests were priced exactly, by a fallback, or not at "
        + "all, naming the unpriced models; never present unpriced usage as free. Savings that overlap (moving traffic "
        + "to a cheaper model and caching the same requests) are never added up: use the combined figure a tool "
        + "returns, or offer them as alternatives. Requests imported from a provider's aggregate usage export count in "
        + "spend, tokens and requests but carry no prompt hash or latency: when a result has aggregates, state its "
        + "statement (what share of requests the caching or latency figures do not cover). Explain a spend anomaly by "
        + "its causes as the result splits them (volume, model mix, price, tokens per request: dollars that add up to the "
        + "change), largest first, with the figures behind them; name no cause the result does not give. Be brief.";
  }
}

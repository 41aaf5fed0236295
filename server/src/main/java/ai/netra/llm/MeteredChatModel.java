package ai.netra.llm;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** Counts and times every call of a chat model: {@code netra_llm_calls_seconds{model, outcome}}, outcome {@code ok} or the failure's kind. */
public final class MeteredChatModel implements ChatModel {

  private final ChatModel model;
  private final Supplier<Optional<MeterRegistry>> registry;
  private final String name;

  /**
   * @param registry the registry once it exists (calls before are not recorded)
   * @param name the model's label in the series: {@code offline} or the endpoint's model name
   */
  public MeteredChatModel(ChatModel model, Supplier<Optional<MeterRegistry>> registry, String name) {
    this.model = model;
    this.registry = registry;
    this.name = name;
  }

  @Override
  public Reply complete(List<Message> messages, List<ToolSpec> tools, Consumer<String> contentDeltas) throws LlmException {
    long started = System.nanoTime();
    String outcome = "ok";
    try {
      return model.complete(messages, tools, contentDeltas);
    } catch (LlmException e) {
      outcome = e.kind().name().toLowerCase(Locale.ROOT);
      throw e;
    } catch (RuntimeException e) {
      outcome = "error";
      throw e;
    } finally {
      long took = System.nanoTime() - started;
      String outcomeTag = outcome;
      registry.get().ifPresent(meters -> Timer.builder("netra.llm.calls").tag("model", name).tag("outcome", outcomeTag)
          .description("Chat model calls by model and outcome (ok, or why it failed)")
          .register(meters).record(took, TimeUnit.NANOSECONDS));
    }
  }

  /** The wrapped model, so the supervisor can tell which one it runs. */
  public ChatModel model() {
    return model;
  }
}

package ai.netra.chat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;

/**
 * The chat's series: open sockets, events sent by type, closes by code (1011 = server fault), agent
 * runs. Nothing is recorded until {@link #bind} (the registry is created after the start).
 */
final class ChatMetrics {

  private volatile MeterRegistry registry;
  private final Map<String, Counter> sent = new ConcurrentHashMap<>();
  private final Map<String, Counter> closes = new ConcurrentHashMap<>();
  /**
   * The close codes the label may carry; any other becomes {@code other}. A client chooses the code it closes with
   * (any of 3000-4999 is allowed), and each new label value is a new series kept forever: a few clients could grow
   * the registry without bound.
   */
  static final java.util.Set<Integer> KNOWN_CLOSE_CODES =
      java.util.Set.of(1000, 1001, 1002, 1003, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 1015);
  private final Map<String, Timer> runs = new ConcurrentHashMap<>();

  void bind(MeterRegistry registry, IntSupplier openSockets) {
    Gauge.builder("netra.websocket.open", openSockets::getAsInt).description("Chat sockets open on this instance")
        .register(registry);
    this.registry = registry;
  }

  /** {@code sockets} sockets were handed an event of {@code type}. */
  void sent(String type, int sockets) {
    MeterRegistry r = registry;
    if (r != null) {
      sent.computeIfAbsent(type, t -> Counter.builder("netra.websocket.events.sent").tag("type", t)
          .description("Events handed to chat sockets, by type").register(r)).increment(sockets);
    }
  }

  void closed(int code) {
    MeterRegistry r = registry;
    if (r != null) {
      closes.computeIfAbsent(closeLabel(code), c -> Counter.builder("netra.websocket.closes").tag("code", c)
          .description("Chat sockets closed, by close code (1011: a server fault)").register(r)).increment();
    }
  }

  /** The {@code code} label of a close: the code when it is a known one, else {@code other}. */
  static String closeLabel(int code) {
    return KNOWN_CLOSE_CODES.contains(code) ? Integer.toString(code) : "other";
  }

  /** One agent run from the acknowledgement to its end, by how it ended (completed, stopped, failed, interrupted). */
  void run(String status, Duration took) {
    MeterRegistry r = registry;
    if (r != null) {
      runs.computeIfAbsent(status, s -> Timer.builder("netra.agent.run").tag("status", s)
          .description("Agent runs from user_message to agent_completed").publishPercentileHistogram()
          .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(2)).register(r))
          .record(took);
    }
  }

  /** The type of a wire event, which {@code ChatService.wire} and {@code EventJson} always write first. */
  static String typeOf(String wire) {
    String head = "{\"type\":\"";
    int end = wire.startsWith(head) ? wire.indexOf('"', head.length()) : -1;
    return end < 0 ? "unknown" : wire.substring(head.length(), end);
  }
}

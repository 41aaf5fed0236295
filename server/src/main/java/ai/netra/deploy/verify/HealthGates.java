package ai.netra.deploy.verify;

import ai.netra.deploy.DurationText;
import ai.netra.deploy.StartupReportJson;
import ai.netra.json.Json;
import ai.netra.startup.StartupFailure;
import ai.netra.startup.StartupReport;
import ai.netra.startup.StepReport;
import ai.netra.startup.StepStatus;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The three health gates, each polled until it passes or its deadline ends: {@code /health/live}
 * answers 200, {@code /health/startup} reports READY or DEGRADED (and which), {@code /health/ready}
 * answers 200. A start that reports FAILED fails its gate at once: it will not recover.
 */
final class HealthGates {

  static final Duration POLL = Duration.ofMillis(500);
  /** Longer than this without a line while waiting, and the gate says what it waits for. */
  static final Duration QUIET = Duration.ofSeconds(5);

  private final ServiceEndpoint service;
  private final Duration deadline;
  private final Consumer<String> progress;
  private StartupReport startup;

  HealthGates(ServiceEndpoint service, Duration deadline, Consumer<String> progress) {
    this.service = service;
    this.deadline = deadline;
    this.progress = progress;
  }

  /** The startup report the startup gate passed on, or null. */
  StartupReport startupReport() {
    return startup;
  }

  GateResult live() {
    return poll("live", "/health/live", a -> a.status() == 200 ? Decision.pass("/health/live answers 200")
        : Decision.waiting(a.describe()));
  }

  GateResult startup() {
    boolean[] answeredBefore = {false};
    return poll("startup", "/health/startup", a -> {
      if (!a.answered()) {
        return Decision.waiting(answeredBefore[0]
            ? a.describe() + " after it had answered: the instance probably exited (its STARTUP FAILED record is in the"
                + " service's logs)"
            : a.describe());
      }
      StartupReport report;
      try {
        report = StartupReportJson.parse(a.body());
      } catch (IllegalArgumentException e) {
        return Decision.waiting(a.status() + ", not a startup report (" + shorten(a.body()) + ")");
      }
      answeredBefore[0] = true;
      return switch (report.outcome()) {
        case READY -> {
          startup = report;
          yield Decision.pass("READY after " + DurationText.millis(report.elapsedMs()) + " of its "
              + DurationText.millis(report.budgetMs()) + " budget");
        }
        case DEGRADED -> {
          startup = report;
          String degraded = report.steps().stream().filter(s -> s.status() == StepStatus.DEGRADED)
              .map(s -> s.name() + " (" + s.component() + ")").collect(Collectors.joining(", "));
          yield Decision.pass("DEGRADED after " + DurationText.millis(report.elapsedMs()) + ": " + degraded
              + " degraded", "started DEGRADED: " + degraded + " not available (allowed by STARTUP_ALLOW_DEGRADED)");
        }
        case FAILED -> Decision.failNow("startup FAILED" + failure(report));
        case STARTING -> Decision.waiting(a.status() + " STARTING, phase " + report.phase() + running(report));
      };
    });
  }

  GateResult ready() {
    return poll("ready", "/health/ready", a -> {
      if (a.status() == 200) {
        return Decision.pass("/health/ready answers 200");
      }
      return Decision.waiting(a.answered() ? a.status() + notReady(a.body()) : a.describe());
    });
  }

  /** What a gate's judge makes of one answer. */
  record Decision(Kind kind, String text, String warning) {
    enum Kind { PASS, FAIL_NOW, WAIT }

    static Decision pass(String text) {
      return new Decision(Kind.PASS, text, null);
    }

    static Decision pass(String text, String warning) {
      return new Decision(Kind.PASS, text, warning);
    }

    static Decision failNow(String text) {
      return new Decision(Kind.FAIL_NOW, text, null);
    }

    static Decision waiting(String state) {
      return new Decision(Kind.WAIT, state, null);
    }
  }

  private GateResult poll(String name, String path, Function<ServiceEndpoint.Answer, Decision> judge) {
    long begin = System.nanoTime();
    long end = begin + deadline.toNanos();
    long lastLine = begin;
    int attempts = 0;
    String state = "no attempt";
    while (true) {
      attempts++;
      ServiceEndpoint.Answer answer = service.get(path, Duration.ofNanos(end - System.nanoTime()));
      Decision d = judge.apply(answer);
      long took = (System.nanoTime() - begin) / 1_000_000;
      Map<String, Object> details = new LinkedHashMap<>();
      details.put("path", path);
      details.put("attempts", attempts);
      details.put("last_status", answer.status());
      if (d.kind() == Decision.Kind.PASS) {
        return GateResult.pass(name, took, d.text(), d.warning() == null ? List.of() : List.of(d.warning()), details);
      }
      if (d.kind() == Decision.Kind.FAIL_NOW) {
        return GateResult.fail(name, took, d.text(), details);
      }
      state = d.text();
      long now = System.nanoTime();
      if (now + POLL.toNanos() > end) {
        return GateResult.fail(name, took, path + " not passing within the " + DurationText.format(deadline)
            + " deadline; last answer: " + state, details);
      }
      if (now - lastLine >= QUIET.toNanos()) {
        progress.accept("  ... " + name + ": waiting for " + path + ", last answer " + state + " ["
            + DurationText.millis(took) + " of " + DurationText.format(deadline) + "]");
        lastLine = now;
      }
      try {
        Thread.sleep(POLL);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return GateResult.fail(name, took, "interrupted while waiting for " + path, details);
      }
    }
  }

  private static String failure(StartupReport report) {
    StartupFailure f = report.failure();
    if (f != null) {
      return " at step " + f.step() + " (" + f.component() + ", phase " + f.phase() + ", exit " + f.exitCode() + ")"
          + (f.cause().isEmpty() ? "" : ": " + f.cause().getFirst());
    }
    return report.steps().stream().filter(s -> s.status() == StepStatus.FAILED).findFirst()
        .map(s -> " at step " + s.name() + " (" + s.component() + ")" + (s.error() == null ? "" : ": " + s.error()))
        .orElse(" in phase " + report.phase());
  }

  private static String running(StartupReport report) {
    List<String> running = new ArrayList<>();
    for (StepReport s : report.steps()) {
      if (s.status() == StepStatus.RUNNING) {
        running.add(s.name() + (s.attempts() > 1 ? " (attempt " + s.attempts() + ")" : ""));
      }
    }
    return running.isEmpty() ? "" : ", running " + String.join(", ", running);
  }

  /** The reason and failing checks of a 503 from /health/ready. */
  static String notReady(String body) {
    try {
      JsonNode node = Json.mapper().readTree(body);
      List<String> parts = new ArrayList<>();
      if (node.hasNonNull("reason")) {
        parts.add(node.get("reason").asText());
      }
      for (JsonNode check : node.path("failing")) {
        parts.add(check.path("name").asText() + ": " + check.path("message").asText());
      }
      return parts.isEmpty() ? "" : " (" + String.join("; ", parts) + ")";
    } catch (JsonProcessingException e) {
      return " (" + shorten(body) + ")";
    }
  }

  private static String shorten(String text) {
    String oneLine = text == null ? "" : text.replaceAll("\\s+", " ").strip();
    return oneLine.length() <= 120 ? oneLine : oneLine.substring(0, 120) + "...";
  }
}

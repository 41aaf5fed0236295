package ai.netra.deploy.verify;

import ai.netra.deploy.DurationText;
import ai.netra.json.Json;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The chat golden path over the real WebSocket, within one deadline: connect with the token
 * ({@code Authorization: Bearer}), receive {@code connection_established}, send a
 * {@code user_message}, and receive {@code agent_started}, {@code agent_thinking},
 * {@code tool_executing}, {@code tool_completed} and {@code agent_completed} in that order, the
 * last with a non-empty answer. Other frames in between (more thinking, more tools) are allowed;
 * an {@code error} event or a close fails the gate.
 */
final class ChatGoldenPath {

  static final List<String> FIVE = List.of("agent_started", "agent_thinking", "tool_executing", "tool_completed",
      "agent_completed");
  static final String NAME = "chat";
  private static final int ANSWER_SHOWN = 80;
  /** A frame of this kind is a closed socket, not a message. */
  private static final String CLOSED = "\u0000closed";

  private final ServiceEndpoint service;
  private final String token;
  private final String message;
  private final Duration deadline;

  ChatGoldenPath(ServiceEndpoint service, String token, String message, Duration deadline) {
    this.service = service;
    this.token = token;
    this.message = message;
    this.deadline = deadline;
  }

  /**
   * Runs the golden path, then deletes the thread it made (also when the gate failed after making one), so the
   * verification leaves nothing in the user's history; a thread it could not delete is a warning naming it.
   */
  GateResult run() {
    AtomicReference<String> thread = new AtomicReference<>();
    GateResult result = converse(thread);
    if (thread.get() == null) {
      return result;
    }
    Map<String, Object> details = new LinkedHashMap<>(result.details());
    details.put("thread_id", thread.get());
    String problem = deleteThread(thread.get());
    details.put("thread_deleted", problem == null);
    List<String> warnings = new ArrayList<>(result.warnings());
    if (problem != null) {
      warnings.add("the verification's thread " + thread.get() + " is left in the user's history: " + problem);
    }
    return new GateResult(result.name(), result.status(), result.tookMs(), result.summary(), result.reasons(),
        List.copyOf(warnings), details);
  }

  /** {@code DELETE /api/threads/{id}} as the token's user; null when done, else why not. */
  private String deleteThread(String threadId) {
    URI base = service.base();
    String path = base.getRawPath() == null ? "" : base.getRawPath().replaceAll("/$", "");
    URI uri = base.resolve(path + "/api/threads/" + threadId);
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).DELETE().timeout(ServiceEndpoint.MAX_REQUEST)
        .header("Authorization", "Bearer " + token);
    if (service.identityToken() != null) {
      request.header("X-Serverless-Authorization", "Bearer " + service.identityToken());
    }
    try {
      int status = service.client().send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
      return status == 204 ? null : "DELETE " + uri.getRawPath() + " answered " + status;
    } catch (java.io.IOException e) {
      return "DELETE " + uri.getRawPath() + " failed: " + e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted while deleting it";
    }
  }

  private GateResult converse(AtomicReference<String> thread) {
    long begin = System.nanoTime();
    long end = begin + deadline.toNanos();
    Map<String, Object> details = new LinkedHashMap<>();
    URI uri = socketUri(service.base());
    details.put("url", uri.toString());
    BlockingQueue<String> frames = new LinkedBlockingQueue<>();
    CompletableFuture<String> closed = new CompletableFuture<>();
    WebSocket.Builder builder = service.client().newWebSocketBuilder()
        .connectTimeout(remaining(end, ServiceEndpoint.MAX_REQUEST.multipliedBy(2)))
        .header("Authorization", "Bearer " + token);
    if (service.identityToken() != null) {
      builder.header("X-Serverless-Authorization", "Bearer " + service.identityToken());
    }
    WebSocket socket;
    try {
      socket = builder.buildAsync(uri, new Collector(frames, closed)).get(remaining(end, deadline).toMillis(),
          TimeUnit.MILLISECONDS);
    } catch (ExecutionException | CompletionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      String why = cause instanceof WebSocketHandshakeException h
          ? "the upgrade was refused with " + h.getResponse().statusCode()
              + (h.getResponse().statusCode() == 401
                  ? " (the token is not accepted: expired, or signed with another key)" : "")
          : cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
      return GateResult.fail(NAME, ms(begin), "cannot open " + uri + ": " + why, details);
    } catch (TimeoutException e) {
      return GateResult.fail(NAME, ms(begin), "cannot open " + uri + " within the " + DurationText.format(deadline)
          + " deadline", details);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return GateResult.fail(NAME, ms(begin), "interrupted while opening " + uri, details);
    }
    try {
      JsonNode hello = next(frames, end);
      if (hello == null || !"connection_established".equals(hello.path("type").asText())) {
        return GateResult.fail(NAME, ms(begin), "expected connection_established first, got "
            + (hello == null ? "nothing within the deadline" : describe(hello)) + closedText(closed), details);
      }
      long sent = System.nanoTime();
      ObjectNode frame = Json.mapper().createObjectNode().put("type", "user_message");
      frame.putObject("payload").put("content", message);
      socket.sendText(Json.write(frame), true).get(remaining(end, deadline).toMillis(), TimeUnit.MILLISECONDS);
      List<String> seen = new ArrayList<>();
      int matched = 0;
      while (matched < FIVE.size()) {
        JsonNode event = next(frames, end);
        if (event == null) {
          details.put("events", seen);
          return GateResult.fail(NAME, ms(begin), "only " + (seen.isEmpty() ? "no events" : String.join(", ", seen))
              + " within the " + DurationText.format(deadline) + " deadline; expected " + String.join(", ", FIVE)
              + closedText(closed), details);
        }
        String type = event.path("type").asText();
        seen.add(type);
        if (!event.path("thread_id").asText("").isEmpty()) {
          thread.compareAndSet(null, event.path("thread_id").asText());
        }
        if (type.equals("error")) {
          details.put("events", seen);
          return GateResult.fail(NAME, ms(begin), "the service answered with an error event: "
              + event.path("payload").path("code").asText() + ": " + event.path("payload").path("message").asText(),
              details);
        }
        if (type.equals(FIVE.get(matched))) {
          matched++;
        } else if (FIVE.indexOf(type) > matched) {
          details.put("events", seen);
          return GateResult.fail(NAME, ms(begin), type + " arrived before " + FIVE.get(matched) + "; events in order: "
              + String.join(", ", seen), details);
        }
        if (type.equals("agent_completed")) {
          String answer = event.path("payload").path("answer").asText("");
          details.put("events", seen);
          details.put("answer_chars", answer.length());
          long runMs = (System.nanoTime() - sent) / 1_000_000;
          details.put("run_ms", runMs);
          if (answer.isBlank()) {
            return GateResult.fail(NAME, ms(begin), "agent_completed carried an empty answer", details);
          }
          return GateResult.pass(NAME, ms(begin), "the five events in order, answer in " + DurationText.millis(runMs)
              + ": \"" + shorten(answer) + "\"", List.of(), details);
        }
      }
      return GateResult.fail(NAME, ms(begin), "the events ended without agent_completed", details);
    } catch (ExecutionException | TimeoutException e) {
      return GateResult.fail(NAME, ms(begin), "cannot send the message: " + (e.getCause() == null ? e : e.getCause()),
          details);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return GateResult.fail(NAME, ms(begin), "interrupted", details);
    } finally {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "verified").orTimeout(1, TimeUnit.SECONDS)
          .whenComplete((ws, e) -> socket.abort());
    }
  }

  /** {@code https://host/prefix} as {@code wss://host/prefix/ws/chat}. */
  static URI socketUri(URI base) {
    String scheme = "https".equalsIgnoreCase(base.getScheme()) ? "wss" : "ws";
    String path = base.getRawPath() == null ? "" : base.getRawPath();
    return URI.create(scheme + "://" + base.getRawAuthority() + (path.endsWith("/") ? path.substring(0, path.length() - 1)
        : path) + "/ws/chat");
  }

  /** The next frame as JSON, or null when the deadline ends or the socket closes first. */
  private static JsonNode next(BlockingQueue<String> frames, long end) throws InterruptedException {
    long left = end - System.nanoTime();
    String text = left <= 0 ? null : frames.poll(left, TimeUnit.NANOSECONDS);
    if (text == null || text.startsWith(CLOSED)) {
      return null;
    }
    try {
      return Json.mapper().readTree(text);
    } catch (JsonProcessingException e) {
      return Json.mapper().createObjectNode().put("type", "not JSON: " + shorten(text));
    }
  }

  private static String describe(JsonNode frame) {
    return frame.path("type").asText("a frame without a type");
  }

  private static String closedText(CompletableFuture<String> closed) {
    return closed.isDone() ? " (" + closed.getNow("") + ")" : "";
  }

  private static String shorten(String text) {
    String oneLine = text.replaceAll("\\s+", " ").strip();
    return oneLine.length() <= ANSWER_SHOWN ? oneLine : oneLine.substring(0, ANSWER_SHOWN) + "...";
  }

  private static Duration remaining(long end, Duration cap) {
    Duration left = Duration.ofNanos(Math.max(1_000_000, end - System.nanoTime()));
    return left.compareTo(cap) > 0 ? cap : left;
  }

  private static long ms(long begin) {
    return (System.nanoTime() - begin) / 1_000_000;
  }

  /**
   * Queues whole text frames; a close or an error becomes a {@link #CLOSED} marker frame. The JDK
   * calls a listener for one message part at a time (the next only after {@code request(1)}), so
   * the partial frame needs no lock.
   */
  private static final class Collector implements WebSocket.Listener {
    private final BlockingQueue<String> frames;
    private final CompletableFuture<String> closed;
    private final StringBuilder partial = new StringBuilder();

    Collector(BlockingQueue<String> frames, CompletableFuture<String> closed) {
      this.frames = frames;
      this.closed = closed;
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        frames.add(partial.toString());
        partial.setLength(0);
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
      closed.complete("the service closed the socket with " + statusCode + (reason.isEmpty() ? "" : " " + reason));
      frames.add(CLOSED);
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      closed.complete("the socket failed: " + error);
      frames.add(CLOSED);
    }
  }
}

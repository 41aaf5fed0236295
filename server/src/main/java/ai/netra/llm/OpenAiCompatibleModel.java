package ai.netra.llm;

import ai.netra.config.LlmSettings;
import ai.netra.json.Json;
import ai.netra.llm.LlmException.Kind;
import ai.netra.llm.StreamingExchange.Body;
import ai.netra.llm.StreamingExchange.End;
import ai.netra.llm.StreamingExchange.Event;
import ai.netra.llm.StreamingExchange.Failed;
import ai.netra.llm.StreamingExchange.Head;
import ai.netra.llm.StreamingExchange.Line;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ChatModel} served by any OpenAI-compatible endpoint ({@code LLM_BASE_URL},
 * {@code LLM_API_KEY}, {@code LLM_MODEL}; see {@link Endpoint} for how the base URL is read): one
 * streaming {@code POST /chat/completions} per call, tools offered as functions.
 *
 * <p>Every wait is bounded by {@link Limits}. A call is retried, with exponential backoff and
 * jitter, only when the endpoint never answered (connection refused, reset or timed out) or
 * answered 429 or 5xx; a {@code Retry-After} (or {@code retry-after-ms}) from the server is waited
 * out in full, and when it reaches past the call's total limit the call fails at once instead.
 * Any other 4xx fails at once, and nothing is retried once a 2xx stream has begun: its text may
 * already be on the user's screen. Thread-safe; one instance serves every run.
 */
public final class OpenAiCompatibleModel implements ChatModel, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(OpenAiCompatibleModel.class);
  /** Failsafe varies every delay by this factor either way. */
  private static final double JITTER = 0.2;
  private static final int MAX_SNIPPET = 300;
  private static final Duration NO_DELAY_ASKED = Duration.ofNanos(-1);

  /**
   * The bounds of one call. {@code connect}: to open a connection. {@code firstByte}: from sending
   * the request to the first line of the answer (the model's thinking time before it streams).
   * {@code idleGap}: the longest silence between two lines once the stream has begun (keep-alive
   * comments count as lines). {@code total}: the whole call, retries and their delays included.
   * {@code maxAttempts}: attempts in all (1 means no retry); backoff starts at
   * {@code initialBackoff} and doubles up to {@code maxBackoff}.
   */
  public record Limits(Duration connect, Duration firstByte, Duration idleGap, Duration total, int maxAttempts,
      Duration initialBackoff, Duration maxBackoff) {

    /** 5 s to connect, 60 s to the first line, 30 s between lines, 180 s per call, 4 attempts backing off 0.5 s to 8 s. */
    public static final Limits DEFAULTS = new Limits(Duration.ofSeconds(5), Duration.ofSeconds(60), Duration.ofSeconds(30),
        Duration.ofSeconds(180), 4, Duration.ofMillis(500), Duration.ofSeconds(8));

    /** @throws IllegalArgumentException naming the first bound that cannot work */
    public Limits {
      positive("connect", connect);
      positive("firstByte", firstByte);
      positive("idleGap", idleGap);
      positive("total", total);
      positive("initialBackoff", initialBackoff);
      if (firstByte.compareTo(total) > 0 || idleGap.compareTo(total) > 0) {
        throw new IllegalArgumentException("firstByte (" + firstByte + ") and idleGap (" + idleGap
            + ") must not exceed the total per call (" + total + ")");
      }
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
      }
      if (maxBackoff == null || maxBackoff.compareTo(initialBackoff) <= 0) {
        throw new IllegalArgumentException("maxBackoff (" + maxBackoff + ") must exceed initialBackoff (" + initialBackoff + ")");
      }
    }

    private static void positive(String name, Duration value) {
      if (value == null || value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(name + " must be a positive duration, was " + value);
      }
    }
  }

  private final Endpoint endpoint;
  private final String apiKey;
  private final String model;
  private final Limits limits;
  private final HttpClient client;

  public OpenAiCompatibleModel(LlmSettings settings) {
    this(settings, Limits.DEFAULTS);
  }

  /** @throws IllegalArgumentException when the settings select the offline model or lack the base URL, key or model */
  public OpenAiCompatibleModel(LlmSettings settings, Limits limits) {
    if (settings.offline()) {
      throw new IllegalArgumentException("LLM_MODEL=offline selects the offline model, not an endpoint");
    }
    if (settings.apiKey() == null || settings.apiKey().isBlank()) {
      throw new IllegalArgumentException("LLM_API_KEY is empty; set it to the key for " + settings.baseUrl());
    }
    if (settings.model() == null || settings.model().isBlank()) {
      throw new IllegalArgumentException("LLM_MODEL is empty; set it to a model the endpoint serves");
    }
    this.endpoint = Endpoint.of(settings.baseUrl());
    this.apiKey = settings.apiKey();
    this.model = settings.model();
    this.limits = Objects.requireNonNull(limits, "limits");
    this.client = HttpClient.newBuilder()
        .connectTimeout(limits.connect())
        // A redirected POST would be resent as a GET; say where it points instead.
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  /** The model name sent with every request. */
  public String model() {
    return model;
  }

  @Override
  public Reply complete(List<Message> messages, List<ToolSpec> tools, Consumer<String> contentDeltas) throws LlmException {
    Objects.requireNonNull(contentDeltas, "contentDeltas");
    String body = ChatRequest.body(model, messages, tools);
    long started = System.nanoTime();
    long deadline = started + limits.total().toNanos();
    AtomicInteger attempts = new AtomicInteger();
    RetryPolicy<Reply> retry = RetryPolicy.<Reply>builder()
        .handleIf(failure -> failure instanceof LlmException e && retryable(e))
        .abortIf((reply, failure) -> failure instanceof LlmException e && e.retryAfter() != null
            && stretched(e.retryAfter()).toNanos() > deadline - System.nanoTime())
        .withMaxAttempts(limits.maxAttempts())
        .withBackoff(limits.initialBackoff(), limits.maxBackoff())
        .withJitter(JITTER)
        // A negative delay tells Failsafe to use the backoff instead.
        .withDelayFn(context -> context.getLastException() instanceof LlmException e && e.retryAfter() != null
            ? stretched(e.retryAfter()) : NO_DELAY_ASKED)
        .withMaxDuration(limits.total())
        .onRetryScheduled(event -> log.warn("LLM call attempt {} of {} failed: {}; retrying in {} ms", event.getAttemptCount(),
            limits.maxAttempts(), event.getLastException().getMessage(), event.getDelay().toMillis()))
        .build();
    try {
      return Failsafe.with(retry).get(() -> {
        attempts.incrementAndGet();
        return attempt(body, contentDeltas, deadline);
      });
    } catch (FailsafeException e) {
      if (e.getCause() instanceof LlmException failure) {
        String more = "";
        if (retryable(failure) && failure.retryAfter() != null
            && stretched(failure.retryAfter()).toNanos() > deadline - System.nanoTime()) {
          more = "; it asked to retry after " + seconds(failure.retryAfter().toNanos()) + ", past the "
              + seconds(limits.total().toNanos()) + " limit per call";
        }
        if (attempts.get() > 1) {
          more += "; gave up after " + attempts.get() + " attempts in " + seconds(System.nanoTime() - started);
        }
        throw more.isEmpty() ? failure
            : new LlmException(failure.kind(), failure.getMessage() + more, failure.status(), null, failure.getCause());
      }
      if (e.getCause() instanceof InterruptedException interrupted) {
        Thread.currentThread().interrupt();
        throw new LlmException(Kind.INTERRUPTED, "the call to the LLM endpoint " + endpoint + " was interrupted while"
            + " waiting to retry", interrupted);
      }
      throw e;
    }
  }

  /** Only failures before any answer, and 429/5xx answers, are worth another attempt. */
  private static boolean retryable(LlmException e) {
    return e.kind() == Kind.UNREACHABLE && e.status() == 0
        || e.kind() == Kind.OVERLOADED && (e.status() == 429 || e.status() >= 500);
  }

  /** Jitter may shorten a delay by {@link #JITTER}; a wait the server asked for is lifted first so it never is. */
  private static Duration stretched(Duration retryAfter) {
    return Duration.ofNanos((long) Math.ceil(retryAfter.toNanos() / (1 - JITTER)));
  }

  private Reply attempt(String body, Consumer<String> contentDeltas, long deadline) throws LlmException {
    HttpRequest request = HttpRequest.newBuilder(endpoint.chatCompletions())
        // Plain http gets HTTP/1.1: the h2c upgrade dance buys nothing for one streamed POST.
        .version(endpoint.plainHttp() ? HttpClient.Version.HTTP_1_1 : HttpClient.Version.HTTP_2)
        .header("Authorization", "Bearer " + apiKey)
        .header("Content-Type", "application/json")
        .header("Accept", "text/event-stream")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
    long sent = System.nanoTime();
    long firstByteDeadline = Math.min(deadline, sent + limits.firstByte().toNanos());
    StreamingExchange exchange = StreamingExchange.send(client, request);
    try {
      Event first = exchange.next(until(firstByteDeadline));
      if (first == null) {
        throw silence(deadline, "did not answer within " + seconds(limits.firstByte().toNanos()) + " (the first-byte limit)", 0);
      }
      if (first instanceof Failed failed) {
        throw noAnswer(failed.cause());
      }
      Head head = (Head) first;
      if (!StreamingExchange.successful(head.status())) {
        Event answer = exchange.next(until(Math.min(deadline, System.nanoTime() + limits.idleGap().toNanos())));
        throw refusal(head, answer instanceof Body text ? text.text() : "");
      }
      String contentType = head.headers().firstValue("content-type").orElse("text/event-stream");
      if (!contentType.toLowerCase(Locale.ROOT).startsWith("text/event-stream")) {
        throw notAStream(exchange, head.status(), contentType, deadline);
      }
      Reply reply = read(exchange, new ReplyAssembler(contentDeltas), firstByteDeadline, deadline);
      log.debug("LLM reply from {} in {} ms: finish_reason {}, {} tool calls, usage {}", endpoint,
          (System.nanoTime() - sent) / 1_000_000, reply.finishReason(), reply.toolCalls().size(), reply.usage());
      return reply;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LlmException(Kind.INTERRUPTED, "the call to the LLM endpoint " + endpoint + " was interrupted", e);
    } finally {
      exchange.cancel();
    }
  }

  /** Reads the event stream of a 2xx answer to its end. */
  private Reply read(StreamingExchange exchange, ReplyAssembler assembler, long firstByteDeadline, long deadline)
      throws LlmException, InterruptedException {
    ServerSentEvents events = new ServerSentEvents();
    boolean begun = false;
    while (true) {
      long lineDeadline = begun ? Math.min(deadline, System.nanoTime() + limits.idleGap().toNanos()) : firstByteDeadline;
      Event event = exchange.next(until(lineDeadline));
      switch (event) {
        case null -> throw begun
            ? silence(deadline, "stopped sending for " + seconds(limits.idleGap().toNanos()) + " mid-reply (the idle-gap limit)"
                + " after " + assembler.chunks() + " chunks", 200)
            : silence(deadline, "sent its headers but no data within " + seconds(limits.firstByte().toNanos())
                + " (the first-byte limit)", 200);
        case Line line -> {
          begun = true;
          String data = events.line(line.text());
          if (data != null && dispatch(data, assembler)) {
            return reply(assembler);
          }
        }
        case End end -> {
          String data = events.end();
          if (data != null && dispatch(data, assembler)) {
            return reply(assembler);
          }
          if (assembler.finished()) {
            return reply(assembler); // a server that ends the body without [DONE] but after finish_reason
          }
          throw new LlmException(Kind.MALFORMED, "the LLM endpoint " + endpoint + " ended the stream after "
              + assembler.chunks() + " chunks without a finish_reason or [DONE]: the reply is cut short", 200, null, null);
        }
        case Failed failed -> throw new LlmException(Kind.UNREACHABLE, "the connection to the LLM endpoint " + endpoint
            + " broke mid-reply after " + assembler.chunks() + " chunks: " + describe(failed.cause()), 200, null, failed.cause());
        default -> throw new IllegalStateException("unexpected " + event + " in a 2xx body");
      }
    }
  }

  /** Handles one event's data; returns true at {@code [DONE]}. */
  private boolean dispatch(String data, ReplyAssembler assembler) throws LlmException {
    if (data.strip().equals("[DONE]")) {
      return true;
    }
    JsonNode chunk;
    try {
      chunk = Json.mapper().readTree(data);
    } catch (JsonProcessingException e) {
      throw new LlmException(Kind.MALFORMED, "the LLM endpoint " + endpoint + " sent a chunk that is not JSON after "
          + assembler.chunks() + " good ones (" + e.getOriginalMessage() + "): " + snippet(data), 200, null, e);
    }
    if (chunk == null || chunk.isMissingNode()) {
      throw new LlmException(Kind.MALFORMED, "the LLM endpoint " + endpoint + " sent an empty chunk after "
          + assembler.chunks() + " good ones", 200, null, null);
    }
    if (chunk.hasNonNull("error")) {
      // Some servers report a failure inside a 200 stream, as OpenAI's error object.
      throw new LlmException(Kind.OVERLOADED, "the LLM endpoint " + endpoint + " reported an error mid-reply: "
          + ErrorAnswer.redact(ErrorAnswer.message(data), apiKey), 200, null, null);
    }
    try {
      assembler.chunk(chunk);
    } catch (LlmException e) {
      throw malformedStream(e);
    }
    return false;
  }

  private Reply reply(ReplyAssembler assembler) throws LlmException {
    try {
      return assembler.reply();
    } catch (LlmException e) {
      throw malformedStream(e);
    }
  }

  private LlmException malformedStream(LlmException e) {
    return new LlmException(Kind.MALFORMED, "the LLM endpoint " + endpoint + " sent a malformed stream: "
        + ErrorAnswer.redact(e.getMessage(), apiKey), 200, null, e.getCause());
  }

  private LlmException refusal(Head head, String body) {
    ErrorAnswer answer = ErrorAnswer.of(head.status(), head.headers(), body, apiKey);
    int status = head.status();
    String at = "the LLM endpoint " + endpoint;
    if (status == 429 || status >= 500) {
      return new LlmException(Kind.OVERLOADED, at + " answered " + status + ": " + answer.message(), status,
          answer.retryAfter(), null);
    }
    String message;
    if (status == 401 || status == 403) {
      message = at + " rejected LLM_API_KEY (" + status + "): " + answer.message();
    } else if (status == 404) {
      message = at + " answered 404 for model " + model + " (" + answer.message() + "); check LLM_MODEL and LLM_BASE_URL";
    } else if (status >= 300 && status < 400) {
      message = at + " redirects (" + status + ") to " + head.headers().firstValue("location").orElse("(no Location)")
          + "; set LLM_BASE_URL to the address it points to";
    } else {
      message = at + " rejected the request (" + status + "): " + answer.message();
    }
    return new LlmException(Kind.REJECTED, message, status, null, null);
  }

  /** A 2xx answer that is not an event stream: reads a little of it to show what it was. */
  private LlmException notAStream(StreamingExchange exchange, int status, String contentType, long deadline)
      throws InterruptedException {
    StringBuilder text = new StringBuilder();
    long until = Math.min(deadline, System.nanoTime() + limits.idleGap().toNanos());
    while (text.length() < MAX_SNIPPET && exchange.next(until(until)) instanceof Line line) {
      text.append(line.text()).append(' ');
    }
    return new LlmException(Kind.MALFORMED, "the LLM endpoint " + endpoint + " answered " + status + " with " + contentType
        + " instead of a text/event-stream of chat completion chunks: " + snippet(text.toString().strip()), status, null, null);
  }

  private LlmException noAnswer(Throwable cause) {
    String what = cause instanceof HttpConnectTimeoutException
        ? "no connection within " + seconds(limits.connect().toNanos()) + " (the connect limit)"
        : cause instanceof ConnectException ? "connection failed: " + describe(cause)
        : cause instanceof IOException ? "the connection closed before an answer: " + describe(cause)
        : "the request failed: " + describe(cause);
    Kind kind = cause instanceof IOException ? Kind.UNREACHABLE : Kind.MALFORMED;
    return new LlmException(kind, "the LLM endpoint " + endpoint + " is unreachable: " + what, 0, null, cause);
  }

  private LlmException silence(long deadline, String what, int status) {
    String message = System.nanoTime() - deadline >= 0
        ? "the LLM endpoint " + endpoint + " did not finish the reply within " + seconds(limits.total().toNanos())
            + " (the total limit per call)"
        : "the LLM endpoint " + endpoint + " " + what;
    return new LlmException(Kind.TIMEOUT, message, status, null, null);
  }

  private String snippet(String text) {
    return ErrorAnswer.redact(ReplyAssembler.abbreviate(text), apiKey);
  }

  private String describe(Throwable cause) {
    return ErrorAnswer.redact(ErrorAnswer.describe(cause), apiKey);
  }

  private static Duration until(long deadline) {
    return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
  }

  private static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
  }

  /** Stops in-flight calls at once and frees the client's connections. */
  @Override
  public void close() {
    client.shutdownNow();
  }

  @Override
  public String toString() {
    return "OpenAiCompatibleModel[" + endpoint + " model=" + model + "]";
  }
}

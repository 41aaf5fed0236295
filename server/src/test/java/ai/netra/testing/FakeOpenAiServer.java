package ai.netra.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An OpenAI-compatible endpoint on 127.0.0.1 that speaks the real wire format, scripted per test:
 * {@code POST /v1/chat/completions} plays the queued {@link Answer}s in order (the last one again
 * for every later request, so one 500 answer means "500 forever"), {@code GET /v1/models} lists
 * the configured models (or plays its own answer), and every request is recorded.
 */
public final class FakeOpenAiServer implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final CountDownLatch closing = new CountDownLatch(1);
  private final List<Answer> chatAnswers = new CopyOnWriteArrayList<>();
  private final AtomicInteger chatServed = new AtomicInteger();
  private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
  private final AtomicInteger stalled = new AtomicInteger();
  private volatile Answer modelsAnswer = models(List.of("gpt-4o-mini"));

  public FakeOpenAiServer() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the fake OpenAI server", e);
    }
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /** {@code http://127.0.0.1:<port>/v1}, the value for {@code LLM_BASE_URL}. */
  public String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** Queues answers for the next chat completion requests, in order; the last one repeats. */
  public FakeOpenAiServer reply(Answer... answers) {
    chatAnswers.addAll(List.of(answers));
    return this;
  }

  /** {@code GET /v1/models} lists these model ids. */
  public FakeOpenAiServer listModels(String... ids) {
    modelsAnswer = models(List.of(ids));
    return this;
  }

  /** {@code GET /v1/models} plays this answer instead of a list. */
  public FakeOpenAiServer modelsAnswer(Answer answer) {
    modelsAnswer = answer;
    return this;
  }

  /** Every request received so far, in order of arrival. */
  public List<RecordedRequest> requests() {
    return List.copyOf(requests);
  }

  /** The chat completion requests received so far. */
  public List<RecordedRequest> chatRequests() {
    return requests.stream().filter(r -> r.path().endsWith("/chat/completions")).toList();
  }

  /** How many answers are holding their connection open at a {@link Stream#stall()} right now. */
  public int stalledNow() {
    return stalled.get();
  }

  @Override
  public void close() {
    closing.countDown();
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      long received = System.nanoTime();
      byte[] body = exchange.getRequestBody().readAllBytes();
      Map<String, String> headers = new LinkedHashMap<>();
      exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), String.join(",", values)));
      String path = exchange.getRequestURI().getPath();
      requests.add(new RecordedRequest(exchange.getRequestMethod(), path, headers, new String(body, StandardCharsets.UTF_8),
          received));
      Answer answer;
      if (path.equals("/v1/chat/completions") && exchange.getRequestMethod().equals("POST")) {
        int n = chatServed.getAndIncrement();
        answer = chatAnswers.isEmpty() ? error(500, "the fake has no answer scripted for this test", "server_error", null)
            : chatAnswers.get(Math.min(n, chatAnswers.size() - 1));
      } else if (path.equals("/v1/models") && exchange.getRequestMethod().equals("GET")) {
        answer = modelsAnswer;
      } else {
        answer = error(404, "Invalid URL (" + exchange.getRequestMethod() + " " + path + ")", "invalid_request_error", null);
      }
      answer.play(exchange, this);
    } catch (IOException e) {
      // the client went away (a cancelled stream): nothing more to send
    }
  }

  /** A scripted answer to one request. */
  public sealed interface Answer permits Fixed, Stream {
    void play(HttpExchange exchange, FakeOpenAiServer server) throws IOException;
  }

  /** A whole answer at once: a status, headers and a body. */
  public record Fixed(int status, Map<String, String> headers, String body) implements Answer {

    /** The same answer with one more header, such as {@code Retry-After}. */
    public Fixed withHeader(String name, String value) {
      Map<String, String> more = new LinkedHashMap<>(headers);
      more.put(name, value);
      return new Fixed(status, more, body);
    }

    @Override
    public void play(HttpExchange exchange, FakeOpenAiServer server) throws IOException {
      headers.forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
      if (bytes.length > 0) {
        exchange.getResponseBody().write(bytes);
      }
    }
  }

  /** An OpenAI error answer: {@code {"error": {"message", "type", "param": null, "code"}}}. */
  public static Fixed error(int status, String message, String type, String code) {
    ObjectNode body = JSON.createObjectNode();
    ObjectNode error = body.putObject("error");
    error.put("message", message);
    error.put("type", type);
    error.putNull("param");
    if (code == null) {
      error.putNull("code");
    } else {
      error.put("code", code);
    }
    return new Fixed(status, Map.of("Content-Type", "application/json"), body.toString());
  }

  /** The OpenAI model list: {@code {"object": "list", "data": [{"id", "object": "model", "created", "owned_by"}]}}. */
  public static Fixed models(List<String> ids) {
    ObjectNode body = JSON.createObjectNode().put("object", "list");
    ArrayNode data = body.putArray("data");
    for (String id : ids) {
      data.addObject().put("id", id).put("object", "model").put("created", 1_700_000_000L).put("owned_by", "fake");
    }
    return new Fixed(200, Map.of("Content-Type", "application/json"), body.toString());
  }

  /** A streamed text reply: a role chunk, one chunk per piece, {@code finish_reason: stop}, the usage chunk, {@code [DONE]}. */
  public static Stream text(String... pieces) {
    Stream stream = stream().role();
    for (String piece : pieces) {
      stream.content(piece);
    }
    return stream.finish("stop").usage(12, pieces.length).done();
  }

  /** An empty stream answer to build event by event. */
  public static Stream stream() {
    return new Stream();
  }

  /**
   * A {@code text/event-stream} answer built event by event, each chunk as OpenAI sends it with
   * {@code stream_options.include_usage}: {@code {"id", "object": "chat.completion.chunk",
   * "created", "model", "system_fingerprint", "choices": [{"index": 0, "delta", "logprobs": null,
   * "finish_reason"}], "usage": null}}.
   */
  public static final class Stream implements Answer {
    private final List<Object> steps = new ArrayList<>();
    private final Map<String, String> headers = new LinkedHashMap<>(Map.of("Content-Type", "text/event-stream; charset=utf-8"));
    private String model = "gpt-4o-mini";
    private String lineEnd = "\n";

    private enum Pause { STALL }

    /** The model name the chunks carry. */
    public Stream model(String name) {
      model = name;
      return this;
    }

    /** Ends lines with CR LF, as some servers do. */
    public Stream crlf() {
      lineEnd = "\r\n";
      return this;
    }

    /** Replaces the Content-Type header. */
    public Stream contentType(String value) {
      headers.put("Content-Type", value);
      return this;
    }

    /** The first chunk: {@code delta: {"role": "assistant", "content": ""}}. */
    public Stream role() {
      ObjectNode delta = JSON.createObjectNode().put("role", "assistant").put("content", "");
      return chunk(delta, null);
    }

    public Stream content(String text) {
      return chunk(JSON.createObjectNode().put("content", text), null);
    }

    /** A tool call's first delta: its index, id, type and name, with empty arguments. */
    public Stream toolCall(int index, String id, String name) {
      ObjectNode call = JSON.createObjectNode().put("index", index).put("id", id).put("type", "function");
      call.putObject("function").put("name", name).put("arguments", "");
      ObjectNode delta = JSON.createObjectNode().put("role", "assistant").putNull("content");
      delta.putArray("tool_calls").add(call);
      return chunk(delta, null);
    }

    /** A fragment of a tool call's arguments, as raw text (split anywhere, even mid-token). */
    public Stream arguments(int index, String fragment) {
      ObjectNode call = JSON.createObjectNode().put("index", index);
      call.putObject("function").put("arguments", fragment);
      ObjectNode delta = JSON.createObjectNode();
      delta.putArray("tool_calls").add(call);
      return chunk(delta, null);
    }

    /** The last choice chunk: an empty delta with this {@code finish_reason}. */
    public Stream finish(String reason) {
      return chunk(JSON.createObjectNode(), reason);
    }

    /** The usage chunk: {@code choices: []} and the token counts. */
    public Stream usage(int promptTokens, int completionTokens) {
      ObjectNode chunk = envelope();
      chunk.putArray("choices");
      chunk.putObject("usage").put("prompt_tokens", promptTokens).put("completion_tokens", completionTokens)
          .put("total_tokens", promptTokens + completionTokens);
      return event(chunk.toString());
    }

    public Stream done() {
      return event("[DONE]");
    }

    /** A comment line, as servers send for keep-alive. */
    public Stream comment(String text) {
      steps.add(": " + text + lineEnd + lineEnd);
      return this;
    }

    /** One event with this exact data (for malformed chunks). */
    public Stream event(String data) {
      steps.add("data: " + data + lineEnd + lineEnd);
      return this;
    }

    /** Bytes exactly as given, for framing a server gets wrong. */
    public Stream raw(String text) {
      steps.add(text);
      return this;
    }

    /** Waits {@code pause} before the next step, as a model does between tokens. */
    public Stream pause(Duration pause) {
      steps.add(pause);
      return this;
    }

    /** Holds the connection open, sending nothing more, until the server closes. */
    public Stream stall() {
      steps.add(Pause.STALL);
      return this;
    }

    private Stream chunk(ObjectNode delta, String finishReason) {
      ObjectNode chunk = envelope();
      ObjectNode choice = chunk.putArray("choices").addObject();
      choice.put("index", 0);
      choice.set("delta", delta);
      choice.putNull("logprobs");
      if (finishReason == null) {
        choice.putNull("finish_reason");
      } else {
        choice.put("finish_reason", finishReason);
      }
      chunk.putNull("usage");
      return event(chunk.toString());
    }

    private ObjectNode envelope() {
      ObjectNode chunk = JSON.createObjectNode();
      chunk.put("id", "chatcmpl-fake1234").put("object", "chat.completion.chunk").put("created", 1_732_000_000L)
          .put("model", model).put("system_fingerprint", "fp_fake");
      return chunk;
    }

    @Override
    public void play(HttpExchange exchange, FakeOpenAiServer server) throws IOException {
      headers.forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
      exchange.getResponseHeaders().add("Cache-Control", "no-cache");
      exchange.sendResponseHeaders(200, 0); // chunked: each flush goes out at once
      OutputStream out = exchange.getResponseBody();
      out.flush(); // the headers leave now, before any event, as a real server's do
      for (Object step : steps) {
        if (step == Pause.STALL) {
          server.stalled.incrementAndGet();
          try {
            server.closing.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } finally {
            server.stalled.decrementAndGet();
          }
          return;
        }
        if (step instanceof Duration pause) {
          try {
            Thread.sleep(pause); // the fake model's own pace, not a test waiting for something
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
          continue;
        }
        out.write(((String) step).getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
    }
  }

  /** One request as the fake received it; header names are lower case; {@code receivedNanos} is its {@link System#nanoTime()}. */
  public record RecordedRequest(String method, String path, Map<String, String> headers, String body, long receivedNanos) {

    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** The body as JSON. */
    public JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException("the request body is not JSON: " + body, e);
      }
    }
  }
}

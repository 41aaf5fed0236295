package ai.netra.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A real WebSocket client (the JDK's) for the chat socket: connect, send frames, read events, see the close. */
public final class ChatClient implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final WebSocket socket;
  private final BlockingQueue<String> frames;
  private final CompletableFuture<Integer> closed;

  private ChatClient(WebSocket socket, BlockingQueue<String> frames, CompletableFuture<Integer> closed) {
    this.socket = socket;
    this.frames = frames;
    this.closed = closed;
  }

  /** Thrown when the server refused the upgrade; carries the HTTP status and body. */
  public static final class Refused extends RuntimeException {
    public final int status;
    public final String body;

    Refused(int status, String body) {
      super("upgrade refused with " + status + ": " + body);
      this.status = status;
      this.body = body;
    }
  }

  public static ChatClient connect(URI uri, String bearer, String origin, String... subprotocols) {
    BlockingQueue<String> frames = new LinkedBlockingQueue<>();
    CompletableFuture<Integer> closed = new CompletableFuture<>();
    WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
    if (bearer != null) {
      builder.header("Authorization", "Bearer " + bearer);
    }
    if (origin != null) {
      builder.header("Origin", origin);
    }
    if (subprotocols.length > 0) {
      builder.subprotocols(subprotocols[0], java.util.Arrays.copyOfRange(subprotocols, 1, subprotocols.length));
    }
    WebSocket.Listener listener = new WebSocket.Listener() {
      private final StringBuilder partial = new StringBuilder();

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
        closed.complete(statusCode);
        return null;
      }

      @Override
      public void onError(WebSocket ws, Throwable error) {
        closed.complete(-1);
      }
    };
    try {
      return new ChatClient(builder.buildAsync(uri, listener).join(), frames, closed);
    } catch (CompletionException e) {
      if (e.getCause() instanceof WebSocketHandshakeException h) {
        Object body = h.getResponse().body();
        throw new Refused(h.getResponse().statusCode(), body == null ? "" : body.toString());
      }
      throw e;
    }
  }

  public WebSocket socket() {
    return socket;
  }

  public void send(String frame) {
    socket.sendText(frame, true).join();
  }

  /** The next frame as text, waiting up to {@code within}. */
  public String nextText(Duration within) {
    try {
      String frame = frames.poll(within.toMillis(), TimeUnit.MILLISECONDS);
      if (frame == null) {
        throw new AssertionError("no frame from the chat socket within " + within);
      }
      return frame;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  public JsonNode next(Duration within) throws IOException {
    return JSON.readTree(nextText(within));
  }

  /** Frames until one of type {@code type} arrives (inclusive), in order. */
  public List<JsonNode> until(String type, Duration within) throws IOException {
    List<JsonNode> seen = new ArrayList<>();
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("no '" + type + "' event within " + within + "; saw " + seen);
      }
      JsonNode frame = next(Duration.ofNanos(left));
      seen.add(frame);
      if (type.equals(frame.path("type").asText())) {
        return seen;
      }
    }
  }

  /** True when no frame arrives within {@code quiet}. */
  public boolean silentFor(Duration quiet) throws InterruptedException {
    return frames.poll(quiet.toMillis(), TimeUnit.MILLISECONDS) == null;
  }

  /** The close code the server sent, waiting up to {@code within}. */
  public int closeCode(Duration within) {
    try {
      return closed.get(within.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException | ExecutionException | TimeoutException e) {
      throw new AssertionError("the socket did not close within " + within, e);
    }
  }

  public String subprotocol() {
    return socket.getSubprotocol();
  }

  @Override
  public void close() {
    socket.abort();
  }
}

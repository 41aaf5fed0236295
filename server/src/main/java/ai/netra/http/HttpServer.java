package ai.netra.http;

import ai.netra.health.Readiness;
import ai.netra.history.RecentStarts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.function.Function;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The Jetty server: health endpoints and the browser pages outside the {@link StartingGate}, the
 * application inside it, on virtual threads (the health endpoints on Jetty's own platform threads). Started before
 * any startup phase runs, so the port answers at once.
 */
public final class HttpServer implements AutoCloseable {

  /**
   * Connections the kernel holds before they are accepted. Java's default of 50 overflowed when
   * thousands of clients reconnected at once: the rest waited out SYN retries of up to a minute.
   * The kernel caps it at net.core.somaxconn.
   */
  public static final int ACCEPT_QUEUE = 4096;

  private final Server server;
  private final ServerConnector connector;

  private HttpServer(Server server, ServerConnector connector) {
    this.server = server;
    this.connector = connector;
  }

  /**
   * Binds {@code port} (0 picks a free one) on {@code host}, or adopts {@code bound} when the caller bound it
   * already, and starts serving.
   *
   * @param application makes the business routes for the server; they see a request only while the service is serving, and
   *     returns false for a path it does not know (answered 404 in the API's error shape)
   * @throws IOException when the port cannot be bound
   */
  public static HttpServer start(String host, int port, Optional<ServerSocketChannel> bound, Readiness readiness,
      Function<Server, Handler> application, String version) throws Exception {
    return start(host, port, bound, readiness, new RecentStarts(), application, version);
  }

  /** {@link #start}, with the last starts of the service that {@code /health/startup/history} shows. */
  public static HttpServer start(String host, int port, Optional<ServerSocketChannel> bound, Readiness readiness,
      RecentStarts recent,
      Function<Server, Handler> application, String version) throws Exception {
    // Jetty's own work (accepting, selecting, parsing) and the health endpoints run on platform threads, which the
    // kernel time-slices; everything else runs on virtual threads. With every task on virtual threads a 1-CPU instance
    // has one carrier, and a probe waited its turn behind whatever the chat had queued there: 20 users opening sockets
    // and sending 32 KB messages kept probes waiting 100-300 ms (bench/health-under-load.sh). No cap on the virtual
    // threads: a request blocked on a slow database must never make a health probe, or another request, wait.
    QueuedThreadPool threads = new QueuedThreadPool();
    threads.setName("http");
    threads.setVirtualThreadsExecutor(VIRTUAL);
    Server server = new Server(threads);
    HttpConfiguration config = new HttpConfiguration();
    config.setSendServerVersion(false);
    config.setSendXPoweredBy(false);
    ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(config));
    connector.setHost(host);
    connector.setPort(port);
    connector.setAcceptQueueSize(ACCEPT_QUEUE);
    if (bound.isPresent()) {
      connector.open(bound.get());
    }
    connector.setIdleTimeout(Duration.ofMinutes(10).toMillis());
    server.addConnector(connector);
    Handler.Sequence app = new Handler.Sequence(application.apply(server), new NotFound());
    Handler.Sequence root = new Handler.Sequence(new HealthEndpoints(readiness, recent, version),
        new OnVirtualThread(new Handler.Sequence(new WebUi(), new StartingGate(readiness, app))));
    server.setHandler(new GracefulHandler(new NoSniff(root)));
    server.setErrorHandler(new JsonErrors());
    server.setStopAtShutdown(false);
    server.start();
    return new HttpServer(server, connector);
  }

  /**
   * The listening socket for {@code port} on {@code host}, bound before anything else of the service loads, or empty when
   * that cannot be done here: {@link #start} then binds, and reports why it cannot.
   */
  public static Optional<ServerSocketChannel> bindEarly(String host, int port) {
    try {
      ServerSocketChannel channel = ServerSocketChannel.open();
      try {
        channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        channel.bind(new InetSocketAddress(host, port), ACCEPT_QUEUE);
        return Optional.of(channel);
      } catch (IOException | RuntimeException e) {
        channel.close();
        return Optional.empty();
      }
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** The bound port. */
  public int port() {
    return connector.getLocalPort();
  }

  /** Stops accepting, lets requests in flight finish for up to {@code grace}, then closes. */
  public void stop(Duration grace) throws Exception {
    server.setStopTimeout(grace.toMillis());
    server.stop();
  }

  @Override
  public void close() throws Exception {
    stop(Duration.ofSeconds(1));
  }

  /** Every reply, the API's, the health endpoints', the metrics' and the pages', says {@code nosniff}. */
  private static final class NoSniff extends Handler.Wrapper {
    NoSniff(Handler handler) {
      super(handler);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      response.getHeaders().put(Replies.NOSNIFF, "nosniff");
      return super.handle(request, response, callback);
    }
  }

  /** Where requests other than the health endpoints' run, and the WebSocket frames. */
  private static final Executor VIRTUAL = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("http-", 0).factory());

  /**
   * Hands a request to a virtual thread of its own and returns at once, so the platform thread that parsed it goes
   * back to Jetty: non-blocking to Jetty, which therefore calls the health endpoints in place, on its own threads.
   */
  private static final class OnVirtualThread extends Handler.Wrapper {
    OnVirtualThread(Handler handler) {
      super(handler);
    }

    @Override
    public InvocationType getInvocationType() {
      return InvocationType.NON_BLOCKING;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      VIRTUAL.execute(() -> {
        try {
          if (!super.handle(request, response, callback)) {
            Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404);
          }
        } catch (Throwable failure) {
          Response.writeError(request, response, callback, failure);
        }
      });
      return true;
    }
  }

  /** 404 in the API's error shape for any path no route took. */
  private static final class NotFound extends Handler.Abstract.NonBlocking {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      return Replies.error(response, callback, 404, "not_found",
          "no route " + request.getMethod() + " " + Replies.path(request));
    }
  }

  /** Errors Jetty raises itself (bad requests, failures in a handler) in the API's JSON shape, no stacks. */
  private static final class JsonErrors extends ErrorHandler {
    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
        Callback callback) {
      String reason = HttpStatus.getMessage(code);
      Replies.error(response, callback, code, reason.toLowerCase().replace(' ', '_'),
          code >= 500 ? "the server failed to handle this request" : message == null ? reason : message);
    }
  }
}

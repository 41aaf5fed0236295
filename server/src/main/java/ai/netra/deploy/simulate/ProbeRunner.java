package ai.netra.deploy.simulate;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * Runs a {@link ProbeSpec} against the service on the probe's own schedule (attempt k at the
 * initial delay + (k - 1) x period after launch), as Cloud Run would, and keeps the result: passed at which attempt and
 * when, or failed after the last one.
 */
final class ProbeRunner implements AutoCloseable {

  /** How the probe ended; {@code atNanos} is {@link System#nanoTime()} of the deciding attempt's end. */
  record Result(boolean passed, int attempts, long atNanos, String lastFailure) { }

  private final ProbeSpec spec;
  private final int port;
  private final long originNanos;
  private final ProcessHandle process;
  private final HttpClient http;
  private final Thread thread;
  private volatile Result result;

  ProbeRunner(ProbeSpec spec, int port, long originNanos, ProcessHandle process) {
    this.spec = spec;
    this.port = port;
    this.originNanos = originNanos;
    this.process = process;
    this.http = HttpClient.newBuilder().connectTimeout(spec.timeout()).build();
    this.thread = Thread.ofPlatform().daemon().name("netra-simulate-probe").unstarted(this::run);
  }

  ProbeRunner start() {
    thread.start();
    return this;
  }

  /** The result once the probe passed or gave up. */
  Optional<Result> result() {
    return Optional.ofNullable(result);
  }

  private void run() {
    String lastFailure = "no attempt yet";
    for (int attempt = 1; attempt <= spec.failureThreshold(); attempt++) {
      long due = originNanos + spec.initialDelay().toNanos() + spec.period().toNanos() * (attempt - 1);
      try {
        long wait = due - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(Duration.ofNanos(wait));
        }
      } catch (InterruptedException e) {
        return; // closed
      }
      if (!process.isAlive()) {
        result = new Result(false, attempt - 1, System.nanoTime(), "the instance exited before the probe passed");
        return;
      }
      String failure = attempt();
      if (failure == null) {
        result = new Result(true, attempt, System.nanoTime(), null);
        return;
      }
      lastFailure = failure;
    }
    result = new Result(false, spec.failureThreshold(), System.nanoTime(), lastFailure);
  }

  /** One attempt: null when it passed, else what went wrong. */
  private String attempt() {
    if (spec.kind() == ProbeSpec.Kind.TCP) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), (int) spec.timeout().toMillis());
        return null;
      } catch (IOException e) {
        return "connect: " + e.getMessage();
      }
    }
    try {
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/startup"))
          .timeout(spec.timeout()).GET().build();
      HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
      int status = response.statusCode();
      return status >= 200 && status < 400 ? null : "GET /health/startup answered " + status;
    } catch (IOException e) {
      return "GET /health/startup: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  @Override
  public void close() {
    thread.interrupt();
    try {
      thread.join(Duration.ofSeconds(2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    http.close();
  }
}

package ai.netra.llm;

import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.BodySubscribers;
import java.net.http.HttpResponse.ResponseInfo;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP exchange whose answer the caller reads as a queue of events (the status and headers,
 * then each line of a 2xx body, or the whole body of any other answer), so that every wait has
 * a deadline the caller chooses: a stalled stream is a timed-out poll, never a blocked read.
 */
final class StreamingExchange {

  /** Something the exchange delivered. */
  sealed interface Event permits Head, Line, Body, End, Failed { }

  /** The status line and headers; always the first event unless the exchange {@link Failed} before. */
  record Head(int status, HttpHeaders headers) implements Event { }

  /** One line of a 2xx body, without its terminator. */
  record Line(String text) implements Event { }

  /** The whole body of an answer that is not 2xx. */
  record Body(String text) implements Event { }

  /** A 2xx body ended. */
  record End() implements Event { }

  /** No answer, or the body broke off. */
  record Failed(Throwable cause) implements Event { }

  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final CompletableFuture<HttpResponse<String>> response;
  private final Object lock = new Object();
  private Flow.Subscription subscription;
  private boolean cancelled;

  private StreamingExchange(HttpClient client, HttpRequest request) {
    response = client.sendAsync(request, this::subscriber);
    response.whenComplete((answer, failure) -> {
      if (failure != null) {
        events.add(new Failed(failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure));
      } else if (!successful(answer.statusCode())) {
        events.add(new Body(answer.body() == null ? "" : answer.body()));
      }
    });
  }

  static StreamingExchange send(HttpClient client, HttpRequest request) {
    return new StreamingExchange(client, request);
  }

  static boolean successful(int status) {
    return status >= 200 && status < 300;
  }

  /** The next event, waiting at most {@code wait}; null when none came in time. */
  Event next(Duration wait) throws InterruptedException {
    long nanos = wait.toNanos();
    return nanos <= 0 ? events.poll() : events.poll(nanos, TimeUnit.NANOSECONDS);
  }

  /** Stops the exchange and frees its connection; safe to call at any time, more than once. */
  void cancel() {
    Flow.Subscription current;
    synchronized (lock) {
      cancelled = true;
      current = subscription;
    }
    if (current != null) {
      current.cancel();
    }
    response.cancel(true);
  }

  private BodySubscriber<String> subscriber(ResponseInfo info) {
    events.add(new Head(info.statusCode(), info.headers()));
    if (!successful(info.statusCode())) {
      return BodySubscribers.ofString(StandardCharsets.UTF_8);
    }
    return BodySubscribers.fromLineSubscriber(new Lines(), lines -> null, StandardCharsets.UTF_8, null);
  }

  /** Puts each line of the body on the queue as it arrives. */
  private final class Lines implements Flow.Subscriber<String> {

    @Override
    public void onSubscribe(Flow.Subscription given) {
      boolean cancelNow;
      synchronized (lock) {
        subscription = given;
        cancelNow = cancelled;
      }
      if (cancelNow) {
        given.cancel();
      } else {
        given.request(Long.MAX_VALUE); // a reply is small, and the caller drains it as it comes
      }
    }

    @Override
    public void onNext(String line) {
      events.add(new Line(line));
    }

    @Override
    public void onError(Throwable failure) {
      events.add(new Failed(failure));
    }

    @Override
    public void onComplete() {
      events.add(new End());
    }
  }
}

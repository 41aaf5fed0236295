package ai.netra.deploy.verify;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/**
 * The deployed service as the gates reach it: its base URL, one HTTP client, and the Cloud Run
 * identity token (sent as {@code X-Serverless-Authorization}, so that {@code Authorization} stays
 * free for the service's own token) when the service is not public.
 */
final class ServiceEndpoint implements AutoCloseable {

  /** One request's answer, or {@code failure} (no answer: refused, timed out) with status -1. */
  record Answer(int status, String body, long tookMs, String failure) {
    boolean answered() {
      return failure == null;
    }

    /** {@code 200}, {@code 503} or the failure, for messages. */
    String describe() {
      return answered() ? String.valueOf(status) : "no answer (" + failure + ")";
    }
  }

  /** No single request waits longer than this, whatever the gate's deadline. */
  static final Duration MAX_REQUEST = Duration.ofSeconds(5);

  private final URI base;
  private final String identityToken;
  private final HttpClient http;

  ServiceEndpoint(URI base, String identityToken) {
    String text = base.toString();
    this.base = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
    this.identityToken = identityToken;
    this.http = HttpClient.newBuilder().connectTimeout(MAX_REQUEST).followRedirects(HttpClient.Redirect.NEVER).build();
  }

  URI base() {
    return base;
  }

  String identityToken() {
    return identityToken;
  }

  /** GET {@code path}, waiting at most {@code within} (and never more than {@link #MAX_REQUEST}). */
  Answer get(String path, Duration within) {
    Duration timeout = within.compareTo(MAX_REQUEST) > 0 ? MAX_REQUEST : within.isNegative() || within.isZero()
        ? Duration.ofMillis(1) : within;
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout).GET()
        .header("User-Agent", "netra-verify");
    if (identityToken != null) {
      request.header("X-Serverless-Authorization", "Bearer " + identityToken);
    }
    long begin = System.nanoTime();
    try {
      HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Answer(response.statusCode(), response.body(), (System.nanoTime() - begin) / 1_000_000, null);
    } catch (HttpConnectTimeoutException e) {
      return new Answer(-1, "", (System.nanoTime() - begin) / 1_000_000, "connect timed out");
    } catch (HttpTimeoutException e) {
      return new Answer(-1, "", (System.nanoTime() - begin) / 1_000_000, "no answer within " + timeout.toMillis() + " ms");
    } catch (IOException e) {
      String why = e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
      if (e instanceof java.net.ConnectException) {
        why = "connection refused";
      }
      return new Answer(-1, "", (System.nanoTime() - begin) / 1_000_000, why);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Answer(-1, "", (System.nanoTime() - begin) / 1_000_000, "interrupted");
    }
  }

  HttpClient client() {
    return http;
  }

  @Override
  public void close() {
    http.close();
  }
}

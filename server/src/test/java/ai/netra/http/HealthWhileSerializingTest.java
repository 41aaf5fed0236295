package ai.netra.http;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.health.HealthMonitor;
import ai.netra.health.Readiness;
import ai.netra.json.Json;
import ai.netra.startup.Outcome;
import ai.netra.startup.StartupReport;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.ResolvableSerializer;
import com.fasterxml.jackson.databind.ser.SerializerCache;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

/**
 * The health endpoints answer while other work holds the shared JSON mapper's lock. Jackson builds a serializer the
 * first time it meets a type and holds its cache's lock while it resolves it; every write through that mapper meanwhile
 * waits. On one CPU a chat run serializing its first events held health probes up that way for 60 to 250 ms.
 */
class HealthWhileSerializingTest {

  private static final CountDownLatch RESOLVING = new CountDownLatch(1);
  private static final CountDownLatch RELEASE = new CountDownLatch(1);

  /**
   * A type whose serializer, once built, takes until {@link #RELEASE} to resolve where Jackson resolves it while holding
   * its cache's lock (it resolves it once before, without the lock).
   */
  @JsonSerialize(using = SlowToResolve.class)
  record FirstSeen(String name) { }

  static final class SlowToResolve extends JsonSerializer<FirstSeen> implements ResolvableSerializer {
    @Override
    public void resolve(SerializerProvider provider) {
      boolean cacheLocked = StackWalker.getInstance().walk(frames -> frames.anyMatch(f ->
          f.getClassName().equals(SerializerCache.class.getName()) && f.getMethodName().equals("addAndResolveNonTypedSerializer")));
      if (!cacheLocked) {
        return;
      }
      RESOLVING.countDown();
      try {
        RELEASE.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void serialize(FirstSeen value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
      gen.writeString(value.name());
    }
  }

  @Test
  void everyHealthPathAnswersWhileTheSharedMapperIsBusyWithANewType() throws Exception {
    HealthMonitor monitor = new HealthMonitor(Duration.ofSeconds(1), Duration.ofMillis(500));
    Readiness readiness = new Readiness(() -> new StartupReport(Outcome.READY, "FINALIZE", 900, 240_000, List.of(), null),
        monitor);
    readiness.open();
    HttpServer server = HttpServer.start("127.0.0.1", 0, Optional.empty(), readiness, jetty -> new Handler.Abstract.NonBlocking() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) {
        return Replies.json(response, callback, 200, Map.of("route", "application"));
      }
    }, "test");
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    Thread writer = Thread.ofPlatform().start(() -> Json.write(new FirstSeen("chat event")));
    try {
      assertThat(RESOLVING.await(10, TimeUnit.SECONDS)).as("the shared mapper is resolving the new type").isTrue();
      for (String path : List.of("/health/live", "/health/ready", "/health/startup", "/health")) {
        long started = System.nanoTime();
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
            + path)).timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path).isIn(200, 503);
        assertThat(response.body()).as(path).startsWith("{");
        assertThat(response.headers().firstValue("Server-Timing")).as(path).hasValueSatisfying(timing ->
            assertThat(timing).matches("server;dur=[0-9]+\\.[0-9]"));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as(path).isLessThan(Duration.ofSeconds(1));
      }
      assertThat(writer.isAlive()).as("the shared mapper was still busy the whole time").isTrue();
    } finally {
      RELEASE.countDown();
      writer.join(10_000);
      http.close();
      server.close();
      monitor.close();
    }
  }
}

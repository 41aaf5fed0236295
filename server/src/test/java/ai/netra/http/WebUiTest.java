package ai.netra.http;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.health.HealthMonitor;
import ai.netra.health.Readiness;
import ai.netra.startup.Outcome;
import ai.netra.startup.StartupReport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The pages and their assets from the jar's {@code web/} folder, through the real server and its starting gate. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebUiTest {

  private static final Pattern ASSET_REFERENCE = Pattern.compile("(?:src|href)=\"(/assets/[^\"]+)\"");
  private static final Pattern MODULE_IMPORT = Pattern.compile("from '\\./([^']+)'");

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final AtomicReference<Outcome> outcome = new AtomicReference<>(Outcome.STARTING);
  private HealthMonitor monitor;
  private HttpServer server;

  @BeforeAll
  void start() throws Exception {
    monitor = new HealthMonitor(Duration.ofSeconds(1), Duration.ofMillis(500));
    Readiness readiness = new Readiness(() -> new StartupReport(outcome.get(), "DATABASE", 1200, 240_000, List.of(), null),
        monitor);
    readiness.open(); // the gate then follows the outcome alone
    server = HttpServer.start("127.0.0.1", 0, Optional.empty(), readiness, jetty -> new Handler.Abstract.NonBlocking() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) {
        return Replies.json(response, callback, 200, java.util.Map.of("route", "application"));
      }
    }, "test");
  }

  @AfterAll
  void stop() throws Exception {
    http.close(); // its idle keep-alive connections would hold the server's graceful stop until its timeout
    server.close();
    monitor.close();
  }

  @BeforeEach
  void starting() {
    outcome.set(Outcome.STARTING);
  }

  private HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .timeout(Duration.ofSeconds(5));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theChatAndTheStartupPagesAreServedWhileTheServiceIsStarting() throws Exception {
    HttpResponse<String> chat = get("/");
    assertThat(chat.statusCode()).as("/ while starting").isEqualTo(200);
    assertThat(chat.headers().firstValue("Content-Type")).hasValue("text/html;charset=utf-8");
    assertThat(chat.body()).contains("<script type=\"module\" src=\"/assets/chat.js\"></script>");

    HttpResponse<String> startup = get("/startup");
    assertThat(startup.statusCode()).as("/startup while starting").isEqualTo(200);
    assertThat(startup.body()).contains("src=\"/assets/startup.js\"");

    assertThat(get("/api/threads").statusCode()).as("the API stays behind the gate").isEqualTo(503);
  }

  @Test
  void pagesAreRevalidatedEachTimeAndAnUnchangedOneIsAnswered304() throws Exception {
    for (String path : List.of("/", "/startup", "/assets/chat.js", "/assets/app.css")) {
      HttpResponse<String> first = get(path);
      assertThat(first.headers().firstValue("Cache-Control")).as(path + " cache control").hasValue("no-cache");
      assertThat(first.headers().firstValue("ETag")).as(path + " ETag").isPresent();
      HttpResponse<String> again = get(path, "If-None-Match", first.headers().firstValue("ETag").orElseThrow());
      assertThat(again.statusCode()).as(path + " asked again with its ETag").isEqualTo(304);
      assertThat(again.body()).isEmpty();
    }
  }

  @Test
  void everyAssetThePagesLoadIsPackagedWithItsContentType() throws Exception {
    Set<String> assets = new LinkedHashSet<>();
    Deque<String> toRead = new ArrayDeque<>();
    for (String page : List.of("/", "/startup")) {
      Matcher m = ASSET_REFERENCE.matcher(get(page).body());
      while (m.find()) {
        toRead.add(m.group(1));
      }
    }
    while (!toRead.isEmpty()) {
      String asset = toRead.pop();
      if (!assets.add(asset)) {
        continue;
      }
      HttpResponse<String> response = get(asset);
      assertThat(response.statusCode()).as(asset + " is packaged").isEqualTo(200);
      assertThat(response.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
      if (asset.endsWith(".js")) {
        assertThat(response.headers().firstValue("Content-Type")).as(asset).hasValue("text/javascript;charset=utf-8");
        Matcher imports = MODULE_IMPORT.matcher(response.body());
        while (imports.find()) {
          toRead.add("/assets/" + imports.group(1));
        }
      }
    }
    assertThat(assets).contains("/assets/chat.js", "/assets/startup.js", "/assets/app.css", "/assets/events.js",
        "/assets/chat-socket.js", "/assets/api.js", "/assets/dom.js", "/assets/favicon.svg");
    assertThat(get("/assets/app.css").headers().firstValue("Content-Type")).hasValue("text/css;charset=utf-8");
  }

  @Test
  void thePagesMayLoadOnlyTheirOwnScriptsAndCannotBeFramed() throws Exception {
    String policy = get("/").headers().firstValue("Content-Security-Policy").orElseThrow();
    assertThat(policy).contains("default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'");
    assertThat(policy).doesNotContain("unsafe-inline", "unsafe-eval");
  }

  @Test
  void theChartAndMarkdownLibrariesAreServedFromTheirWebJarsUnderAPathWithoutTheirVersion() throws Exception {
    for (String path : List.of("/assets/vendor/uplot/uPlot.iife.min.js", "/assets/vendor/markdown-it/markdown-it.min.js")) {
      HttpResponse<String> library = get(path);
      assertThat(library.statusCode()).as(path + " while starting").isEqualTo(200);
      assertThat(library.headers().firstValue("Content-Type")).as(path).hasValue("text/javascript;charset=utf-8");
      assertThat(library.headers().firstValue("Content-Security-Policy")).as(path).hasValue(WebUi.CONTENT_SECURITY_POLICY);
      assertThat(library.headers().firstValue("Cache-Control")).as(path).hasValue("no-cache");
      assertThat(library.body()).as(path).hasSizeGreaterThan(40_000);
    }
    assertThat(get("/assets/vendor/uplot/uPlot.min.css").headers().firstValue("Content-Type")).hasValue("text/css;charset=utf-8");
    assertThat(get("/assets/vendor/markdown-it/markdown-it.min.js").body()).startsWith("/*! markdown-it 14.");
  }

  /** Issue 19: no API description; now /openapi.json and a page that renders it from the jar, under the page CSP. */
  @Test
  void theApiDescriptionAndItsPageAreServedFromTheJarUnderThePagePolicy() throws Exception {
    HttpResponse<String> description = get("/openapi.json");
    assertThat(description.statusCode()).as("/openapi.json while starting").isEqualTo(200);
    assertThat(description.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
    assertThat(description.body()).contains("\"openapi\": \"3.1.0\"");
    HttpResponse<String> page = get("/api-docs");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Security-Policy")).hasValue(WebUi.CONTENT_SECURITY_POLICY);
    Matcher m = ASSET_REFERENCE.matcher(page.body());
    List<String> assets = new java.util.ArrayList<>();
    while (m.find()) {
      assets.add(m.group(1));
    }
    assertThat(assets).as("what the page loads: only files of this origin")
        .containsExactlyInAnyOrder("/assets/vendor/swagger-ui/swagger-ui.css", "/assets/vendor/swagger-ui/swagger-ui-bundle.js",
            "/assets/api-docs.js");
    for (String asset : assets) {
      HttpResponse<String> file = get(asset);
      assertThat(file.statusCode()).as(asset).isEqualTo(200);
      assertThat(file.body()).as(asset).isNotEmpty();
    }
    assertThat(get("/assets/api-docs.js").body()).contains("url: '/openapi.json'", "validatorUrl: null");
    assertThat(page.body()).as("nothing from elsewhere").doesNotContain("http://", "https://");
  }

  @Test
  void onlyTheDistFolderOfAKnownLibraryIsServed() throws Exception {
    for (String path : List.of("/assets/vendor/uplot/", "/assets/vendor/uplot", "/assets/vendor/nope/x.js",
        "/assets/vendor/uplot/nope.js")) {
      assertThat(get(path).statusCode()).as(path).isEqualTo(404);
    }
    for (String path : List.of("/assets/vendor/uplot/../package.json", "/assets/vendor/uplot/%2e%2e/package.json",
        "/assets/vendor/uplot/..%2fpackage.json", "/assets/vendor//uPlot.min.css")) {
      assertThat(get(path).statusCode()).as(path + ", outside dist/").isNotEqualTo(200);
    }
  }

  @Test
  void aMissingAssetIs404AndNoFolderIsListedEvenWhileStarting() throws Exception {
    HttpResponse<String> missing = get("/assets/nope.js");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.body()).contains("\"code\":\"not_found\"");
    assertThat(get("/assets/").statusCode()).as("the assets folder itself").isNotEqualTo(200);
    assertThat(get("/assets/../index.html").statusCode()).as("a path out of the assets").isNotEqualTo(200);
  }

  @Test
  void onlyTheUisOwnPathsPassTheGateAndOtherPathsReachTheApplicationOnceServing() throws Exception {
    assertThat(get("/index.html").statusCode()).as("a file name that is not a page path, while starting").isEqualTo(503);
    outcome.set(Outcome.READY);
    assertThat(get("/index.html").body()).as("once serving, other paths belong to the application").contains("application");
    assertThat(get("/").body()).as("/ is still the chat page").contains("/assets/chat.js");
  }

  @Test
  void writingToAPageIsRefusedWith405() throws Exception {
    HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/"))
        .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
  }
}

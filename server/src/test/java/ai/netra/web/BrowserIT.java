package ai.netra.web;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.auth.SigningKey;
import ai.netra.auth.Tokens;
import ai.netra.config.Settings;
import ai.netra.testing.IdentityProvider;
import ai.netra.testing.ServiceProcess;
import ai.netra.testing.TestDependencies;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * The web pages in a real browser (Debian's headless Chromium driven by playwright-core, both put in place by
 * {@code bin/prepare-tests}) against the real jar:
 * the chat with its streamed agent events and its history, answers as cards with charts at desktop and phone width,
 * the usage import, the startup timeline against /health/startup, and the banner while the service starts.
 * Screenshots land in {@code target/screenshots}; the README's {@code docs/chat-desktop.png} and
 * {@code docs/chat-phone.png} are copies of its {@code readme-chat-desktop.png} and {@code readme-chat-phone.png}. A
 * failure prints the pages' console errors, uncaught exceptions and failed requests.
 */
@Isolated("a browser and its pages need the CPUs to themselves: waits of the page's own, such as its reconnect backoff,"
    + " outlast the script's deadlines on a machine busy with other tests")
class BrowserIT {

  private static final String SECRET = "browser-it-secret-0123456789abcdefghijklmno";
  private static final Duration CHECK = Duration.ofSeconds(30);
  private static final Duration RUN = Duration.ofMinutes(3);
  private static final Path SCREENSHOTS = Path.of("target", "screenshots");
  private static ServiceProcess service;
  private static Tokens tokens;

  @BeforeAll
  static void start() throws Exception {
    try (BrowserScript check = BrowserScript.start("--check")) {
      assertThat(check.awaitExit(CHECK)).as("chromium, Node.js and playwright-core are in place (bin/prepare-tests puts them"
          + " there; the tests install nothing):\n" + check.output()).isZero();
    }
    service = ServiceProcess.start(Map.of("JWT_SECRET_KEY", SECRET));
    service.awaitStatus("/health/ready", 200, Duration.ofSeconds(60));
    tokens = new Tokens(SigningKey.load(Settings.read(Map.of("JWT_SECRET_KEY", SECRET))));
  }

  @AfterAll
  static void stop() {
    if (service != null) {
      service.close();
    }
  }

  private static String token(String user) {
    return tokens.mint(user + "-" + TestDependencies.RUN, Duration.ofMinutes(10));
  }

  private static String lastLines(String text, int n) {
    java.util.List<String> lines = text.lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
  }

  private static void passes(BrowserScript script) throws InterruptedException {
    int exit = script.awaitExit(RUN);
    assertThat(exit).as("the browser checks pass; what the script saw:\n" + script.output()
        + "\nthe service's last log lines:\n" + lastLines(service == null ? "" : service.outputText(), 60)).isZero();
  }

  @Test
  void chatSignsInStreamsTheFiveEventsAndKeepsTheThreadAcrossAReload() throws Exception {
    try (BrowserScript chat = BrowserScript.start("chat", "--url", service.uri("").toString(), "--token", token("browser"),
        "--screenshots", SCREENSHOTS.toString())) {
      passes(chat);
    }
  }

  /** Issue 17: a new user had no way in from the page, and "hello, who are you?" got a usage report. */
  @Test
  void aUserWithoutDataIsShownTheFormatGreetedWithExamplesAndImportsAFileInThePage() throws Exception {
    try (BrowserScript usage = BrowserScript.start("usage", "--url", service.uri("").toString(), "--token", token("usage"),
        "--screenshots", SCREENSHOTS.toString())) {
      passes(usage);
    }
  }

  /**
   * Issue 17: answers buried under an expanded figures dump, no charts, the page cut off at 390 px. Each example
   * question at 1280 and 390 px: no sideways scroll, a drawn chart, the figures collapsed, a silent console.
   */
  @Test
  void theFourExampleQuestionsAreAnsweredWithCardsAndChartsAtDesktopAndPhoneWidth() throws Exception {
    try (BrowserScript answers = BrowserScript.start("answers", "--url", service.uri("").toString(), "--token",
        token("answers"), "--screenshots", SCREENSHOTS.toString())) {
      passes(answers);
    }
  }

  /** Issue 16: the page signs in with an identity provider's token, from a #token= link and pasted. */
  @Test
  void thePageSignsInWithAnIdentityProvidersToken() throws Exception {
    String user = "idp-browser-" + TestDependencies.RUN;
    try (IdentityProvider idp = IdentityProvider.start();
        ServiceProcess withIdp = ServiceProcess.start(Map.of("JWT_SECRET_KEY", SECRET, "AUTH_JWKS_URL", idp.jwksUrl(),
            "AUTH_ISSUER", IdentityProvider.ISSUER, "AUTH_AUDIENCE", IdentityProvider.AUDIENCE))) {
      withIdp.awaitStatus("/health/ready", 200, Duration.ofSeconds(60));
      try (BrowserScript signin = BrowserScript.start("signin", "--url", withIdp.uri("").toString(), "--token",
          idp.rs256(user), "--user", user)) {
        int exit = signin.awaitExit(RUN);
        assertThat(exit).as("the browser signs in with the provider's token; what the script saw:\n" + signin.output()
            + "\nthe service's last log lines:\n" + lastLines(withIdp.outputText(), 60)).isZero();
      }
    }
  }

  @Test
  void startupPageShowsEveryPhaseAndStepOfTheReport() throws Exception {
    try (BrowserScript startup = BrowserScript.start("startup", "--url", service.uri("").toString(),
        "--screenshots", SCREENSHOTS.toString())) {
      passes(startup);
    }
  }

  @Test
  void chatShowsTheStartingBannerWhileTheServiceStartsAndConnectsOnceReady() throws Exception {
    // The browser is up before the service starts, so the slow step is still running when the page first loads.
    try (BrowserScript starting = BrowserScript.start("starting", "--token", token("starting"),
        "--screenshots", SCREENSHOTS.toString())) {
      starting.awaitLine("browser-ready", Duration.ofSeconds(60));
      try (ServiceProcess slow = ServiceProcess.start(Map.of("JWT_SECRET_KEY", SECRET,
          "NETRA_TEST_FAULTS", "slow:DATABASE:database:critical:6000"))) {
        slow.awaitListening(Duration.ofSeconds(30));
        assertThat(slow.json("/health/startup").path("outcome").asText()).as("the service is still starting")
            .isEqualTo("STARTING");
        starting.writeLine(slow.uri("").toString());
        passes(starting);
      }
    }
  }
}

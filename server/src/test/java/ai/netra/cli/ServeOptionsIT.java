package ai.netra.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.netra.testing.ServiceProcess;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 19: `serve` takes the same inputs as the other commands, --env-file (the format check reads) and --port. */
class ServeOptionsIT {

  private static final Duration START = Duration.ofSeconds(90);

  @Test
  void serveReadsItsSettingsFromAnEnvFileAndListensOnTheGivenPort(@TempDir Path dir) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path envFile = Files.writeString(dir.resolve("local.env"), "# as netra check reads it\nNETRA_LOG_FORMAT=json\n"
        + "export LLM_MODEL=offline\n");
    try (ServiceProcess service = ServiceProcess.start(Map.of(), "serve", "--env-file", envFile.toString(),
        "--port", String.valueOf(port))) {
      HttpClient http = HttpClient.newHttpClient();
      await("ready on --port " + port).atMost(START).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() ->
          http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready")).build(),
              HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
      assertThat(service.output()).as("log lines in the env file's NETRA_LOG_FORMAT=json")
          .anyMatch(line -> line.startsWith("{") && line.contains("\"severity\""));
      assertThat(service.outputText()).as("PORT from the environment is overridden by --port")
          .doesNotContain("listening on port " + service.port());
    }
  }

  @Test
  void serveRefusesASecretReferenceItCannotResolveWithExitTwo(@TempDir Path dir) throws Exception {
    Path envFile = Files.writeString(dir.resolve("staging.env"), "NETRA_ENV=staging\nJWT_SECRET_KEY=sm://netra-jwt\n");
    try (ServiceProcess service = ServiceProcess.start(Map.of(), "serve", "--env-file", envFile.toString())) {
      assertThat(service.awaitExit(START)).as("exit code").isEqualTo(2);
      assertThat(service.outputText()).contains("JWT_SECRET_KEY given as a Secret Manager reference",
          "give its value in this shell's environment");
    }
    Path missing = dir.resolve("missing.env");
    try (ServiceProcess service = ServiceProcess.start(Map.of(), "serve", "--env-file", missing.toString())) {
      assertThat(service.awaitExit(START)).as("exit code for a missing env file").isEqualTo(2);
      assertThat(service.outputText()).contains(missing.toString());
    }
  }
}

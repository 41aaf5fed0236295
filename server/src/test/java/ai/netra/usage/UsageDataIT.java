package ai.netra.usage;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.auth.SigningKey;
import ai.netra.auth.Tokens;
import ai.netra.config.Settings;
import ai.netra.testing.ServiceProcess;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The usage data of the development defaults, through the real jar: demo history, prices, upload, and `netra import`. */
class UsageDataIT {

  private static final Duration START = Duration.ofSeconds(90);
  private static final String CSV = "occurred_at,provider,model,feature,prompt_tokens,completion_tokens\n"
      + "2025-09-01T10:00:00Z,openai,gpt-4o,support-chat,1200,250\n"
      + "2025-09-01T11:00:00Z,google,gemini-2.0-flash,summarize,3000,300\n";

  @Test
  void developmentStartsWithDemoUsageAndImportsShareTheRunningEmbeddedDatabase() throws Exception {
    Path data = Files.createTempDirectory("netra-usage", PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rwxr-xr-x")));
    Map<String, String> env = Map.of("DATABASE_URL", "", "NETRA_DATA_DIR", data.toString());
    try (ServiceProcess service = ServiceProcess.start(env)) {
      service.awaitStatus("/health/ready", 200, START);
      JsonNode report = service.json("/health/startup");
      assertThat(ServiceProcess.step(report, "price-catalog").path("status").asText()).isEqualTo("OK");
      assertThat(ServiceProcess.step(report, "price-catalog").path("detail").asText()).contains("models");
      JsonNode demo = ServiceProcess.step(report, "demo-usage");
      assertThat(demo.path("status").asText()).as("demo-usage step: %s", demo).isEqualTo("OK");
      assertThat(demo.path("detail").asText()).contains("demo usage rows for user dev", "spike: code-review");

      Path file = data.resolve("calls.csv");
      Files.writeString(file, CSV);
      try (ServiceProcess cli = ServiceProcess.start(env, "import", file.toString(), "--user", "alice")) {
        assertThat(cli.awaitExit(START)).as("netra import exit code; output:%n%s", cli.outputText()).isZero();
        assertThat(cli.outputText()).contains("imported 2 rows for user alice");
      }
      assertThat(service.get("/health/ready").statusCode()).as("the service's database survived the import").isEqualTo(200);

      String token = new Tokens(SigningKey.load(Settings.read(env))).mint("alice", Duration.ofMinutes(5));
      HttpResponse<String> upload = service.send(HttpRequest.newBuilder(service.uri("/api/usage"))
          .header("Authorization", "Bearer " + token).header("Content-Type", "text/csv")
          .POST(HttpRequest.BodyPublishers.ofString(CSV)).timeout(Duration.ofSeconds(20)).build());
      assertThat(upload.statusCode()).as(upload.body()).isEqualTo(200);
      assertThat(ServiceProcess.parse(upload.body()).path("imported").asInt()).isEqualTo(2);
    }
    try (ServiceProcess restarted = ServiceProcess.start(env)) {
      restarted.awaitStatus("/health/ready", 200, START);
      assertThat(ServiceProcess.step(restarted.json("/health/startup"), "demo-usage").path("detail").asText())
          .as("a restart keeps the history it made").contains("already has", "none generated");
    }
  }
}

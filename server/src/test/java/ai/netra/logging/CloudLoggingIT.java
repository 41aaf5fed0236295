package ai.netra.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.testing.ServiceProcess;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** On Cloud Run (K_SERVICE set) every log line is one JSON object in the shape Cloud Logging parses; in development, text. */
class CloudLoggingIT {

  private static final String SECRET = "cloud-logging-it-secret-0123456789abcdefghij";

  @Test
  void onCloudRunEveryLineIsJsonWithSeverityMessageLoggerAndTime() throws Exception {
    Map<String, String> env = new HashMap<>(Map.of("K_SERVICE", "netra", "K_REVISION", "netra-00042-abc", "NETRA_ENV", "development",
        "JWT_SECRET_KEY", SECRET));
    try (ServiceProcess service = ServiceProcess.start(env)) {
      service.awaitStatus("/health/ready", 200, Duration.ofSeconds(60));
      service.get("/health");
      service.terminate();
      assertThat(service.awaitExit(Duration.ofSeconds(15))).isZero();
      int lines = 0;
      for (String line : service.output()) {
        if (line.isBlank()) {
          continue;
        }
        assertThat(line).as("a JSON object per line").startsWith("{");
        JsonNode entry = ServiceProcess.parse(line);
        assertThat(entry.path("severity").asText()).as(line).isIn("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL");
        assertThat(entry.path("message").asText()).as(line).isNotBlank();
        assertThat(entry.path("logger").asText()).as(line).isNotBlank();
        assertThat(entry.path("time").asText()).as(line).matches("\\d{4}-\\d{2}-\\d{2}T.*");
        lines++;
      }
      assertThat(lines).as("the start logs something").isGreaterThan(3);
      assertThat(service.outputText()).doesNotContain(SECRET);
    }
  }

  @Test
  void inDevelopmentLinesAreText() throws Exception {
    try (ServiceProcess service = ServiceProcess.start(Map.of("JWT_SECRET_KEY", SECRET))) {
      service.awaitStatus("/health/ready", 200, Duration.ofSeconds(60));
      assertThat(service.output()).filteredOn(l -> !l.isBlank()).isNotEmpty().noneMatch(l -> l.startsWith("{"));
      assertThat(service.outputText()).doesNotContain(SECRET);
    }
  }
}

package ai.netra.deploy.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.startup.FailureKind;
import ai.netra.startup.StartupFailure;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServiceOutputTest {

  static final List<String> TEXT_LOG = List.of(
      "10:36:39.101 INFO  Service - listening on port 18932 412 ms after JVM start; starting in development",
      "10:36:41.249 ERROR startup - STARTUP FAILED",
      "  event: startup_failed",
      "  exit_code: 3",
      "  kind: DEPENDENCY",
      "  phase: DATABASE",
      "  step: database",
      "  component: database",
      "  cause:",
      "    no success within its 1.0 s timeout after 3 attempts; last error: refused",
      "    java.net.ConnectException: Connection refused",
      "  env:",
      "    DATABASE_URL = SET (47 chars)",
      "    STARTUP_TIMEOUT_DATABASE_S = 1",
      "  elapsed_ms: 1613",
      "  budget_ms: 240000",
      "  hint: check that PostgreSQL runs at 127.0.0.1:1",
      "startup FAILED after 1613 ms");

  @Test
  void theTextRecordIsFoundWholeAndReadBack() {
    List<String> record = ServiceOutput.failureRecord(TEXT_LOG);
    assertThat(record).hasSize(16).first().asString().contains("STARTUP FAILED");
    assertThat(record.getLast()).contains("hint:");
    StartupFailure f = ServiceOutput.parseFailure(record).orElseThrow();
    assertThat(f.exitCode()).isEqualTo(3);
    assertThat(f.kind()).isEqualTo(FailureKind.DEPENDENCY);
    assertThat(f.phase()).isEqualTo("DATABASE");
    assertThat(f.step()).isEqualTo("database");
    assertThat(f.cause()).hasSize(2).first().asString().startsWith("no success within its 1.0 s timeout");
    assertThat(f.settings()).containsExactly("DATABASE_URL", "STARTUP_TIMEOUT_DATABASE_S");
    assertThat(f.elapsedMs()).isEqualTo(1613);
    assertThat(f.hint()).isEqualTo("check that PostgreSQL runs at 127.0.0.1:1");
  }

  @Test
  void theJsonRecordIsOneLineAndReadBack() {
    String line = "{\"severity\":\"ERROR\",\"event\":\"startup_failed\",\"exit_code\":3,\"kind\":\"DEPENDENCY\",\"phase\":\"CACHE\","
        + "\"step\":\"redis\",\"component\":\"redis\",\"cause\":[\"no success\"],\"env\":{\"REDIS_URL\":\"SET (22 chars)\"},"
        + "\"elapsed_ms\":2100,\"budget_ms\":20000,\"hint\":\"check Redis\"}";
    List<String> record = ServiceOutput.failureRecord(List.of("{\"message\":\"listening\"}", line));
    assertThat(record).containsExactly(line);
    StartupFailure f = ServiceOutput.parseFailure(record).orElseThrow();
    assertThat(f.step()).isEqualTo("redis");
    assertThat(f.settings()).containsExactly("REDIS_URL");
    assertThat(f.budgetMs()).isEqualTo(20000);
  }

  @Test
  void noRecordMeansNothingToRead() {
    assertThat(ServiceOutput.failureRecord(List.of("a", "b"))).isEmpty();
    assertThat(ServiceOutput.parseFailure(List.of())).isEmpty();
  }
}

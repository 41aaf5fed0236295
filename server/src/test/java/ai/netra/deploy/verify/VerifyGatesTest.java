package ai.netra.deploy.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.netra.startup.Criticality;
import ai.netra.startup.Outcome;
import ai.netra.startup.PhaseReport;
import ai.netra.startup.StartupReport;
import ai.netra.startup.StepReport;
import ai.netra.startup.StepStatus;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class VerifyGatesTest {

  @Test
  void percentilesAreNearestRankAndFailuresAre5xxOrNoAnswer() {
    List<ServiceEndpoint.Answer> answers = new ArrayList<>();
    for (int i = 1; i <= 98; i++) {
      answers.add(new ServiceEndpoint.Answer(200, "{}", i, null));
    }
    answers.add(new ServiceEndpoint.Answer(503, "{\"ready\":false,\"failing\":[{\"name\":\"redis\",\"message\":\"no answer\"}]}",
        500, null));
    answers.add(new ServiceEndpoint.Answer(-1, "", 5000, "connection refused"));
    LatencyGate.Stats s = LatencyGate.Stats.of(answers);
    assertThat(s.p50Ms()).isEqualTo(50);
    assertThat(s.p99Ms()).as("p99 of the 99 answered: rank ceil(0.99 x 99) = 99, the slow 503").isEqualTo(500);
    assertThat(s.maxMs()).isEqualTo(500);
    assertThat(s.serverErrors()).isEqualTo(1);
    assertThat(s.noAnswer()).isEqualTo(1);
    assertThat(s.failureRate()).isEqualTo(0.02);
    assertThat(s.firstFailure()).isEqualTo("503 (redis: no answer)");
    assertThat(LatencyGate.percent(0.02)).isEqualTo("2%");
    assertThat(LatencyGate.percent(0.005)).isEqualTo("0.5%");
  }

  @Test
  void rollbackCommandNeedsServiceAndRevisionAndRefusesWhatIsNotACloudRunName() {
    assertThat(new Rollback("chat", "chat-00041-xyz", "europe-west1").command())
        .contains("gcloud run services update-traffic chat --to-revisions=chat-00041-xyz=100 --region=europe-west1");
    assertThat(new Rollback("chat", "chat-00041-xyz", null).command())
        .contains("gcloud run services update-traffic chat --to-revisions=chat-00041-xyz=100");
    Rollback unknown = new Rollback("chat", null, null);
    assertThat(unknown.command()).isEmpty();
    assertThat(unknown.hint()).contains("--previous-revision", "gcloud run services update-traffic SERVICE");
    assertThatThrownBy(() -> new Rollback("chat; rm -rf /", "r1", null)).hasMessageContaining("--service");
    assertThatThrownBy(() -> new Rollback("chat", "Rev_1", null)).hasMessageContaining("--previous-revision");
    assertThatThrownBy(() -> new Rollback("chat", "r1", "us central")).hasMessageContaining("--region");
  }

  @Test
  void aStartOverOneAndAHalfTimesTheBaselineFailsNamingTheStepsThatGrew() {
    StartupReport baseline = report(2000, 300, 200, StepStatus.OK);
    GateResult same = BaselineGate.judge(report(2400, 400, 250, StepStatus.OK), baseline, 1.5);
    assertThat(same.status()).isEqualTo(GateResult.Status.PASS);
    assertThat(same.summary()).contains("1.20x the baseline's 2 s");

    GateResult slower = BaselineGate.judge(report(5000, 3100, 250, StepStatus.DEGRADED), baseline, 1.5);
    assertThat(slower.status()).isEqualTo(GateResult.Status.FAIL);
    assertThat(slower.reasons()).singleElement().asString().contains("2.50x", "limit 1.50x", "grew most: database +2.80 s");
    assertThat(slower.warnings()).singleElement().asString().contains("redis was OK in the baseline and is DEGRADED");
  }

  @Test
  void theSocketLivesUnderTheServiceUrlWithTheMatchingScheme() {
    assertThat(ChatGoldenPath.socketUri(URI.create("https://chat-abc.a.run.app"))).hasToString("wss://chat-abc.a.run.app/ws/chat");
    assertThat(ChatGoldenPath.socketUri(URI.create("http://127.0.0.1:8080/"))).hasToString("ws://127.0.0.1:8080/ws/chat");
    assertThat(ChatGoldenPath.socketUri(URI.create("https://example.com/netra"))).hasToString("wss://example.com/netra/ws/chat");
  }

  @Test
  void aNotReadyAnswerNamesTheReasonAndTheFailingChecks() {
    assertThat(HealthGates.notReady("{\"ready\":false,\"reason\":\"the service is shutting down\",\"failing\":[{\"name\":"
        + "\"database\",\"message\":\"no answer within 800 ms\"}]}"))
        .isEqualTo(" (the service is shutting down; database: no answer within 800 ms)");
    assertThat(HealthGates.notReady("<html>Service Unavailable</html>")).isEqualTo(" (<html>Service Unavailable</html>)");
  }

  private static StartupReport report(long elapsed, long databaseMs, long redisMs, StepStatus redis) {
    return new StartupReport(Outcome.READY, "FINALIZE", elapsed, 240000, List.of(new PhaseReport("DATABASE", StepStatus.OK,
        List.of(new StepReport("database", "database", Criticality.CRITICAL, StepStatus.OK, 1, 100L, 100 + databaseMs, null,
            null), new StepReport("redis", "redis", Criticality.CRITICAL, redis, 1, 100 + databaseMs,
            100 + databaseMs + redisMs, null, null)))), null);
  }
}

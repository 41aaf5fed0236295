package ai.netra.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.netra.startup.Outcome;
import ai.netra.startup.StartupReport;
import ai.netra.startup.StepStatus;
import org.junit.jupiter.api.Test;

class StartupReportJsonTest {

  static final String REPORT = """
      {"outcome":"READY","phase":"FINALIZE","elapsed_ms":1626,"budget_ms":240000,"failure":null,"added_later":true,
       "phases":[{"name":"DATABASE","status":"OK","steps":[{"name":"database","component":"database",
       "criticality":"CRITICAL","status":"OK","attempts":1,"start_ms":718,"end_ms":876,"error":null,
       "detail":"connected"}]}]}""";

  @Test
  void readsTheWireShapeIgnoringFieldsANewerServiceAdds() {
    StartupReport report = StartupReportJson.parse(REPORT);
    assertThat(report.outcome()).isEqualTo(Outcome.READY);
    assertThat(report.elapsedMs()).isEqualTo(1626);
    assertThat(report.steps()).singleElement().satisfies(s -> {
      assertThat(s.status()).isEqualTo(StepStatus.OK);
      assertThat(s.endMs() - s.startMs()).isEqualTo(158);
    });
  }

  @Test
  void somethingElseIsRefusedWithAReason() {
    assertThatThrownBy(() -> StartupReportJson.parse("{\"status\":\"ok\"}")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a startup report");
    assertThatThrownBy(() -> StartupReportJson.parse("<html>503</html>")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a startup report");
  }
}

package ai.netra.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.netra.startup.Outcome;
import ai.netra.startup.StartupReport;
import ai.netra.startup.StepStatus;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
  void theResourcesWrittenAreReadBackAndTheOtherFormsAreReadToo(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("startup.json");
    RecordedStartup.Resources resources = new RecordedStartup.Resources(2.0, MemorySize.mi(512), new MemorySize(300_000_000));
    StartupReportJson.write(new RecordedStartup("sim", StartupReportJson.parse(REPORT), resources), file);
    assertThat(StartupReportJson.recorded(file).resources()).isEqualTo(resources);
    assertThat(StartupReportJson.recorded(file).report().elapsedMs()).isEqualTo(1626);

    String topLevel = REPORT.replace("\"added_later\":true", "\"cpus\":1,\"peak_rss_mib\":470");
    assertThat(StartupReportJson.recorded(topLevel, "r.json").resources()).as("top-level fields in MiB")
        .isEqualTo(new RecordedStartup.Resources(1.0, null, MemorySize.mi(470)));
    String diagnostics = REPORT.replace("\"detail\":\"connected\"", "\"detail\":\"connected\"},{\"name\":\"diagnostics\","
        + "\"component\":\"diagnostics\",\"status\":\"OK\",\"detail\":\"CLOUD_RUN, 1 cpu, memory limit 1024 MiB, java 25\"");
    assertThat(StartupReportJson.recorded(diagnostics, "r.json").resources()).as("the service's own diagnostics step")
        .isEqualTo(new RecordedStartup.Resources(1.0, MemorySize.gi(1), null));
  }

  @Test
  void somethingElseIsRefusedWithAReason() {
    assertThatThrownBy(() -> StartupReportJson.parse("{\"status\":\"ok\"}")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a startup report");
    assertThatThrownBy(() -> StartupReportJson.parse("<html>503</html>")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a startup report");
    assertThatThrownBy(() -> StartupReportJson.recorded("{\"outcome\":\"READY\",\"elapsed_ms\":1,\"budget_ms\":2}", "r.json"))
        .hasMessageContaining("r.json is not a startup report: it has no 'phases'");
  }
}

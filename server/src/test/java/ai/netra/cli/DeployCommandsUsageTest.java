package ai.netra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Usage errors of simulate and verify end with exit 2 and a message naming what to fix, before anything runs. */
class DeployCommandsUsageTest {

  private static final String TOKEN = "eyJhbGciOiJIUzI1NiJ9.secret-token-payload.sig";

  private record Run(int exit, String out, String err) { }

  private static Run run(Callable<Integer> command, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(command);
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void verifyRefusesABadUrlRateOrNameWithExitTwoAndNeverShowsTheToken() {
    Run url = run(new VerifyCommand(Map.of()), "--url", "chat.example.com", "--token", TOKEN);
    assertThat(url.exit()).as("exit for a URL without scheme").isEqualTo(2);
    assertThat(url.err()).contains("--url", "https://");
    Run rate = run(new VerifyCommand(Map.of()), "--url", "https://x.a.run.app", "--max-failure-rate", "lots");
    assertThat(rate.exit()).isEqualTo(2);
    assertThat(rate.err()).contains("--max-failure-rate 'lots'");
    Run name = run(new VerifyCommand(Map.of()), "--url", "https://x.a.run.app", "--service", "Chat Service", "--token", TOKEN);
    assertThat(name.exit()).isEqualTo(2);
    assertThat(name.err()).contains("--service 'Chat Service'");
    assertThat(url.out() + url.err() + name.out() + name.err()).as("the token is never printed").doesNotContain(TOKEN);
    assertThat(run(new VerifyCommand(Map.of())).exit()).as("--url is required").isEqualTo(2);
  }

  @Test
  void verifyRefusesABaselineThatIsNotAFinishedStart(@TempDir Path dir) throws Exception {
    Path starting = Files.writeString(dir.resolve("starting.json"),
        "{\"outcome\":\"STARTING\",\"phase\":\"DATABASE\",\"elapsed_ms\":900,\"budget_ms\":240000,\"phases\":[]}");
    Run run = run(new VerifyCommand(Map.of()), "--url", "http://127.0.0.1:1", "--baseline-report", starting.toString());
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).contains("ended STARTING", "READY or DEGRADED");
    Run missing = run(new VerifyCommand(Map.of()), "--url", "http://127.0.0.1:1", "--baseline-report",
        dir.resolve("nope.json").toString());
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).contains("cannot be read");
  }

  @Test
  void simulateRefusesBadLimitsAndAnUnreadableEnvFileWithExitTwo(@TempDir Path dir) throws Exception {
    assertThat(run(new SimulateCommand(Map.of()), "--memory", "lots").exit()).isEqualTo(2);
    assertThat(run(new SimulateCommand(Map.of()), "--db-latency", "20 seconds").exit()).isEqualTo(2);
    Run probe = run(new SimulateCommand(Map.of()), "--probe", "http2");
    assertThat(probe.exit()).isEqualTo(2);
    assertThat(probe.err()).contains("--probe 'http2' must be tcp or startup");
    Run cpus = run(new SimulateCommand(Map.of()), "--cpus", "0");
    assertThat(cpus.exit()).isEqualTo(2);
    assertThat(cpus.err()).contains("--cpus 0");
    Path envFile = Files.writeString(dir.resolve("bad.env"), "JWT_SECRET_KEY=\"unterminated-secret\n");
    Path jar = Files.createFile(dir.resolve("netra.jar"));
    Run env = run(new SimulateCommand(Map.of()), "--env-file", envFile.toString(), "--jar", jar.toString());
    assertThat(env.exit()).isEqualTo(2);
    assertThat(env.err()).contains("bad.env", "line 1 (JWT_SECRET_KEY)").doesNotContain("unterminated-secret");
    Path refs = Files.writeString(dir.resolve("staging.env"), "JWT_SECRET_KEY=sm://netra-jwt\nLLM_MODEL=offline\n");
    Run ref = run(new SimulateCommand(Map.of()), "--env-file", refs.toString(), "--jar", jar.toString());
    assertThat(ref.exit()).as("a Secret Manager reference the simulated service could not resolve").isEqualTo(2);
    assertThat(ref.err()).contains("JWT_SECRET_KEY given as a Secret Manager reference");
  }

  @Test
  void simulateRunFromClassesSaysToRunItFromTheJar() {
    Run run = run(new SimulateCommand(Map.of()));
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).contains("not from the service jar", "--jar");
  }
}

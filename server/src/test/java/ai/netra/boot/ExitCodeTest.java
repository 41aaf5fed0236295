package ai.netra.boot;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.startup.FailureKind;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Exit codes are decided once: the startup engine's failure kinds agree with them, and every --help lists them. */
class ExitCodeTest {

  @Command(name = "token")
  static final class Token implements Runnable {
    @Override
    public void run() { }
  }

  @Command(name = "netra", mixinStandardHelpOptions = true)
  static final class Root implements Runnable {
    @Override
    public void run() {
      throw new IllegalStateException("a defect nobody caught");
    }
  }

  @Test
  void aFailedStartExitsWithTheCodeTheEngineGivesItsKind() {
    for (FailureKind kind : FailureKind.values()) {
      assertThat(ExitCode.of(kind).code()).as("exit code of a %s failure", kind).isEqualTo(kind.exitCode());
    }
  }

  @Test
  void helpListsEveryCodeAtTheRootAndACommandsOwnCodesUnderIt() {
    CommandLine cli = ExitCode.install(new CommandLine(new Root()).addSubcommand(new Token()));

    String root = cli.getUsageMessage();
    String token = cli.getSubcommands().get("token").getUsageMessage();

    assertThat(root).contains("Exit codes:", "0   success", "1   the verdict is FAIL", "2   usage or configuration error",
        "3   a critical dependency", "4   internal startup defect");
    assertThat(token).contains("Exit codes:", "0   success", "2   usage").doesNotContain("3   a critical dependency");
  }

  @Test
  void anExceptionNoCommandTurnedIntoAResultEndsWithOne() {
    CommandLine cli = ExitCode.install(new CommandLine(new Root()));
    cli.setErr(new PrintWriter(new StringWriter()));

    assertThat(cli.execute()).isEqualTo(ExitCode.FAILED.code());
    assertThat(cli.execute("--no-such-option")).as("a usage error").isEqualTo(ExitCode.INVALID.code());
  }
}

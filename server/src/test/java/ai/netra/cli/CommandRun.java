package ai.netra.cli;

import ai.netra.boot.ExitCode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/** One run of a subcommand in this JVM, as the command line would run it: its exit code and what it printed. */
record CommandRun(int exit, String out, String err) {

  static CommandRun of(Callable<Integer> command, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = ExitCode.install(new CommandLine(command));
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int exit = cli.execute(args);
    return new CommandRun(exit, out.toString(), err.toString());
  }

  /** A file under the test resources' {@code deploy/} folder. */
  static String fixture(String name) {
    try {
      return Path.of(CommandRun.class.getResource("/deploy/" + name).toURI()).toString();
    } catch (URISyntaxException | NullPointerException e) {
      throw new IllegalStateException("no test resource deploy/" + name, e);
    }
  }

  String all() {
    return out + err;
  }
}

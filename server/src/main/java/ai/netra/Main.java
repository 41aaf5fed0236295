package ai.netra;

import ai.netra.boot.Service;
import ai.netra.cli.ServeCommand;
import ai.netra.cli.TokenCommand;
import ai.netra.cli.VersionProvider;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code netra} command line: one subcommand per job, exit codes defined once, here. */
@Command(name = "netra", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = "Netra backend: real-time AI-agent chat with a deterministic, observable startup.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:clean shutdown (SIGTERM) or success",
        "1:anything else (for example the port cannot be bound)",
        "2:configuration invalid: missing or invalid settings, unsafe timeout policy",
        "3:a critical dependency was unavailable within its budget",
        "4:internal startup defect: unexpected exception, missing class"})
public final class Main {

  private Main() { }

  public static void main(String[] args) {
    long origin = Service.jvmStartNanos();
    if (args.length == 1 && args[0].equals("serve")) {
      // The platform's clock runs from process start: building picocli's model by reflection costs
      // ~150 ms on one CPU before the port could bind, so plain `serve` skips it. Everything else,
      // `serve --help` included, goes through picocli below.
      System.exit(new ServeCommand(origin).call());
    }
    CommandLine cli = new CommandLine(new Main());
    cli.addSubcommand(new ServeCommand(origin));
    cli.addSubcommand(new TokenCommand());
    System.exit(cli.execute(args));
  }
}

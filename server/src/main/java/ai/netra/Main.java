package ai.netra;

import ai.netra.boot.ExitCode;
import ai.netra.boot.Service;
import ai.netra.cli.CheckCommand;
import ai.netra.cli.HistoryCommand;
import ai.netra.cli.ImportCommand;
import ai.netra.cli.RepriceCommand;
import ai.netra.cli.PlanCommand;
import ai.netra.cli.ServeCommand;
import ai.netra.cli.SimulateCommand;
import ai.netra.cli.TokenCommand;
import ai.netra.cli.VerifyCommand;
import ai.netra.cli.VersionProvider;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code netra} command line: one subcommand per job, exit codes from {@link ExitCode}. */
@Command(name = "netra", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = "Netra backend: real-time AI-agent chat with a deterministic, observable startup.")
public final class Main {

  private Main() { }

  public static void main(String[] args) {
    JvmProperties.set();
    long origin = Service.jvmStartNanos();
    if (args.length == 1 && args[0].equals("serve")) {
      // Everything else, `serve --help` included, goes through picocli below.
      System.exit(ServeCommand.portFirst(origin));
    }
    System.exit(ExitCode.install(commandLine(origin)).execute(args));
  }

  /** The {@code netra} command and its subcommands; {@code origin} is the JVM's start, as {@code serve} reports it. */
  static CommandLine commandLine(long origin) {
    CommandLine cli = new CommandLine(new Main());
    cli.addSubcommand(new ServeCommand(origin));
    cli.addSubcommand(new TokenCommand());
    cli.addSubcommand(new CheckCommand());
    cli.addSubcommand(new PlanCommand());
    cli.addSubcommand(new ImportCommand());
    cli.addSubcommand(new HistoryCommand());
    cli.addSubcommand(new RepriceCommand());
    cli.addSubcommand(new SimulateCommand());
    cli.addSubcommand(new VerifyCommand());
    return cli;
  }
}

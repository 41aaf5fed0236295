package ai.netra;

import ai.netra.boot.Service;
import ai.netra.cli.CheckCommand;
import ai.netra.cli.ImportCommand;
import ai.netra.cli.PlanCommand;
import ai.netra.cli.ServeCommand;
import ai.netra.cli.SimulateCommand;
import ai.netra.cli.TokenCommand;
import ai.netra.cli.VerifyCommand;
import ai.netra.cli.VersionProvider;
import ai.netra.http.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
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

  /** The listening socket for {@code PORT} (default 8080), or null when that cannot be done here: the service's own bind then reports why. */
  private static ServerSocketChannel bindEarly(String port) {
    try {
      int number = port == null || port.isBlank() ? 8080 : Integer.parseInt(port.trim());
      ServerSocketChannel channel = ServerSocketChannel.open();
      try {
        channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        channel.bind(new InetSocketAddress(number), HttpServer.ACCEPT_QUEUE);
        return channel;
      } catch (IOException | RuntimeException e) {
        channel.close();
        return null;
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  public static void main(String[] args) {
    // The service formats nothing for a user's locale, but Jetty asks for every available locale as
    // it starts, which with the JDK's CLDR data costs ~120 ms of a one-CPU start. Without CLDR the
    // JDK's built-in data (ROOT and English) is used. An explicit -Djava.locale.providers wins.
    if (System.getProperty("java.locale.providers") == null) {
      System.setProperty("java.locale.providers", "HOST");
    }
    if (args.length == 1 && args[0].equals("serve")) {
      // The platform's clock runs from process start. Plain `serve` binds the port before anything
      // else (logging, picocli, Jetty: about 0.3 s on one CPU): connections wait in the kernel's
      // accept queue and Jetty answers them, 503 while starting, as soon as it runs on this socket.
      // Everything else, `serve --help` included, goes through picocli below.
      ServerSocketChannel early = bindEarly(System.getenv("PORT"));
      System.exit(new ServeCommand(Service.jvmStartNanos(), early).call());
    }
    long origin = Service.jvmStartNanos();
    CommandLine cli = new CommandLine(new Main());
    cli.addSubcommand(new ServeCommand(origin, null));
    cli.addSubcommand(new TokenCommand());
    cli.addSubcommand(new CheckCommand());
    cli.addSubcommand(new PlanCommand());
    cli.addSubcommand(new ImportCommand());
    cli.addSubcommand(new SimulateCommand());
    cli.addSubcommand(new VerifyCommand());
    System.exit(cli.execute(args));
  }
}

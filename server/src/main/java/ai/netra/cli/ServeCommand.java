package ai.netra.cli;

import ai.netra.boot.Service;
import ai.netra.config.Settings;
import java.nio.channels.ServerSocketChannel;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code netra serve}: runs the service until SIGTERM. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {"Runs the service: binds PORT at once, then runs the startup phases.",
        "Configured by environment variables (see README); with none, runs on embedded development defaults."})
public final class ServeCommand implements Callable<Integer> {

  private final long originNanos;
  private final ServerSocketChannel boundPort;

  /** @param boundPort the already bound listening socket for PORT, or null to bind it here */
  public ServeCommand(long originNanos, ServerSocketChannel boundPort) {
    this.originNanos = originNanos;
    this.boundPort = boundPort;
  }

  @Override
  public Integer call() {
    Settings settings = Settings.read(System.getenv());
    return new Service(settings, originNanos, VersionProvider.version(), boundPort).run();
  }
}

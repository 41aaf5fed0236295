package ai.netra.cli;

import ai.netra.boot.Service;
import ai.netra.config.Settings;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code netra serve}: runs the service until SIGTERM. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {"Runs the service: binds PORT at once, then runs the startup phases.",
        "Configured by environment variables (see README); with none, runs on embedded development defaults."})
public final class ServeCommand implements Callable<Integer> {

  private final long originNanos;

  public ServeCommand(long originNanos) {
    this.originNanos = originNanos;
  }

  @Override
  public Integer call() {
    return new Service(Settings.read(Settings.processEnvironment()), originNanos, VersionProvider.version()).run();
  }

  /** Plain {@code netra serve}: the port is bound before anything else loads; returns the exit code. */
  public static int portFirst(long originNanos) {
    return Service.portFirst(Settings.read(Settings.processEnvironment()), originNanos, VersionProvider.version()).run();
  }
}

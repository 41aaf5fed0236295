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
    Settings settings = Settings.read(System.getenv());
    return new Service(settings, originNanos, VersionProvider.version()).run();
  }
}

package ai.netra.cli;

import static ai.netra.config.SettingNames.PORT;

import ai.netra.boot.Service;
import ai.netra.config.Settings;
import ai.netra.http.HttpServer;
import java.nio.channels.ServerSocketChannel;
import java.util.Optional;
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
    return new Service(Settings.read(Settings.processEnvironment()), originNanos, VersionProvider.version(), Optional.empty())
        .run();
  }

  /**
   * Plain {@code netra serve}, port first. The platform's clock runs from process start: this binds
   * PORT before anything else loads (logging, picocli, Jetty: about 0.3 s on one CPU), so connections
   * wait in the kernel's accept queue and Jetty answers them, 503 while starting, as soon as it runs
   * on this socket. Returns the exit code.
   */
  public static int portFirst(long originNanos) {
    Settings settings = Settings.read(Settings.processEnvironment());
    // Without a valid port there is nothing to bind: the service fails with the reason before binding.
    Optional<ServerSocketChannel> early = settings.problems().stream().anyMatch(p -> p.settings().contains(PORT))
        ? Optional.empty() : HttpServer.bindEarly(settings.port());
    return new Service(settings, originNanos, VersionProvider.version(), early).run();
  }
}

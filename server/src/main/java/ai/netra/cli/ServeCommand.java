package ai.netra.cli;

import static ai.netra.config.SettingNames.PORT;

import ai.netra.boot.Service;
import ai.netra.config.Settings;
import ai.netra.logging.LogSetup;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code netra serve}: runs the service until SIGTERM. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Runs the service until it is stopped: it binds PORT at once, then runs the startup phases.",
        "",
        "Configured by environment variables (see README); with none, it runs on embedded development defaults."
            + " --env-file puts a file's settings (KEY=VALUE a line, the format netra check reads) on top of the"
            + " environment; a secret written there as KEY=sm://NAME takes its value from KEY in the environment.",
        ""})
public final class ServeCommand implements Callable<Integer> {

  @Option(names = "--env-file", paramLabel = "FILE",
      description = "settings KEY=VALUE a line, on top of this shell's environment (the file netra check reads)")
  Path envFile;

  @Option(names = "--port", paramLabel = "PORT", description = "the HTTP port (default: PORT, else 8080)")
  Integer port;

  @Spec
  CommandSpec spec;

  private final long originNanos;
  private final Map<String, String> shellEnv;

  public ServeCommand(long originNanos) {
    this(originNanos, Settings.processEnvironment());
  }

  ServeCommand(long originNanos, Map<String, String> shellEnv) {
    this.originNanos = originNanos;
    this.shellEnv = shellEnv;
  }

  @Override
  public Integer call() {
    Map<String, String> env;
    try {
      env = envFile == null ? new HashMap<>(shellEnv) : Inputs.onTopOf(shellEnv, envFile);
    } catch (IllegalArgumentException e) {
      return Inputs.usage(spec.commandLine().getErr(), "serve", e.getMessage());
    }
    if (port != null) {
      env.put(PORT, String.valueOf(port));
    }
    if (envFile != null) {
      LogSetup.use(env);
    }
    return Service.portFirst(Settings.read(env), originNanos, VersionProvider.version()).run();
  }

  /** Plain {@code netra serve}: the port is bound before anything else loads; returns the exit code. */
  public static int portFirst(long originNanos) {
    return Service.portFirst(Settings.read(Settings.processEnvironment()), originNanos, VersionProvider.version()).run();
  }
}

package ai.netra.cli;

import ai.netra.boot.ExitCode;
import ai.netra.config.Settings;
import ai.netra.history.HistoryFilter;
import ai.netra.history.StartStats;
import ai.netra.deploy.RecordedStartup;
import ai.netra.deploy.StartupReportJson;
import ai.netra.deploy.check.DeployEnv;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Option;

/**
 * What the deploy commands share: their common options (picocli mixins), usage errors, and the
 * last guard against a secret in output.
 */
final class Inputs {

  private static final Set<String> ENVIRONMENTS = Set.of("development", "staging", "production");

  private Inputs() { }

  /** {@code --env} and {@code --env-file} of check and plan: the settings a deployment gives the service. */
  static final class DeploySettings {

    @Option(names = "--env", paramLabel = "ENV",
        description = "NETRA_ENV of the deployment: development, staging or production (default: the settings' own;"
            + " netra plan needs it)")
    String environment;

    @Option(names = "--env-file", paramLabel = "FILE",
        description = "the deployment's settings, KEY=VALUE a line (a secret may be sm://NAME[:VERSION]), read instead of"
            + " this shell's environment, never on top of it (netra simulate, which starts the service, puts its"
            + " --env-file on top of the shell's environment)")
    Path file;

    /**
     * The env file when given, else {@code processEnv}; {@code --env} overrides NETRA_ENV.
     *
     * @throws IOException naming the file when it cannot be read
     * @throws IllegalArgumentException for an unknown environment or bad env file lines
     */
    DeployEnv read(Map<String, String> processEnv) throws IOException {
      String name = environment == null ? null : Inputs.environment(environment);
      if (file == null) {
        return DeployEnv.fromProcess(processEnv, name);
      }
      try {
        return DeployEnv.fromFile(file, name);
      } catch (NoSuchFileException e) {
        throw new IOException("the env file " + file + ": it does not exist", e);
      } catch (IOException e) {
        throw new IOException("the env file " + file + ": " + e, e);
      }
    }
  }

  /**
   * {@code shellEnv} with the settings of {@code envFile} on top, as {@code serve} and {@code simulate} start the
   * service with them. A secret the file names by a Secret Manager reference ({@code sm://NAME}), which only the
   * platform resolves, takes its value from {@code shellEnv}: the same file then serves check, plan, simulate and serve.
   *
   * @throws IllegalArgumentException naming the file when it cannot be read, or the references {@code shellEnv} lacks
   */
  static Map<String, String> onTopOf(Map<String, String> shellEnv, Path envFile) {
    Map<String, String> env = new java.util.HashMap<>(shellEnv);
    Map<String, String> file;
    try {
      file = ai.netra.deploy.EnvFile.read(envFile);
    } catch (IOException e) {
      throw new IllegalArgumentException("--env-file " + envFile + " cannot be read: " + e.getMessage());
    }
    List<String> unresolved = new java.util.ArrayList<>();
    file.forEach((name, value) -> {
      if (value.startsWith("sm://")) {
        String given = shellEnv.get(name);
        if (given == null || given.isEmpty() || given.startsWith("sm://")) {
          unresolved.add(name);
        }
      } else {
        env.put(name, value);
      }
    });
    if (!unresolved.isEmpty()) {
      java.util.Collections.sort(unresolved);
      throw new IllegalArgumentException("--env-file " + envFile + ": " + String.join(", ", unresolved) + " given as "
          + (unresolved.size() == 1 ? "a Secret Manager reference" : "Secret Manager references") + " (sm://...), which"
          + " only the platform resolves: give " + (unresolved.size() == 1 ? "its value" : "their values")
          + " in this shell's environment, e.g. " + unresolved.get(0) + "=... before the command");
    }
    return env;
  }

  /** {@code --report} of check and plan: a recorded start to judge or to size the deployment by. */
  static final class RecordedStart {

    @Option(names = "--report", paramLabel = "FILE",
        description = "a recorded start: the body of GET /health/startup, or the report netra simulate --report writes"
            + " (which adds the instance's CPUs, memory limit and peak RSS)")
    Path file;

    /**
     * The recorded start, or null when none was given.
     *
     * @throws IOException naming the file when it cannot be read
     * @throws IllegalArgumentException naming the file when it is not a startup report
     */
    RecordedStartup read() throws IOException {
      if (file == null) {
        return null;
      }
      try {
        return StartupReportJson.recorded(file);
      } catch (NoSuchFileException e) {
        throw new IOException("the startup report " + file + ": it does not exist", e);
      } catch (IOException e) {
        throw new IOException("the startup report " + file + ": " + e, e);
      }
    }
  }

  /** {@code --history} of check and plan: kept starts to size the deployment by. */
  static final class History {

    @Option(names = "--history", paramLabel = "SOURCE",
        description = "size from kept starts: db (the database of the settings) or a Cloud Logging export file"
            + " (gcloud logging read --format=json; see netra history)")
    String source;

    /**
     * The kept starts' statistics, or null when no --history was given.
     *
     * @throws IOException naming the file when it cannot be read
     * @throws IllegalArgumentException when it is not an export, or holds no start
     * @throws HistorySource.HistoryUnavailableException when the database cannot be read
     */
    StartStats read(Settings settings, RecordedStart report) throws IOException {
      if (source == null) {
        return null;
      }
      if (report.file != null) {
        throw new IllegalArgumentException("give --report (one recorded start) or --history (many), not both");
      }
      HistorySource.Starts starts = HistorySource.read(source, settings, HistoryFilter.ALL);
      if (starts.starts().isEmpty()) {
        throw new IllegalArgumentException("no kept starts in " + starts.from() + ": nothing to size from");
      }
      return StartStats.of(starts.starts());
    }
  }

  /** {@code --json} of check, simulate and verify. */
  static final class JsonOutput {

    @Option(names = "--json", description = "print one JSON object on stdout (for CI) instead of lines; progress goes to stderr")
    boolean enabled;
  }

  /**
   * {@code value} of {@code --env}, in lower case.
   *
   * @throws IllegalArgumentException when it is not development, staging or production
   */
  static String environment(String value) {
    String name = value.toLowerCase(Locale.ROOT);
    if (!ENVIRONMENTS.contains(name)) {
      throw new IllegalArgumentException("--env '" + value + "' must be development, staging or production");
    }
    return name;
  }

  static int usage(PrintWriter err, String command, String message) {
    err.println("netra " + command + ": " + message);
    err.println("netra " + command + ": see netra " + command + " --help");
    err.flush();
    return ExitCode.INVALID.code();
  }

  /**
   * {@code text} with every literal secret value replaced by {@code ***}. Nothing writes a secret on
   * purpose; this guards the boundary in case a message ever quotes one.
   */
  static String scrub(String text, List<String> secrets) {
    String out = text;
    for (String secret : secrets.stream().sorted(Comparator.comparingInt(String::length).reversed()).toList()) {
      out = out.replace(secret, "***");
    }
    return out;
  }
}

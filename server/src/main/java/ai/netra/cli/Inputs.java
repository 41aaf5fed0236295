package ai.netra.cli;

import ai.netra.deploy.check.DeployEnv;
import ai.netra.deploy.RecordedStartup;
import ai.netra.deploy.StartupReportJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** What check and plan read alike: the deployment's environment, usage errors, and the last guard against a secret in output. */
final class Inputs {

  private static final Set<String> ENVIRONMENTS = Set.of("development", "staging", "production");

  private Inputs() { }

  /**
   * The env file when given, else the process environment; {@code environment} overrides NETRA_ENV.
   *
   * @throws IOException naming the file when it cannot be read
   * @throws IllegalArgumentException for an unknown environment or a bad env file line
   */
  static DeployEnv env(String environment, Path envFile, Map<String, String> processEnv) throws IOException {
    if (environment != null && !ENVIRONMENTS.contains(environment.toLowerCase(Locale.ROOT))) {
      throw new IllegalArgumentException("--env '" + environment + "' must be development, staging or production");
    }
    if (envFile == null) {
      return DeployEnv.fromProcess(processEnv, environment);
    }
    try {
      return DeployEnv.fromFile(envFile, environment);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new IOException("the env file " + envFile + ": it does not exist", e);
    } catch (IOException e) {
      throw new IOException("the env file " + envFile + ": " + e, e);
    }
  }

  /**
   * A recorded start.
   *
   * @throws IOException naming the file when it cannot be read
   * @throws IllegalArgumentException naming the file when it is not a startup report
   */
  static RecordedStartup report(Path file) throws IOException {
    try {
      return StartupReportJson.recorded(file);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new IOException("the startup report " + file + ": it does not exist", e);
    } catch (IOException e) {
      throw new IOException("the startup report " + file + ": " + e, e);
    }
  }

  static int usage(PrintWriter err, String command, String message) {
    err.println("netra " + command + ": " + message);
    err.println("netra " + command + ": see netra " + command + " --help");
    err.flush();
    return 2;
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

package ai.netra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 19: the README's deploy example named deploy/staging.env, which did not exist, and failed with exit 2. The
 * README's own command lines, read from it, run against the shipped deploy/*.env.example files with the jar.
 */
class DeployExamplesIT {

  private static final Path REPO = Path.of("").toAbsolutePath().getParent(); // the tests run in server/
  private static final String MARKER = "# the deploy example (DeployExamplesIT runs these lines as written)";

  private record Command(Map<String, String> env, List<String> args) { }

  private record Run(int exit, String output) { }

  /** The `./netra ...` lines of the README code block that holds {@code marker}, continuation lines joined. */
  private static List<Command> readmeCommands(String marker) throws IOException {
    String readme = Files.readString(REPO.resolve("README.md"));
    int at = readme.indexOf(marker);
    assertThat(at).as("the README block with %s", marker).isNotNegative();
    int start = readme.lastIndexOf("```bash\n", at);
    int end = readme.indexOf("```\n", at);
    String block = readme.substring(start + "```bash\n".length(), end).replace("\\\n", " ");
    List<Command> commands = new ArrayList<>();
    for (String line : block.lines().toList()) {
      String code = line.replaceFirst("\\s+# .*$", "").strip();
      Map<String, String> env = new LinkedHashMap<>();
      List<String> words = new ArrayList<>(List.of(code.split("\\s+")));
      while (!words.isEmpty() && words.getFirst().matches("[A-Z_]+=.*")) {
        String[] kv = words.removeFirst().split("=", 2);
        env.put(kv[0], kv[1]);
      }
      if (!words.isEmpty() && words.getFirst().equals("./netra")) {
        commands.add(new Command(env, words.subList(1, words.size())));
      }
    }
    return commands;
  }

  private static Run netra(Path directory, Command command) throws Exception {
    List<String> line = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-jar",
        Path.of(System.getProperty("netra.jar", "target/netra.jar")).toAbsolutePath().toString()));
    line.addAll(command.args());
    ProcessBuilder builder = new ProcessBuilder(line).directory(directory.toFile()).redirectErrorStream(true);
    builder.environment().keySet().removeIf(k -> !k.equals("PATH") && !k.equals("HOME") && !k.equals("LANG"));
    builder.environment().putAll(command.env());
    Path out = Files.createTempFile("netra-example", ".out");
    Process p = builder.redirectOutput(out.toFile()).start();
    if (!p.waitFor(240, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new AssertionError("netra " + command.args() + " did not finish in 240 s:\n" + Files.readString(out));
    }
    return new Run(p.exitValue(), Files.readString(out));
  }

  /** A working folder with the shipped example files where the README expects them. */
  private static Path checkout() throws IOException {
    Path dir = Files.createTempDirectory("netra-examples");
    Files.createDirectories(dir.resolve("deploy"));
    for (String name : List.of("staging.env.example", "production.env.example")) {
      Files.copy(REPO.resolve("deploy").resolve(name), dir.resolve("deploy").resolve(name));
    }
    return dir;
  }

  private static Command forEnvironment(Command command, String environment) {
    return new Command(command.env(), command.args().stream()
        .map(a -> a.replace("deploy/staging.env.example", "deploy/" + environment + ".env.example")).toList());
  }

  @Test
  void checkAndPlanAcceptTheExampleSettingsExactlyAsTheReadmeWritesThem() throws Exception {
    List<Command> commands = readmeCommands(MARKER);
    assertThat(commands.stream().map(c -> c.args().getFirst())).as("the README's deploy example")
        .containsExactly("check", "plan", "verify");
    for (String environment : List.of("staging", "production")) {
      Path dir = checkout();
      Run check = netra(dir, forEnvironment(commands.get(0), environment));
      assertThat(check.exit()).as("exit of check on %s:\n%s", environment, check.output()).isZero();
      assertThat(check.output()).contains("netra check: " + environment, "verdict: ");
      Run plan = netra(dir, forEnvironment(commands.get(1), environment));
      assertThat(plan.exit()).as("exit of plan on %s:\n%s", environment, plan.output()).isZero();
      assertThat(plan.output()).contains("check verdict", "roles/secretmanager.secretAccessor", "roles/cloudsql.client");
      String service = Files.readString(dir.resolve("service.yaml"));
      assertThat(service).contains("kind: Service", "value: " + environment, "secretKeyRef").endsWith("\n");
    }
  }

  @Test
  void simulateAcceptsTheExampleSettingsWithTheSecretsFromTheShellAsTheReadmeWritesIt() throws Exception {
    List<Command> commands = readmeCommands("./netra simulate --env-file deploy/staging.env.example");
    assertThat(commands).hasSize(1);
    for (String environment : List.of("staging", "production")) {
      Run simulate = netra(checkout(), forEnvironment(commands.getFirst(), environment));
      assertThat(simulate.exit()).as("exit of simulate on %s (2 would be refused input):\n%s", environment,
          simulate.output()).isIn(0, 1);
      assertThat(simulate.output()).contains("Cloud Run would").doesNotContain("Secret Manager reference");
    }
  }
}

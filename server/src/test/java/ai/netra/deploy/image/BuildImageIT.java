package ai.netra.deploy.image;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.testing.TestDependencies;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the image's build steps, {@code deploy/build-image.sh}, the way the Dockerfile's build stage
 * does, into a temporary folder: the jlink'd runtime, the trained AOT cache and the smoke test of
 * exactly what the image's entrypoint runs. The Dockerfile is checked to do nothing but call it.
 */
class BuildImageIT {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @Test
  void theImageBuildStepsProduceARuntimeThatServes(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("image");
    Path trainEnv = Files.writeString(dir.resolve("train.env"),
        "DATABASE_URL=" + TestDependencies.freshDatabaseUrl("image") + "\n");
    Path log = dir.resolve("build-image.log");
    Process build = new ProcessBuilder("bash", ROOT.resolve("deploy/build-image.sh").toString(),
        "--jar", Path.of(System.getProperty("netra.jar", "target/netra.jar")).toAbsolutePath().toString(),
        "--train-env", trainEnv.toString(), out.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      assertThat(build.waitFor(10, TimeUnit.MINUTES)).as("build-image.sh finished within 10 minutes").isTrue();
    } finally {
      build.destroyForcibly();
    }
    String output = Files.readString(log);
    assertThat(build.exitValue()).as("build-image.sh exit code; its output:\n%s", output).isZero();
    assertThat(output).contains("smoke test: serve, /health/live").contains("done: netra ");

    assertThat(out.resolve("runtime/bin/java")).isExecutable();
    assertThat(out.resolve("netra.jar")).isRegularFile();
    List<String> args = Files.readAllLines(out.resolve("netra.args"));
    assertThat(args).as("the JVM's arguments end by running the copied jar")
        .endsWith("-jar", out.resolve("netra.jar").toString());
    if (Runtime.version().feature() >= 25) {
      assertThat(out.resolve("netra.aot")).as("the trained AOT cache").isNotEmptyFile();
      assertThat(args).contains("-XX:AOTCache=" + out.resolve("netra.aot"));
    }

    String release = Files.readString(out.resolve("runtime/release"));
    for (String module : modules()) {
      assertThat(release).as("the runtime's modules (%s) include %s from deploy/modules.txt", release, module).contains(module);
    }
    assertThat(release).as("a runtime of the listed modules, not the whole JDK").doesNotContain("jdk.compiler", "jdk.jshell");

    Process version = new ProcessBuilder(out.resolve("runtime/bin/java").toString(), "@" + out.resolve("netra.args"), "--version")
        .redirectErrorStream(true).start();
    assertThat(version.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(new String(version.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).startsWith("netra ");
  }

  @Test
  void theDockerfileRunsTheScriptAndTheArgumentsItWrites() throws Exception {
    String dockerfile = Files.readString(ROOT.resolve("deploy/Dockerfile"));
    assertThat(dockerfile).as("the build stage is the script, into the runtime's own path")
        .contains("deploy/build-image.sh /opt/netra")
        .contains("COPY --from=build /opt/netra /opt/netra")
        .contains("ENTRYPOINT [\"/opt/netra/runtime/bin/java\", \"@/opt/netra/netra.args\"]")
        .contains("USER nonroot");
    assertThat(dockerfile.lines().filter(l -> l.startsWith("RUN ")).toList()).as("every RUN of the Dockerfile")
        .allSatisfy(run -> assertThat(run).containsAnyOf("deploy/build-image.sh", "-XX:AOTMode=on"));
  }

  private static List<String> modules() throws Exception {
    return Files.readAllLines(ROOT.resolve("deploy/modules.txt")).stream().map(String::strip)
        .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
  }
}

package ai.netra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.netra.testing.TestDependencies;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code ./netra} launcher as a user runs it, on a copy of the project that holds the script, {@code bin/jdk.sh},
 * {@code deploy/jvm.args} and the built jar (no sources, so it never rebuilds): the project's data folder wherever it
 * is run from, and an AOT cache made only from a start that reached READY and stopped cleanly.
 */
class LauncherIT {

  private static final Duration START = Duration.ofSeconds(120);
  /** This test's copy: the AOT cache a launcher writes in the background after a stop can outlast a test. */
  private Path project;

  @BeforeEach
  void copyTheLauncher() throws IOException {
    Path repo = Path.of("").toAbsolutePath().getParent(); // the tests run in server/
    project = Files.createTempDirectory("netra-launcher", PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rwxr-xr-x")));
    Files.createDirectories(project.resolve("bin"));
    Files.createDirectories(project.resolve("server/target"));
    Files.copy(repo.resolve("netra"), project.resolve("netra"), StandardCopyOption.COPY_ATTRIBUTES);
    Files.copy(repo.resolve("bin/jdk.sh"), project.resolve("bin/jdk.sh"), StandardCopyOption.COPY_ATTRIBUTES);
    Files.createDirectories(project.resolve("deploy"));
    Files.copy(repo.resolve("deploy/jvm.args"), project.resolve("deploy/jvm.args"));
    Path jar = project.resolve("server/target/netra.jar");
    Files.copy(Path.of(System.getProperty("netra.jar", "target/netra.jar")), jar);
    // Sources older than the jar: the launcher finds nothing to build.
    FileTime old = FileTime.fromMillis(0);
    for (String dir : List.of("startup/src/main", "server/src/main")) {
      Files.setLastModifiedTime(Files.createDirectories(project.resolve(dir)), old);
    }
    for (String pom : List.of("pom.xml", "startup/pom.xml", "server/pom.xml")) {
      Files.setLastModifiedTime(Files.createFile(project.resolve(pom)), old);
    }
    Files.setLastModifiedTime(project.resolve("deploy/jvm.args"), old);
  }

  private record Run(int exit, String out, String err) { }

  private ProcessBuilder launcher(Path directory, Map<String, String> env, String... args) {
    List<String> command = new ArrayList<>(List.of(project.resolve("netra").toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile());
    builder.environment().keySet().removeIf(k -> !k.equals("PATH") && !k.equals("HOME") && !k.equals("LANG"));
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    builder.environment().putAll(env);
    return builder;
  }

  private Run run(Path directory, Map<String, String> env, String... args) throws Exception {
    Path out = Files.createTempFile("launcher", ".out");
    Path err = Files.createTempFile("launcher", ".err");
    Process p = launcher(directory, env, args).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    assertThat(p.waitFor(START.toSeconds(), TimeUnit.SECONDS)).as("the launcher finished in time").isTrue();
    return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  /** Issue 19: `./netra token` run from another folder made a data/ folder there, with a key the server never used. */
  @Test
  void tokenFromAnotherFolderSignsWithTheProjectsKeyAndSaysWhichFile() throws Exception {
    Path elsewhere = Files.createTempDirectory("elsewhere");
    Run run = run(elsewhere, Map.of(), "token", "--user", "u1");
    assertThat(run.exit()).as("exit; stderr:\n%s", run.err()).isZero();
    assertThat(run.out().strip()).as("the token").matches("[\\w-]+\\.[\\w-]+\\.[\\w-]+");
    Path key = project.resolve("data/dev-jwt-secret");
    assertThat(key).as("the project's key file").exists();
    assertThat(run.err()).as("the token says which key signed it").contains("the key file " + key);
    try (var listing = Files.list(elsewhere)) {
      assertThat(listing.toList()).as("files made in the folder it was run from").isEmpty();
    }
  }

  @Test
  void helpListsEveryCommandWithAFullSentence() throws Exception {
    Run run = run(project, Map.of(), "--help");
    assertThat(run.exit()).isZero();
    String commands = run.out().substring(run.out().indexOf("Commands:"), run.out().indexOf("Exit codes:"));
    for (String name : List.of("serve", "token", "check", "plan", "import", "simulate", "verify")) {
      assertThat(commands).as("the command list").containsPattern("(?m)^  " + name + " ");
    }
    // Each entry, its continuation lines joined, is a sentence: it ends with a full stop.
    for (String entry : commands.replaceFirst("Commands:\\s*", "").split("\\n(?=  \\S)")) {
      assertThat(entry.strip().replaceAll("\\s+", " ")).as("the --help entry").endsWith(".");
    }
  }

  /** Issue 19: a start that failed on a NETRA_ENV typo recorded the AOT cache, 4 s slower and with the JVM's lines after the failure. */
  @Test
  void aFailedStartRecordsNoAotCacheAndPrintsNothingAfterItsFailureRecord() throws Exception {
    assumeAot();
    Path target = project.resolve("server/target");
    deleteCache(target);
    Run run = run(project, Map.of("NETRA_ENV", "prodution", "PORT", String.valueOf(freePort())), "serve");
    assertThat(run.exit()).as("exit of a start with an unknown NETRA_ENV").isEqualTo(2);
    String all = run.out() + run.err();
    assertThat(all).contains("STARTUP FAILED")
        .doesNotContain("[aot]", "AOTConfiguration recorded", "Child process", "Error occurred during initialization");
    assertThat(all.substring(all.indexOf("STARTUP FAILED")).lines().filter(l -> l.contains("aot") || l.contains("AOT")))
        .as("lines about AOT after the failure record").isEmpty();
    assertThat(target.resolve("netra.aot")).as("cache after a failed start").doesNotExist();
    try (var files = Files.list(target)) {
      assertThat(files.map(f -> f.getFileName().toString()))
          .as("training data or a ready mark after a failed start").noneMatch(n -> n.endsWith(".aotconf") || n.endsWith(".ready"));
    }
  }

  @Test
  void aCleanStopAfterReadyRecordsTheCacheWhichTheNextStartLoadsUnlessTheJarChanged() throws Exception {
    assumeAot();
    Path target = project.resolve("server/target");
    deleteCache(target);
    Map<String, String> env = Map.of("DATABASE_URL", TestDependencies.postgresUrl(),
        "NETRA_DATA_DIR", Files.createTempDirectory("launcher-data").toString());
    String first = serveUntilReadyThenStop(env);
    assertThat(first).contains("-XX:AOTMode=record").doesNotContain("AOTConfiguration recorded");
    await("the AOT cache written after the clean stop").atMost(Duration.ofSeconds(120))
        .until(() -> Files.exists(target.resolve("netra.aot.stamp")));
    assertThat(target.resolve("netra.aot")).exists();
    String second = serveUntilReadyThenStop(env);
    assertThat(second).as("the second start").contains("-XX:AOTCache=" + target.resolve("netra.aot"));
    // A cache from another jar (or JDK) is stale: never loaded, recorded anew.
    Files.writeString(target.resolve("netra.aot.stamp"), "another jar", StandardCharsets.UTF_8);
    String third = serveUntilReadyThenStop(env);
    assertThat(third).as("a start after the jar changed").contains("-XX:AOTMode=record").doesNotContain("-XX:AOTCache=");
  }

  /** Starts `./netra serve`, waits for READY, sends SIGTERM as Ctrl-C or the platform would; returns its output. */
  private String serveUntilReadyThenStop(Map<String, String> env) throws Exception {
    int port = freePort();
    Path out = Files.createTempFile("launcher", ".out");
    Map<String, String> all = new java.util.HashMap<>(env);
    all.put("PORT", String.valueOf(port));
    Process p = launcher(project, all, "serve").redirectErrorStream(true).redirectOutput(out.toFile()).start();
    try {
      HttpClient http = HttpClient.newHttpClient();
      await("ready on " + port).atMost(START).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() ->
          http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready")).build(),
              HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
      p.toHandle().destroy(); // SIGTERM to the launcher, which passes it on
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the launcher stopped; output:\n%s", Files.readString(out)).isTrue();
      assertThat(p.exitValue()).as("exit after SIGTERM; output:\n%s", Files.readString(out)).isZero();
      return Files.readString(out);
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }

  private static void deleteCache(Path target) throws IOException {
    for (String name : List.of("netra.aot", "netra.aot.stamp")) {
      Files.deleteIfExists(target.resolve(name));
    }
  }

  private static void assumeAot() {
    Assumptions.assumeTrue(Runtime.version().feature() >= 25, "the AOT cache needs JDK 25");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}

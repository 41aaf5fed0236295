package ai.netra.testing;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real service jar, started as a child process the way a platform starts it: with an
 * environment, a PORT, and its output captured. Always {@link #close() closed} by the test that
 * started it.
 */
public final class ServiceProcess implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final Process process;
  private final int port;
  private final List<String> lines = new ArrayList<>();
  private final Thread reader;
  private final Path dataDir;

  private ServiceProcess(Process process, int port, Path dataDir) {
    this.process = process;
    this.port = port;
    this.dataDir = dataDir;
    this.reader = Thread.ofPlatform().daemon().start(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          synchronized (lines) {
            lines.add(line);
          }
        }
      } catch (IOException e) {
        // the process ended
      }
    });
  }

  /** Starts {@code netra serve} with {@code env} (on top of a clean environment) on a free port. */
  public static ServiceProcess start(Map<String, String> env) {
    return start(env, "serve");
  }

  public static ServiceProcess start(Map<String, String> env, String... args) {
    try {
      int port = freePort();
      // rwxr-xr-x: as root the embedded PostgreSQL runs as nobody, which must be able to enter it
      Path dataDir = Files.createTempDirectory("netra-test-data",
          java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
              java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x")));
      String jar = System.getProperty("netra.jar", "target/netra.jar");
      String testClasses = System.getProperty("netra.testClasses", "target/test-classes");
      String javaBin = ProcessHandle.current().info().command().orElse("java");
      List<String> command = new ArrayList<>(List.of(javaBin, "-XX:TieredStopAtLevel=1", "-Xshare:auto",
          "-cp", jar + java.io.File.pathSeparator + testClasses, "ai.netra.Main"));
      command.addAll(List.of(args));
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
      Map<String, String> childEnv = builder.environment();
      childEnv.keySet().removeIf(k -> !k.equals("PATH") && !k.equals("HOME") && !k.equals("LANG"));
      childEnv.put("PORT", String.valueOf(port));
      childEnv.put("NETRA_DATA_DIR", dataDir.toString());
      // This run's own database on the machine's PostgreSQL (or the embedded one); a test that wants
      // the embedded default passes DATABASE_URL="".
      childEnv.put("DATABASE_URL", TestDependencies.postgresUrl());
      childEnv.put("REDIS_KEY_PREFIX", TestDependencies.redisPrefix("service"));
      childEnv.putAll(env);
      return new ServiceProcess(builder.start(), port, dataDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return port;
  }

  public long pid() {
    return process.pid();
  }

  public Path dataDir() {
    return dataDir;
  }

  public URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  /** Everything the process printed so far, one entry per line. */
  public List<String> output() {
    synchronized (lines) {
      return List.copyOf(lines);
    }
  }

  public String outputText() {
    return String.join("\n", output());
  }

  /** Waits until something accepts TCP connections on the port. */
  public ServiceProcess awaitListening(Duration within) {
    await("port " + port + " listening").atMost(within).pollInterval(Duration.ofMillis(10)).until(() -> {
      if (!process.isAlive()) {
        throw new AssertionError("the service exited with " + process.exitValue() + " before listening:\n" + outputText());
      }
      try (Socket s = new Socket("127.0.0.1", port)) {
        return true;
      } catch (IOException e) {
        return false;
      }
    });
    return this;
  }

  /** Waits until {@code path} answers 200. */
  public ServiceProcess awaitStatus(String path, int status, Duration within) {
    await(path + " answering " + status).atMost(within).pollInterval(Duration.ofMillis(50)).until(() -> {
      if (!process.isAlive()) {
        throw new AssertionError("the service exited with " + process.exitValue() + ":\n" + outputText());
      }
      try {
        return get(path).statusCode() == status;
      } catch (IOException e) {
        return false;
      }
    });
    return this;
  }

  public HttpResponse<String> get(String path) throws IOException {
    return send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(5)).GET().build());
  }

  public HttpResponse<String> send(HttpRequest request) throws IOException {
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  public JsonNode json(String path) throws IOException {
    return JSON.readTree(get(path).body());
  }

  /** The step called {@code name} in a startup report. */
  public static JsonNode step(JsonNode report, String name) {
    for (JsonNode phase : report.path("phases")) {
      for (JsonNode step : phase.path("steps")) {
        if (step.path("name").asText().equals(name)) {
          return step;
        }
      }
    }
    throw new AssertionError("no step " + name + " in " + report);
  }

  public static JsonNode parse(String body) throws IOException {
    return JSON.readTree(body);
  }

  /** Waits for the process to exit by itself and returns its exit code. */
  public int awaitExit(Duration within) {
    try {
      if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("the service did not exit within " + within + ":\n" + outputText());
      }
      reader.join(2000);
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Sends SIGTERM, as the platform does (through the handle: Process.destroy would also close our end of stdout). */
  public void terminate() {
    process.toHandle().destroy();
  }

  public boolean alive() {
    return process.isAlive();
  }

  /**
   * Kills the service and every process it started: a killed JVM cannot stop its embedded PostgreSQL,
   * which would otherwise run on, holding its port and memory, until the machine restarts.
   */
  @Override
  public void close() {
    List<ProcessHandle> children = process.descendants().toList();
    process.destroyForcibly();
    children.forEach(ProcessHandle::destroyForcibly);
    try {
      process.waitFor(10, TimeUnit.SECONDS);
      for (ProcessHandle child : children) {
        child.onExit().get(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new AssertionError("a process the service started did not end within 10 s of being killed", e);
    }
  }

  /** The processes the service started that are still running (the embedded PostgreSQL and its workers). */
  public List<ProcessHandle> children() {
    return process.descendants().toList();
  }

  /**
   * A deployed-looking environment with every required setting present, pointing at this run's real
   * PostgreSQL (trust authentication: the password is checked by nobody, but must never be shown)
   * and Redis ({@link TestDependencies#requireRedis()}: without one the test fails on CI, else is skipped).
   */
  public static Map<String, String> deployedEnv(String environment) {
    Map<String, String> env = new HashMap<>();
    env.put("NETRA_ENV", environment);
    env.put("DATABASE_URL", "");
    env.put("POSTGRES_HOST", "127.0.0.1");
    env.put("POSTGRES_PORT", String.valueOf(TestDependencies.postgresPort()));
    env.put("POSTGRES_DB", TestDependencies.postgresUrl().substring(TestDependencies.postgresUrl().lastIndexOf('/') + 1));
    env.put("POSTGRES_USER", "postgres");
    env.put("POSTGRES_PASSWORD", "pg-secret-Zq81xL");
    env.put("POSTGRES_SSLMODE", "disable");
    env.put("REDIS_URL", TestDependencies.requireRedis());
    env.put("JWT_SECRET_KEY", "jwt-secret-0123456789abcdefghijklmnopqrstuv");
    env.put("LLM_MODEL", "offline");
    return env;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}

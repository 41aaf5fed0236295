package ai.netra.web;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One run of the browser test script ({@code src/test/browser/run.sh}): its output captured line by line, a line
 * written to its input on demand, and its exit code. Always {@link #close() closed} by the test that started it.
 */
final class BrowserScript implements AutoCloseable {

  /** The folder of the script, its package.json and package-lock.json (the tests run in the server module). */
  static final Path FOLDER = Path.of(System.getProperty("netra.browserTests", "src/test/browser"));

  private final Process process;
  private final List<String> lines = new ArrayList<>();
  private final Thread reader;

  private BrowserScript(Process process) {
    this.process = process;
    this.reader = Thread.ofPlatform().daemon().start(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          System.out.println("[browser] " + line);
          synchronized (lines) {
            lines.add(line);
            lines.notifyAll();
          }
        }
      } catch (IOException e) {
        // the script ended
      }
    });
  }

  /** Starts {@code run.sh args...}. */
  static BrowserScript start(String... args) {
    List<String> command = new ArrayList<>(List.of("bash", FOLDER.resolve("run.sh").toString()));
    command.addAll(List.of(args));
    try {
      return new BrowserScript(new ProcessBuilder(command).redirectErrorStream(true).start());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command, e);
    }
  }

  /** Everything the script printed so far. */
  String output() {
    synchronized (lines) {
      return String.join("\n", lines);
    }
  }

  /** Waits until the script prints {@code expected} as a whole line. */
  void awaitLine(String expected, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    synchronized (lines) {
      while (!lines.contains(expected)) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0 || !process.isAlive() && !reader.isAlive()) {
          throw new AssertionError("the browser script did not print \"" + expected + "\" within " + within
              + (process.isAlive() ? "" : " (it exited)") + ":\n" + String.join("\n", lines));
        }
        lines.wait(Math.min(left, 200));
      }
    }
  }

  /** Writes one line to the script's input. */
  void writeLine(String line) throws IOException {
    OutputStream in = process.getOutputStream();
    in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    in.flush();
  }

  /** Waits for the script to exit by itself and returns its exit code. */
  int awaitExit(Duration within) throws InterruptedException {
    if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("the browser script did not finish within " + within + ":\n" + output());
    }
    reader.join(2000);
    return process.exitValue();
  }

  @Override
  public void close() {
    // Its children (node, chromium) go with it: the script execs node, and playwright closes the browser when
    // node ends; the descendants are stopped too in case a failure left them behind.
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }
}

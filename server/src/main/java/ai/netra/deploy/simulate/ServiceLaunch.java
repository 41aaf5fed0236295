package ai.netra.deploy.simulate;

import ai.netra.deploy.MemorySize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The command that starts the service jar inside the simulated instance, and what each of its
 * choices means: CPU pinning ({@code taskset}) or the JVM's CPU view, the JVM's memory view, and
 * the AOT cache the way {@code ./netra} uses it (next to the jar, newer than it, JDK 25 or later), and the JVM
 * options netra runs with everywhere ({@code deploy/jvm.args}, shipped in the jar as {@value #OPTIONS}).
 */
public record ServiceLaunch(List<String> command, List<String> notes) {

  /** The resource holding {@code deploy/jvm.args}. */
  static final String OPTIONS = "/jvm.args";

  /**
   * What the launch is built from; {@code taskset} is empty when the machine has none, {@code options} are those
   * of {@code deploy/jvm.args}.
   */
  record Inputs(Path java, int javaFeature, Path jar, int cpus, MemorySize memory, Optional<Path> taskset,
      List<Integer> allowedCpus, List<String> options, String javaOpts, boolean aotOff) { }

  public ServiceLaunch {
    command = List.copyOf(command);
    notes = List.copyOf(notes);
  }

  /**
   * The launch for this machine: the running JDK, {@code taskset} from PATH, this process's CPUs,
   * and {@code NETRA_JAVA_OPTS} and {@code NETRA_AOT} from {@code env}, as {@code ./netra} reads them.
   */
  public static ServiceLaunch forThisMachine(Path jar, int cpus, MemorySize memory, Map<String, String> env) {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    return of(new Inputs(java, Runtime.version().feature(), jar, cpus, memory, onPath("taskset", env.get("PATH")),
        allowedCpus(), shippedOptions(), env.getOrDefault("NETRA_JAVA_OPTS", ""),
        "off".equalsIgnoreCase(env.get("NETRA_AOT"))));
  }

  /** The options of {@code deploy/jvm.args}, read from this jar: one per line, {@code #} starts a comment. */
  static List<String> shippedOptions() {
    try (var in = ServiceLaunch.class.getResourceAsStream(OPTIONS)) {
      if (in == null) {
        throw new IllegalStateException(OPTIONS + " is missing from this build");
      }
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines()
          .map(line -> line.replaceFirst("#.*", "").strip()).filter(line -> !line.isEmpty()).toList();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static ServiceLaunch of(Inputs in) {
    List<String> command = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    List<String> jvm = new ArrayList<>();
    if (in.taskset().isPresent() && !in.allowedCpus().isEmpty()) {
      List<Integer> chosen = in.allowedCpus().subList(0, Math.min(in.cpus(), in.allowedCpus().size()));
      command.addAll(List.of(in.taskset().get().toString(), "-c", chosen.stream().map(String::valueOf)
          .collect(Collectors.joining(","))));
      if (chosen.size() < in.cpus()) {
        jvm.add("-XX:ActiveProcessorCount=" + in.cpus());
        notes.add("cpu: this machine lets us use only " + chosen.size() + " CPU(s); pinned to them with taskset and the JVM"
            + " told it has " + in.cpus() + " (-XX:ActiveProcessorCount), so the start may look slower than with "
            + in.cpus() + " real CPUs");
      } else {
        notes.add("cpu: pinned to " + in.cpus() + " CPU(s) with taskset -c " + command.get(2)
            + " (the JVM sees and uses only those, as on a " + in.cpus() + "-CPU instance)");
      }
    } else {
      jvm.add("-XX:ActiveProcessorCount=" + in.cpus());
      notes.add("cpu: taskset not found, so the JVM is only told it has " + in.cpus()
          + " CPU(s) (-XX:ActiveProcessorCount); it may still run on every CPU of this machine, so the start will"
          + " look faster than on Cloud Run");
    }
    command.add(in.java().toString());
    command.add("-XX:MaxRAM=" + in.memory().bytes());
    command.addAll(jvm);
    command.addAll(in.options());
    if (!in.options().isEmpty()) {
      notes.add("jvm: " + String.join(" ", in.options()) + " (deploy/jvm.args, as ./netra and the image run it)");
    }
    notes.add("memory: -XX:MaxRAM=" + in.memory().bytes() + " (the JVM sizes its heap and picks its GC as in a "
        + in.memory() + " container); the watchdog kills the service when its RSS reaches " + in.memory()
        + ", as Cloud Run would");
    Path cache = in.jar().resolveSibling(in.jar().getFileName().toString().replaceFirst("\\.jar$", "") + ".aot");
    if (in.aotOff()) {
      notes.add("aot: off (NETRA_AOT=off)");
    } else if (in.javaFeature() < 25) {
      notes.add("aot: not used; JDK " + in.javaFeature() + " cannot load an AOT cache (JDK 25 or later can, and ./netra"
          + " records one there)");
    } else if (!Files.isRegularFile(cache)) {
      notes.add("aot: no AOT cache next to the jar (" + cache + "); `./netra serve` records one on its first run on"
          + " JDK 25, the image build trains one");
    } else if (olderThan(cache, in.jar())) {
      notes.add("aot: " + cache + " is older than the jar (recorded for an earlier build), so it is not used; the next"
          + " `./netra serve` records a new one");
    } else {
      command.add("-XX:AOTCache=" + cache);
      notes.add("aot: " + cache + " (-XX:AOTCache, as ./netra and the image use it)");
    }
    for (String opt : in.javaOpts().strip().split("\\s+")) {
      if (!opt.isEmpty()) {
        command.add(opt);
      }
    }
    if (!in.javaOpts().isBlank()) {
      notes.add("jvm: NETRA_JAVA_OPTS added after the simulation's own flags (they win where they overlap)");
    }
    command.addAll(List.of("-jar", in.jar().toString(), "serve"));
    return new ServiceLaunch(command, notes);
  }

  /** The CPUs this process may run on ({@code Cpus_allowed_list} of {@code /proc/self/status}), or empty when unknown. */
  static List<Integer> allowedCpus() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Cpus_allowed_list:")) {
          return parseCpuList(line.substring(line.indexOf(':') + 1));
        }
      }
      return List.of();
    } catch (IOException | RuntimeException e) {
      return List.of(); // not Linux: pinning is replaced by the JVM's CPU view, and the notes say so
    }
  }

  /** {@code 0-3,8,10-11} as the list of CPU numbers. */
  static List<Integer> parseCpuList(String text) {
    List<Integer> cpus = new ArrayList<>();
    for (String part : text.strip().split(",")) {
      if (part.isBlank()) {
        continue;
      }
      String[] range = part.strip().split("-");
      int from = Integer.parseInt(range[0]);
      int to = range.length > 1 ? Integer.parseInt(range[1]) : from;
      for (int cpu = from; cpu <= to; cpu++) {
        cpus.add(cpu);
      }
    }
    return cpus;
  }

  private static Optional<Path> onPath(String program, String path) {
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(Pattern.quote(java.io.File.pathSeparator))) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, program);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  private static boolean olderThan(Path a, Path b) {
    try {
      return Files.getLastModifiedTime(a).compareTo(Files.getLastModifiedTime(b)) < 0;
    } catch (IOException e) {
      return true; // unreadable times: treat the cache as stale rather than load one that may not match
    }
  }
}

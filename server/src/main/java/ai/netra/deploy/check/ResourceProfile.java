package ai.netra.deploy.check;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CPU and memory of one instance, as a deploy requests them: {@code cpus} in whole or fractional
 * CPUs, memory in MiB. Reads and writes the Kubernetes quantity forms Cloud Run uses ({@code 1},
 * {@code 1000m}; {@code 512Mi}, {@code 1Gi}).
 */
public record ResourceProfile(double cpus, long memoryMiB) {

  /** Cloud Run's memory sizes (MiB) a plan rounds up to. */
  static final List<Long> MEMORY_STEPS = List.of(512L, 1024L, 2048L, 4096L, 8192L, 16384L, 32768L);
  /** Cloud Run's CPU counts. */
  static final List<Double> CPU_STEPS = List.of(1.0, 2.0, 4.0, 6.0, 8.0);
  /** Memory over the peak RSS a start was seen to use: GC, thread stacks and buffers grow under traffic. */
  public static final double MEMORY_HEADROOM = 0.25;

  private static final Pattern MEMORY = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(Mi|Gi|M|G|MiB|GiB|MB|GB)?");
  private static final Pattern CPU = Pattern.compile("(\\d+(?:\\.\\d+)?)(m)?");

  public ResourceProfile {
    if (!(cpus > 0) || memoryMiB <= 0) {
      throw new IllegalArgumentException("cpu and memory must be above zero, were " + cpus + " and " + memoryMiB + " MiB");
    }
  }

  /**
   * Memory in MiB from {@code 512Mi}, {@code 1Gi}, {@code 512M}, {@code 2G} (M and G read as Mi and
   * Gi: nobody sizes an instance in powers of ten), or a bare number of MiB.
   *
   * @throws IllegalArgumentException naming the value when it is none of these
   */
  public static long parseMemory(String text) {
    Matcher m = MEMORY.matcher(text == null ? "" : text.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException("memory '" + text + "' is not a size like 512Mi or 1Gi");
    }
    double amount = Double.parseDouble(m.group(1));
    String unit = m.group(2) == null ? "Mi" : m.group(2);
    long mib = Math.round(unit.startsWith("G") ? amount * 1024 : amount);
    if (mib <= 0) {
      throw new IllegalArgumentException("memory '" + text + "' must be above zero");
    }
    return mib;
  }

  /**
   * CPUs from {@code 1}, {@code 2}, {@code 0.5} or {@code 1000m}.
   *
   * @throws IllegalArgumentException naming the value when it is none of these
   */
  public static double parseCpu(String text) {
    Matcher m = CPU.matcher(text == null ? "" : text.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException("cpu '" + text + "' is not a CPU count like 1, 2 or 1000m");
    }
    double cpus = Double.parseDouble(m.group(1)) / (m.group(2) == null ? 1 : 1000);
    if (!(cpus > 0)) {
      throw new IllegalArgumentException("cpu '" + text + "' must be above zero");
    }
    return cpus;
  }

  /** {@code 512Mi}, {@code 1Gi}, {@code 1536Mi}. */
  public static String memoryText(long mib) {
    return mib % 1024 == 0 ? mib / 1024 + "Gi" : mib + "Mi";
  }

  /** {@code 1}, {@code 2}, {@code 500m}. */
  public static String cpuText(double cpus) {
    return cpus == Math.rint(cpus) ? String.valueOf((long) cpus) : Math.round(cpus * 1000) + "m";
  }

  /** The smallest Cloud Run memory size that holds {@code peakRssMiB} with {@link #MEMORY_HEADROOM}. */
  public static long memoryFor(long peakRssMiB) {
    long needed = (long) Math.ceil(peakRssMiB * (1 + MEMORY_HEADROOM));
    return MEMORY_STEPS.stream().filter(step -> step >= needed).findFirst().orElse(needed);
  }

  /** Cloud Run's least CPU count for this much memory (more than 4 GiB needs 2 CPUs, and so on). */
  public static double minCpusFor(long memoryMiB) {
    return memoryMiB > 24576 ? 8 : memoryMiB > 16384 ? 6 : memoryMiB > 8192 ? 4 : memoryMiB > 4096 ? 2 : 0;
  }

  public String cpuText() {
    return cpuText(cpus);
  }

  public String memoryText() {
    return memoryText(memoryMiB);
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%s CPU / %s", cpuText(), memoryText());
  }
}

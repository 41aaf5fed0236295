package ai.netra.deploy.check;

import ai.netra.deploy.MemorySize;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CPU and memory of one instance, as a deploy requests them: {@code cpus} in whole or fractional
 * CPUs. Reads and writes CPUs in the Kubernetes quantity forms Cloud Run uses ({@code 1}, {@code 1000m}).
 */
public record ResourceProfile(double cpus, MemorySize memory) {

  private static final Pattern CPU = Pattern.compile("(\\d+(?:\\.\\d+)?)(m)?");

  public ResourceProfile {
    if (!(cpus > 0) || memory == null) {
      throw new IllegalArgumentException("cpu must be above zero and memory given, were " + cpus + " and " + memory);
    }
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

  /** {@code 1}, {@code 2}, {@code 500m}. */
  public static String cpuText(double cpus) {
    return cpus == Math.rint(cpus) ? String.valueOf((long) cpus) : Math.round(cpus * 1000) + "m";
  }

  public String cpuText() {
    return cpuText(cpus);
  }

  @Override
  public String toString() {
    return cpuText() + " CPU / " + memory;
  }
}

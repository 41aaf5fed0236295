package ai.netra.deploy;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An amount of memory written the way Cloud Run and Kubernetes write limits ({@code 512Mi},
 * {@code 1Gi}, {@code 500M}), and Cloud Run's rules for sizing an instance by it.
 */
public record MemorySize(long bytes) implements Comparable<MemorySize> {

  public static final long MI = 1024L * 1024;
  public static final long GI = 1024 * MI;
  /** Memory over the peak RSS a start was seen to use: GC, thread stacks and buffers grow under traffic. */
  public static final double HEADROOM = 0.25;
  /** The least memory of Cloud Run's second-generation execution environment, the one the plans ask for. */
  public static final MemorySize CLOUD_RUN_MINIMUM = mi(512);
  /** A JVM serving anything needs more than this; a smaller limit is a typo, not a simulation. */
  static final MemorySize SMALLEST = new MemorySize(16 * MI);
  /** The sizes Cloud Run offers for a service, smallest first (128Mi and 256Mi in the first generation only; 32Gi is its maximum). */
  public static final List<MemorySize> CLOUD_RUN_SIZES = List.of(mi(128), mi(256), mi(512), gi(1), gi(2), gi(4), gi(8),
      gi(16), gi(32));

  private static final Pattern TEXT = Pattern.compile("(\\d{1,12}(?:\\.\\d{1,3})?)\\s*(ki|mi|gi|ti|k|m|g|t)?b?");

  public MemorySize {
    if (bytes <= 0) {
      throw new IllegalArgumentException("a memory size must be positive, was " + bytes + " bytes");
    }
  }

  public static MemorySize mi(long mebibytes) {
    return new MemorySize(mebibytes * MI);
  }

  public static MemorySize gi(long gibibytes) {
    return new MemorySize(gibibytes * GI);
  }

  /**
   * The size written in {@code text}: a number with {@code Ki Mi Gi Ti} (powers of 1024) or
   * {@code K M G T} (powers of 1000, as Kubernetes and Cloud Run read them), or plain bytes.
   *
   * @throws IllegalArgumentException naming the value when it is unreadable or below 16Mi
   */
  public static MemorySize parse(String text) {
    String value = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
    Matcher m = TEXT.matcher(value);
    if (!m.matches()) {
      throw new IllegalArgumentException("memory '" + text + "' is not a size; write e.g. 512Mi, 1Gi or 2Gi");
    }
    double unit = switch (m.group(2) == null ? "" : m.group(2)) {
      case "ki" -> 1024.0;
      case "mi" -> MI;
      case "gi" -> GI;
      case "ti" -> GI * 1024.0;
      case "k" -> 1e3;
      case "m" -> 1e6;
      case "g" -> 1e9;
      case "t" -> 1e12;
      default -> 1;
    };
    long bytes = Math.round(Double.parseDouble(m.group(1)) * unit);
    if (bytes < SMALLEST.bytes) {
      throw new IllegalArgumentException("memory '" + text + "' is below " + SMALLEST + ", too little for a JVM to run at all");
    }
    return new MemorySize(bytes);
  }

  public double mebibytes() {
    return bytes / (double) MI;
  }

  /** Whole mebibytes, rounded up. */
  public long wholeMebibytes() {
    return (bytes + MI - 1) / MI;
  }

  /** The smallest Cloud Run size that holds this much, or empty above Cloud Run's largest (32Gi). */
  public Optional<MemorySize> cloudRunSizeAtLeast() {
    return CLOUD_RUN_SIZES.stream().filter(size -> size.bytes >= bytes).findFirst();
  }

  /**
   * The memory to deploy for a start whose peak RSS is this: the peak + {@link #HEADROOM}, rounded
   * up to a Cloud Run size of at least {@link #CLOUD_RUN_MINIMUM} (the sum itself above 32Gi).
   */
  public MemorySize instanceForPeak() {
    MemorySize wanted = times(1 + HEADROOM);
    MemorySize size = wanted.cloudRunSizeAtLeast().orElse(wanted);
    return size.compareTo(CLOUD_RUN_MINIMUM) < 0 ? CLOUD_RUN_MINIMUM : size;
  }

  /**
   * The fewest CPUs Cloud Run allows with this much memory: over 4Gi needs 2, over 8Gi 4, over 16Gi
   * 6, over 24Gi 8; up to 4Gi it sets no whole-CPU minimum (0).
   */
  public int cloudRunMinimumCpus() {
    if (bytes > 24 * GI) {
      return 8;
    }
    if (bytes > 16 * GI) {
      return 6;
    }
    if (bytes > 8 * GI) {
      return 4;
    }
    return bytes > 4 * GI ? 2 : 0;
  }

  /** This size times {@code factor}, rounded up to a whole mebibyte. */
  public MemorySize times(double factor) {
    return new MemorySize((long) Math.ceil(bytes * factor / MI) * MI);
  }

  @Override
  public int compareTo(MemorySize other) {
    return Long.compare(bytes, other.bytes);
  }

  /** {@code 512Mi}, {@code 2Gi}, or {@code 87.3Mi} when not a whole number of mebibytes. */
  @Override
  public String toString() {
    if (bytes % GI == 0) {
      return bytes / GI + "Gi";
    }
    if (bytes % MI == 0) {
      return bytes / MI + "Mi";
    }
    return String.format(Locale.ROOT, "%.1fMi", mebibytes());
  }
}

package ai.netra.deploy.check;

/** How one finding, or a whole check, judges a deployment: warnings do not fail it. */
public enum Verdict {
  PASS,
  WARN,
  FAIL;

  /** The worse of the two. */
  public Verdict and(Verdict other) {
    return compareTo(other) >= 0 ? this : other;
  }
}

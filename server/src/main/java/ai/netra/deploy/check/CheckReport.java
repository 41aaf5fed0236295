package ai.netra.deploy.check;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything one {@code netra check} found, grouped by area in {@link Area} order, and the verdict
 * they add up to: FAIL when any finding failed, else WARN when any warned, else PASS.
 *
 * @param environment the {@code NETRA_ENV} that was checked
 * @param source where the settings came from (an env file, or the process environment)
 */
public record CheckReport(String environment, String source, List<Finding> findings) {

  public CheckReport {
    findings = findings.stream().sorted(Comparator.comparing(Finding::area)).toList();
  }

  public Verdict verdict() {
    return findings.stream().map(Finding::verdict).reduce(Verdict.PASS, Verdict::and);
  }

  /** How many findings have each verdict, PASS, WARN and FAIL in that order. */
  public Map<Verdict, Long> counts() {
    Map<Verdict, Long> counts = new LinkedHashMap<>();
    for (Verdict v : Verdict.values()) {
      counts.put(v, findings.stream().filter(f -> f.verdict() == v).count());
    }
    return counts;
  }
}

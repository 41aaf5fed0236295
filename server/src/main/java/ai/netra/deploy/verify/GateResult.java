package ai.netra.deploy.verify;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How one post-deploy gate ended: passed, failed (with the reasons, each a sentence an operator
 * can act on), or skipped (not run, and therefore not passed: {@code summary} says why).
 *
 * @param details figures for machines ({@code --json}), keyed in snake_case
 */
public record GateResult(String name, Status status, long tookMs, String summary, List<String> reasons,
    List<String> warnings, Map<String, Object> details) {

  /** The three ways a gate ends. */
  public enum Status { PASS, FAIL, SKIPPED }

  public GateResult {
    reasons = List.copyOf(reasons);
    warnings = List.copyOf(warnings);
    details = Collections.unmodifiableMap(new LinkedHashMap<>(details)); // in the order the gate wrote them
  }

  static GateResult pass(String name, long tookMs, String summary, List<String> warnings, Map<String, Object> details) {
    return new GateResult(name, Status.PASS, tookMs, summary, List.of(), warnings, details);
  }

  static GateResult fail(String name, long tookMs, String reason, Map<String, Object> details) {
    return new GateResult(name, Status.FAIL, tookMs, reason, List.of(reason), List.of(), details);
  }

  static GateResult skipped(String name, String why) {
    return new GateResult(name, Status.SKIPPED, 0, why, List.of(), List.of(), Map.of());
  }
}

package ai.netra.deploy.verify;

import java.util.List;

/**
 * Every gate's result, in the order they ran, and the verdict: ROLLBACK with the reasons and the way back when a
 * gate failed; else INCOMPLETE when a gate was skipped (a skipped gate proved nothing), unless skips are allowed;
 * else PASS.
 */
public record VerificationResult(String url, List<GateResult> gates, Rollback rollback) {

  public VerificationResult {
    gates = List.copyOf(gates);
  }

  public boolean passed() {
    return gates.stream().noneMatch(g -> g.status() == GateResult.Status.FAIL);
  }

  /** PASS, INCOMPLETE (a gate skipped and {@code allowSkip} false) or ROLLBACK. */
  public String verdict(boolean allowSkip) {
    return !passed() ? "ROLLBACK" : !allowSkip && !skipped().isEmpty() ? "INCOMPLETE" : "PASS";
  }

  /** The reasons of every failed gate, in gate order. */
  public List<String> reasons() {
    return gates.stream().filter(g -> g.status() == GateResult.Status.FAIL)
        .flatMap(g -> g.reasons().stream().map(r -> r.startsWith(g.name() + ": ") ? r : g.name() + ": " + r))
        .toList();
  }

  public List<String> skipped() {
    return gates.stream().filter(g -> g.status() == GateResult.Status.SKIPPED).map(GateResult::name).toList();
  }
}

package ai.netra.deploy.verify;

import java.util.List;

/**
 * Every gate's result, in the order they ran, and the verdict: PASS when no gate failed (skipped
 * gates are listed, not counted as passed), else ROLLBACK with the reasons and the way back.
 */
public record VerificationResult(String url, List<GateResult> gates, Rollback rollback) {

  public VerificationResult {
    gates = List.copyOf(gates);
  }

  public boolean passed() {
    return gates.stream().noneMatch(g -> g.status() == GateResult.Status.FAIL);
  }

  public String verdict() {
    return passed() ? "PASS" : "ROLLBACK";
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

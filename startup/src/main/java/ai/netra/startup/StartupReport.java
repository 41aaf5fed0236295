package ai.netra.startup;

import java.util.List;

/**
 * An immutable snapshot of a start, consistent at one instant: the outcome so far, the current (or
 * last) phase, elapsed time against the budget, every phase and step in plan order, and the failure
 * that ended the start, if one did ({@code null} otherwise).
 */
public record StartupReport(
    Outcome outcome,
    String phase,
    long elapsedMs,
    long budgetMs,
    List<PhaseReport> phases,
    StartupFailure failure) {

  public StartupReport {
    phases = List.copyOf(phases);
  }

  /** Every step in plan order. */
  public List<StepReport> steps() {
    return phases.stream().flatMap(p -> p.steps().stream()).toList();
  }

  /** The report as a fixed-width table, one row per step, for logs and terminals. */
  public String toTable() {
    StringBuilder out = new StringBuilder();
    out.append(String.format("startup %s in %d ms of %d ms budget (phase %s)%n", outcome, elapsedMs, budgetMs, phase));
    String row = "%-12s %-24s %-13s %-9s %-11s %3s %8s %8s  %s%n";
    out.append(String.format(row, "PHASE", "STEP", "COMPONENT", "CRIT", "STATUS", "TRY", "START", "END", "NOTE"));
    for (PhaseReport p : phases) {
      for (StepReport s : p.steps()) {
        String note = s.error() != null ? s.error() : s.detail() != null ? s.detail() : "";
        out.append(String.format(row, p.name(), s.name(), s.component(),
            s.criticality() == Criticality.CRITICAL ? "critical" : "optional",
            s.status(), s.attempts(), ms(s.startMs()), ms(s.endMs()), note));
      }
    }
    return out.toString();
  }

  private static String ms(Long value) {
    return value == null ? "-" : value + "ms";
  }
}

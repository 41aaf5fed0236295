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
            s.status(), s.attempts(), ms(s.startMs()), ms(s.endMs()), oneLine(note)));
      }
    }
    return out.toString();
  }

  /** A note as one row: an error's line breaks and other control characters written out as escapes. */
  private static String oneLine(String note) {
    StringBuilder out = new StringBuilder(note.length());
    for (char c : note.toCharArray()) {
      switch (c) {
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20 || c >= 0x7f && c <= 0x9f || c == '\u2028' || c == '\u2029') {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.toString();
  }

  private static String ms(Long value) {
    return value == null ? "-" : value + "ms";
  }
}

package ai.netra.usage;

import java.util.List;

/** An upload had bad rows, so nothing of it was stored; carries the first problems and how many there were in all. */
public final class ImportRejectedException extends RuntimeException {

  private final List<RowProblem> problems;
  private final long totalProblems;

  ImportRejectedException(List<RowProblem> problems, long totalProblems) {
    super(totalProblems + " problem" + (totalProblems == 1 ? "" : "s") + " in the upload; nothing was imported");
    this.problems = List.copyOf(problems);
    this.totalProblems = totalProblems;
  }

  /** The first problems, in the order of the file; at most {@link UsageImport#LISTED_PROBLEMS}. */
  public List<RowProblem> problems() {
    return problems;
  }

  /** Every problem found, including those not listed. */
  public long totalProblems() {
    return totalProblems;
  }
}

package ai.netra.usage;

/**
 * Why one row of an upload was refused.
 *
 * @param line the line of the file the row starts on (1 is the CSV header)
 * @param field the column or JSON field at fault, or null when the whole row is
 */
public record RowProblem(long line, String field, String message) { }

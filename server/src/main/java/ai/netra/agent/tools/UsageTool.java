package ai.netra.agent.tools;

import ai.netra.agent.Tool;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * What the five usage tools share: a name, declared parameters, the database and the clock, and the
 * shape of a call. A call checks the user and the arguments (with the period they name) before it
 * touches the database, then answers from one read-only snapshot of that user's usage, or with the result it computed
 * for the same question when that snapshot shows the user's figures unchanged since ({@link ToolResults}).
 *
 * @param <Q> one call's question, read from its arguments
 */
abstract class UsageTool<Q extends UsageTool.Scoped> implements Tool {

  private final String name;
  private final String description;
  private final ToolParameters parameters;
  private final DataSource dataSource;
  private final DataSource lookups;
  private final Clock clock;
  private final ToolResults results = new ToolResults();

  /**
   * @param dataSource where the tool's statements run, in a read-only repeatable-read transaction each
   * @param lookups where a question asked again first looks whether its kept result still holds: one statement,
   *     outside a transaction, on a connection as the pool lends it (the tools' own connections are given their
   *     longer statement timeout when lent and the usual one back when returned, a round trip each)
   */
  UsageTool(String name, String description, ToolParameters parameters, DataSource dataSource, DataSource lookups,
      Clock clock) {
    this.name = name;
    this.description = description;
    this.parameters = parameters;
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    this.lookups = Objects.requireNonNull(lookups, "lookups");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final String description() {
    return description;
  }

  @Override
  public final Map<String, Object> parameters() {
    return parameters.schema();
  }

  @Override
  public final Result run(String userId, Map<String, Object> arguments) {
    PricedUsage.requireUser(name, userId);
    ToolArguments args = parameters.read(arguments);
    Q question = question(userId, args, UsagePeriod.of(args, clock), clock);
    Result kept = results.stillHeld(lookups, name, userId, question);
    if (kept != null) {
      return kept;
    }
    return PricedUsage.read(dataSource, name, c -> results.answer(c, userId, question,
        fresh -> covered(answer(fresh, question), PricedUsage.coverage(fresh, question.scope()))));
  }

  /** This tool's kept results. */
  final ToolResults results() {
    return results;
  }

  /**
   * A question names the user, the days and perhaps the feature its figures cover. It is a record of everything the
   * answer depends on besides the data: two equal questions have the same answer while the data is unchanged.
   */
  interface Scoped {
    PricedUsage.Scope scope();
  }

  /**
   * A tool's figures and how well the spend of their scope is priced: every answer that states spend can say how much
   * of it was priced exactly, by a fallback, or not at all. The figures' fields stay at the top level.
   */
  record Covered(@JsonUnwrapped Record figures, PricedUsage.PriceCoverage priceCoverage) { }

  private static Result covered(Result result, PricedUsage.PriceCoverage coverage) {
    return new Result(result.summary(), new Covered(result.data(), coverage));
  }

  /**
   * The call's question from its checked arguments and period.
   *
   * @throws IllegalArgumentException naming an argument that does not make sense with the others
   */
  abstract Q question(String userId, ToolArguments args, UsagePeriod period, Clock clock);

  /** The answer, from the snapshot {@code connection} reads. */
  abstract Result answer(Connection connection, Q question) throws SQLException;
}

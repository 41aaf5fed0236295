package ai.netra.agent.tools;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/**
 * The UTC days a tool looks at: {@code from} inclusive, {@code to} exclusive. Without arguments it
 * is the 30 days ending today (today included, so the newest rows count), as the clock tells. In a
 * tool's figures it is {@code {from, to, days}}.
 */
@JsonPropertyOrder({"from", "to", "days"})
record UsagePeriod(LocalDate from, LocalDate to) {

  static final int DEFAULT_DAYS = 30;
  static final int MAX_DAYS = 400;

  /** Declares {@code from} and {@code to} on a tool's parameters. */
  static ToolParameters.Builder declare(ToolParameters.Builder parameters) {
    return parameters
        .date("from", "First UTC day included, yyyy-MM-dd. Default: " + (DEFAULT_DAYS - 1) + " days before today"
            + " (or " + DEFAULT_DAYS + " days before `to`).")
        .date("to", "UTC day the period ends, excluded, yyyy-MM-dd. Default: tomorrow, so today is included."
            + " At most " + MAX_DAYS + " days after `from`.");
  }

  /**
   * The period the arguments name, defaults filled from the clock.
   *
   * @throws IllegalArgumentException when {@code from} is not before {@code to}, or the period is longer than {@value #MAX_DAYS} days
   */
  static UsagePeriod of(ToolArguments arguments, Clock clock) {
    LocalDate tomorrow = today(clock).plusDays(1);
    LocalDate to = arguments.date("to") != null ? arguments.date("to") : tomorrow;
    LocalDate from = arguments.date("from") != null ? arguments.date("from") : to.minusDays(DEFAULT_DAYS);
    if (!from.isBefore(to)) {
      throw new IllegalArgumentException(arguments.tool() + ": from (" + from + ") must be before to (" + to + "); to is excluded,"
          + " so a single day D is from=D, to=D+1" + (arguments.date("to") == null ? " (to defaults to tomorrow, " + tomorrow + ")" : ""));
    }
    long days = ChronoUnit.DAYS.between(from, to);
    if (days > MAX_DAYS) {
      throw new IllegalArgumentException(arguments.tool() + ": the period " + from + " to " + to + " spans " + days + " days; at most "
          + MAX_DAYS + " are allowed, so move from or to closer together");
    }
    return new UsagePeriod(from, to);
  }

  /** Today's UTC date by the clock. */
  static LocalDate today(Clock clock) {
    return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
  }

  @JsonProperty
  long days() {
    return ChronoUnit.DAYS.between(from, to);
  }

  /** The last day included. */
  LocalDate lastDay() {
    return to.minusDays(1);
  }

  /** For a summary line: "2026-10-22 to 2026-11-20" (both included), or one date. */
  String words() {
    return days() == 1 ? from.toString() : from + " to " + lastDay();
  }
}

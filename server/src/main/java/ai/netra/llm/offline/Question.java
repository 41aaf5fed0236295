package ai.netra.llm.offline;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAdjusters;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a user asked, as the offline model understands it: the intent (from keywords) and the
 * period (from phrases like "last week", "past 14 days", "since 2026-10-01"). The same text on the
 * same day always reads the same way.
 *
 * <p>Reading is linear in the text and bounded: only the first {@link #READ_LIMIT} characters are read, and every
 * pattern is a choice of fixed words with bounded repeats, so an attempt at one position looks at a few dozen
 * characters at most. The one phrase with a gap, "did ... cost", is found by a scan, not by {@code did .* cost},
 * whose backtracking took most of a second on a message of {@code "did "} repeated 8,000 times.
 */
record Question(String text, Intent intent, LocalDate from, LocalDate to, String periodWords) {

  /** What the user wants to know; each maps to a fixed plan of tool calls. */
  enum Intent {
    /** "Where can I cut my AI spend?": biggest lines, a cheaper model for the biggest, caching. */
    SAVINGS,
    /** "What did feature X cost last week?": spend by feature (or by model) for the period. */
    BREAKDOWN,
    /** "Is caching worth it?": repeated prompts and what a cache would save, against total spend. */
    CACHING,
    /** "Any anomalies?": days whose spend departs from the trailing baseline. */
    ANOMALIES,
    /** Anything else about usage: the period's summary and spend by model. */
    SUMMARY,
    /**
     * "Hello, who are you?", "what's the weather?": a greeting or a question about nothing in the data. No tool
     * runs; the answer says what the agent can do.
     */
    INTRODUCTION
  }

  static final int DEFAULT_DAYS = 30;
  /** Characters of a message the planner reads; a question is said in far fewer, the rest cannot change the plan much. */
  static final int READ_LIMIT = 2_000;
  private static final int MAX_DAYS = 400;

  // Checked in this order: "cut the cost of caching" is about savings, "cost of summarize" a breakdown.
  private static final List<Rule> RULES = List.of(
      new Rule(Intent.ANOMALIES, found("anomal|spike|unusual|outlier|strange|weird|sudden|surge|jump")),
      new Rule(Intent.CACHING, found("cach|repeat|duplicat|same prompt")),
      new Rule(Intent.SAVINGS, found("\\bcut|sav(e|ing)|reduc|cheap|lower|optimi[sz]|spend less|wast|trim")),
      new Rule(Intent.BREAKDOWN, found("feature|break ?down|by model|per model|which model|each model|cost of")
          .or(Question::didCost)));
  private static final Pattern WHITESPACE = Pattern.compile("\\s+");

  /** Words that tie a message to usage data; a message with none of them is small talk or off topic. */
  private static final Pattern ABOUT_USAGE = Pattern.compile("\\b(use[ds]?|usage|using)\\b|spen[dt]|cost|pric|bill|budget|money|dollar|"
      + "[$€£]|token|request|\\bcalls?\\b|model|feature|provider|latenc|error|fail|timeout|summar|report|total|trend|"
      + "week|month|\\bdays?\\b|daily|today|yesterday|since|\\d{4}-\\d{2}-\\d{2}|gpt|claude|gemini|openai|anthropic|"
      + "google|llm|\\bai\\b|\\bapi\\b|traffic");
  /** Greetings, thanks and questions about the agent itself, and a few common off-topic asks. */
  private static final Pattern SMALL_TALK = Pattern.compile("^(hi|hello|hey|hiya|howdy|yo|greetings|good (morning|afternoon|"
      + "evening|day)|thanks?|thank you|cheers)\\b|who are you|what are you|what can you|what do you do|how do(es)? (you|this)"
      + " work|\\bhelp\\b|how are you|joke|weather|poem|recipe");

  private static final Pattern LAST_N = Pattern.compile("(?:last|past|previous) (\\d{1,3}) (day|week|month)s?");
  private static final Pattern ISO_DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
  private static final Pattern BETWEEN = Pattern.compile("(?:from|between) (\\d{4}-\\d{2}-\\d{2}) (?:to|and|until) (\\d{4}-\\d{2}-\\d{2})");
  private static final Pattern SINCE = Pattern.compile("since (\\d{4}-\\d{2}-\\d{2})");

  private record Rule(Intent intent, Predicate<CharSequence> test) { }

  private static Predicate<CharSequence> found(String regex) {
    Pattern pattern = Pattern.compile(regex);
    return text -> pattern.matcher(text).find();
  }

  static Question read(String text, LocalDate today) {
    String read = prefix(text);
    return read(read, lower(read), today);
  }

  /** The part of {@code text} the planner reads: its first {@link #READ_LIMIT} characters, never half a character. */
  static String prefix(String text) {
    if (text.length() <= READ_LIMIT) {
      return text;
    }
    int end = Character.isHighSurrogate(text.charAt(READ_LIMIT - 1)) ? READ_LIMIT - 1 : READ_LIMIT;
    return text.substring(0, end);
  }

  /** {@code text} in lower case with each run of white space as one space: what the patterns read. */
  static String lower(String text) {
    return WHITESPACE.matcher(text.toLowerCase(Locale.ROOT)).replaceAll(" ");
  }

  /** Reads {@code text} through {@code lower}, its {@link #lower} form (a test counts what the patterns read). */
  static Question read(String text, CharSequence lower, LocalDate today) {
    Intent intent = null;
    for (Rule rule : RULES) {
      if (rule.test().test(lower)) {
        intent = rule.intent();
        break;
      }
    }
    if (intent == null) {
      intent = offTopic(lower) ? Intent.INTRODUCTION : Intent.SUMMARY;
    }
    return period(text, lower, today, intent);
  }

  /**
   * True for small talk ("hello, who are you?") and for questions that name nothing in the data ("what's the
   * capital of France?"), when no word ties the message to usage. A statement that names nothing ("show me
   * everything") still gets the summary: it is more likely a terse request than a chat.
   */
  private static boolean offTopic(CharSequence lower) {
    if (ABOUT_USAGE.matcher(lower).find()) {
      return false;
    }
    String trimmed = lower.toString().strip();
    return SMALL_TALK.matcher(trimmed).find() || trimmed.endsWith("?");
  }

  /**
   * Whether "did " comes before " cost" on one line: what {@code did .* cost} found, in one pass. The regex tried every
   * "did " against every later position, quadratic in the text's length.
   */
  static boolean didCost(CharSequence text) {
    int afterDid = -1;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\n' || c == '\r' || c == '\u0085' || c == '\u2028' || c == '\u2029') {
        afterDid = -1; // '.' does not cross a line
      } else if (afterDid >= 0 && i >= afterDid && startsWith(text, i, " cost")) {
        return true;
      } else if (afterDid < 0 && startsWith(text, i, "did ")) {
        afterDid = i + 4;
      }
    }
    return false;
  }

  private static boolean startsWith(CharSequence text, int at, String word) {
    if (at + word.length() > text.length()) {
      return false;
    }
    for (int k = 0; k < word.length(); k++) {
      if (text.charAt(at + k) != word.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  private static Question period(String text, CharSequence lowerChars, LocalDate today, Intent intent) {
    String lower = lowerChars.toString();
    LocalDate tomorrow = today.plusDays(1);
    Matcher between = BETWEEN.matcher(lowerChars);
    if (between.find()) {
      LocalDate from = date(between.group(1));
      LocalDate last = date(between.group(2));
      if (from != null && last != null && !last.isBefore(from) && last.toEpochDay() - from.toEpochDay() < MAX_DAYS) {
        return new Question(text, intent, from, last.plusDays(1), from + " to " + last);
      }
    }
    Matcher since = SINCE.matcher(lowerChars);
    if (since.find()) {
      LocalDate from = date(since.group(1));
      if (from != null && from.isBefore(tomorrow) && tomorrow.toEpochDay() - from.toEpochDay() <= MAX_DAYS) {
        return new Question(text, intent, from, tomorrow, "since " + from);
      }
    }
    Matcher lastN = LAST_N.matcher(lowerChars);
    if (lastN.find()) {
      int n = Integer.parseInt(lastN.group(1));
      int days = switch (lastN.group(2)) {
        case "week" -> n * 7;
        case "month" -> n * 30;
        default -> n;
      };
      if (days >= 1 && days <= MAX_DAYS) {
        return new Question(text, intent, tomorrow.minusDays(days), tomorrow, "the last " + days + " days");
      }
    }
    LocalDate monday = today.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
    if (lower.contains("last week") || lower.contains("previous week")) {
      return new Question(text, intent, monday.minusWeeks(1), monday, "last week");
    }
    if (lower.contains("this week")) {
      return new Question(text, intent, monday, tomorrow, "this week");
    }
    if (lower.contains("yesterday")) {
      return new Question(text, intent, today.minusDays(1), today, "yesterday");
    }
    if (lower.contains("today")) {
      return new Question(text, intent, today, tomorrow, "today");
    }
    LocalDate firstOfMonth = today.withDayOfMonth(1);
    if (lower.contains("last month") || lower.contains("previous month")) {
      return new Question(text, intent, firstOfMonth.minusMonths(1), firstOfMonth, "last month");
    }
    if (lower.contains("this month")) {
      return new Question(text, intent, firstOfMonth, tomorrow, "this month");
    }
    return new Question(text, intent, tomorrow.minusDays(DEFAULT_DAYS), tomorrow, "the last " + DEFAULT_DAYS + " days");
  }

  private static LocalDate date(String text) {
    try {
      return ISO_DATE.matcher(text).matches() ? LocalDate.parse(text) : null;
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** The period in words with its dates, e.g. "last week (2026-11-16 to 2026-11-22)". */
  String periodLabel() {
    LocalDate last = to.minusDays(1);
    String dates = from.equals(last) ? from.toString() : from + " to " + last;
    return periodWords.equals(dates) || periodWords.equals("since " + from) ? dates : periodWords + " (" + dates + ")";
  }
}

package ai.netra.llm.offline;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.llm.offline.Question.Intent;
import java.time.LocalDate;
import java.util.Random;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class QuestionTest {

  /** A Tuesday. */
  private static final LocalDate TODAY = LocalDate.parse("2026-11-24");

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "where can I cut my AI spend?|SAVINGS",
      "How do we reduce costs?|SAVINGS",
      "what did feature summarize cost last week?|BREAKDOWN",
      "cost breakdown by model|BREAKDOWN",
      "is caching worth it?|CACHING",
      "how many repeated prompts do we send|CACHING",
      "any anomalies?|ANOMALIES",
      "was there a spike in spend|ANOMALIES",
      "how much did we spend?|SUMMARY",
      "show me my usage|SUMMARY",
      "sent on instance A|SUMMARY",
      "hello|INTRODUCTION",
      "hello, who are you?|INTRODUCTION",
      "Hi!|INTRODUCTION",
      "what can you do?|INTRODUCTION",
      "thanks|INTRODUCTION",
      "what is the capital of France?|INTRODUCTION",
      "tell me a joke|INTRODUCTION",
      "hello, how much did we spend last week?|SUMMARY",
      "hi, where can I cut my AI spend?|SAVINGS",
      "hey, any anomalies?|ANOMALIES"})
  void readsTheIntent(String text, Intent intent) {
    assertThat(Question.read(text, TODAY).intent()).isEqualTo(intent);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "what did it cost last week?|2026-11-16|2026-11-23|last week (2026-11-16 to 2026-11-22)",
      "spend this week|2026-11-23|2026-11-25|this week (2026-11-23 to 2026-11-24)",
      "spend yesterday|2026-11-23|2026-11-24|yesterday (2026-11-23)",
      "usage in the last 14 days|2026-11-11|2026-11-25|the last 14 days (2026-11-11 to 2026-11-24)",
      "past 2 weeks|2026-11-11|2026-11-25|the last 14 days (2026-11-11 to 2026-11-24)",
      "last month|2026-10-01|2026-11-01|last month (2026-10-01 to 2026-10-31)",
      "since 2026-11-01|2026-11-01|2026-11-25|2026-11-01 to 2026-11-24",
      "from 2026-10-03 to 2026-10-05|2026-10-03|2026-10-06|2026-10-03 to 2026-10-05",
      "any anomalies?|2026-10-26|2026-11-25|the last 30 days (2026-10-26 to 2026-11-24)",
      "from 2026-10-05 to 2026-10-03|2026-10-26|2026-11-25|the last 30 days (2026-10-26 to 2026-11-24)"})
  void readsThePeriod(String text, String from, String to, String label) {
    Question q = Question.read(text, TODAY);
    assertThat(q.from()).isEqualTo(from);
    assertThat(q.to()).isEqualTo(to);
    assertThat(q.periodLabel()).isEqualTo(label);
  }

  @Test
  void theSameTextOnTheSameDayReadsTheSame() {
    assertThat(Question.read("where can I cut spend last month?", TODAY))
        .isEqualTo(Question.read("where can I cut spend last month?", TODAY));
  }

  /**
   * What the patterns may read per character of the text they read. About ten patterns, each a choice of fixed words,
   * are tried at each position, and each alternative gives up within a few characters: about 90 reads a character
   * measured on the worst family. The quadratic {@code did .* cost} read about 500 on 2,000 characters.
   */
  private static final int READS_PER_CHAR = 128;

  /** Issue 16's families of hostile messages, each 32,000 characters: the longest message the chat takes. */
  static Stream<String> adversarial() {
    return Stream.of(
        "did ".repeat(8_000),
        "a".repeat(32_000),
        "d".repeat(32_000),
        " ".repeat(16_000) + "\n\t".repeat(8_000),
        "did it cost ".repeat(2_667).substring(0, 32_000),
        "did " + "x".repeat(31_996),
        "from 2026-10-03 to ".repeat(1_685).substring(0, 32_000),
        "between 2026-10-03 and from 2026-10-0 ".repeat(843).substring(0, 32_000),
        "past 1 last 12 previous 123 days weeks ".repeat(821).substring(0, 32_000),
        "break break down by by model since since 2026-".repeat(700).substring(0, 32_000),
        "hi hello hey good good morning thank thanks ".repeat(728).substring(0, 32_000),
        "\uD83D\uDE00".repeat(16_000));
  }

  @ParameterizedTest
  @MethodSource("adversarial")
  void aHostileMessageIsReadWithBoundedWorkWhateverItsLength(String hostile) {
    String read = Question.prefix(hostile);
    long reads = reads(read);
    assertThat(read.length()).as("characters the planner reads").isLessThanOrEqualTo(Question.READ_LIMIT);
    assertThat(reads).as("characters the patterns read").isLessThanOrEqualTo((long) READS_PER_CHAR * Question.READ_LIMIT);
    long half = reads(read.substring(0, read.length() / 2));
    assertThat(reads).as("work on twice the text (%d on half of it): linear, not quadratic", half)
        .isLessThanOrEqualTo(half * 5 / 2 + 1_000);
  }

  private static long reads(String read) {
    CountingChars lower = new CountingChars(Question.lower(read));
    Question.read(read, lower, TODAY);
    return lower.reads;
  }

  /** Proves the bound above can fail: the pattern the scan replaced reads far more on the same text. */
  @Test
  void theBacktrackingPatternItReplacedBreaksThatBound() {
    Pattern regex = Pattern.compile("did .* cost");
    CountingChars lower = new CountingChars(Question.lower(Question.prefix("did ".repeat(8_000))));
    regex.matcher(lower).find();
    CountingChars half = new CountingChars(lower.text.substring(0, lower.length() / 2));
    regex.matcher(half).find();
    assertThat(lower.reads).isGreaterThan((long) READS_PER_CHAR * Question.READ_LIMIT);
    assertThat(lower.reads).isGreaterThan(half.reads * 5 / 2 + 1_000);
  }

  @Test
  void aLongMessageReadsAsItsFirst2000Characters() {
    String question = "what did feature summarize cost last week?";
    String padded = question + " ".repeat(Question.READ_LIMIT) + "any anomalies since 2026-11-01?";
    Question q = Question.read(padded, TODAY);
    assertThat(q.intent()).isEqualTo(Intent.BREAKDOWN);
    assertThat(q.periodLabel()).isEqualTo("last week (2026-11-16 to 2026-11-22)");
    assertThat(q.text()).hasSize(Question.READ_LIMIT);
  }

  @Test
  void theScanForDidCostFindsWhatTheRegexFound() {
    Pattern regex = Pattern.compile("did .* cost");
    Random random = new Random(16);
    String[] pieces = {"did ", " cost", "d", "i", " ", "c", "ost", "x", "\n", "\u2028", "\u0085", "did", "cost"};
    for (int n = 0; n < 20_000; n++) {
      StringBuilder text = new StringBuilder();
      for (int k = random.nextInt(8); k >= 0; k--) {
        text.append(pieces[random.nextInt(pieces.length)]);
      }
      assertThat(Question.didCost(text)).as("did-cost in [%s]", text).isEqualTo(regex.matcher(text).find());
    }
  }

  /** Text that counts how many characters are read from it. */
  private static final class CountingChars implements CharSequence {
    private final String text;
    long reads;

    CountingChars(String text) {
      this.text = text;
    }

    @Override
    public int length() {
      return text.length();
    }

    @Override
    public char charAt(int index) {
      reads++;
      return text.charAt(index);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      reads += end - start;
      return text.subSequence(start, end);
    }

    @Override
    public String toString() {
      reads += text.length();
      return text;
    }
  }
}

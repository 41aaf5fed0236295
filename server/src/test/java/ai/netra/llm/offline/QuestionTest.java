package ai.netra.llm.offline;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.llm.offline.Question.Intent;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
}

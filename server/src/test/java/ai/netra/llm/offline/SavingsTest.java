package ai.netra.llm.offline;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.BigRange;
import net.jqwik.api.constraints.Scale;
import org.junit.jupiter.api.Test;

/** Issue 17: a user who spent $0.77 was told they could save $1.04, a switch ($0.35) and caching ($0.69) added up. */
class SavingsTest {

  @Test
  void theReportedCaseCombinesInSequenceWithinTheSpend() {
    BigDecimal combined = Savings.inSequence(new BigDecimal("0.77"), new BigDecimal("0.35"), new BigDecimal("0.69"));
    // 0.77 - (0.77 - 0.35) * (0.77 - 0.69) / 0.77 = 0.77 - 0.42 * 0.08 / 0.77 = 0.7263...
    assertThat(combined).isEqualByComparingTo("0.72");
    assertThat(Savings.cacheAfterSwitch(new BigDecimal("0.77"), new BigDecimal("0.35"), new BigDecimal("0.69")))
        .isEqualByComparingTo("0.37");
  }

  @Property(tries = 2_000)
  void combinedSavingsNeverExceedTheSpendNorFallBelowEitherAlone(
      @ForAll @BigRange(min = "0", max = "100000") @Scale(2) BigDecimal spend,
      @ForAll @BigRange(min = "-10", max = "200000") @Scale(2) BigDecimal switchSaving,
      @ForAll @BigRange(min = "-10", max = "200000") @Scale(2) BigDecimal cacheSaving) {
    BigDecimal combined = Savings.inSequence(spend, switchSaving, cacheSaving);
    assertThat(combined).as("combined of %s and %s on %s", switchSaving, cacheSaving, spend).isLessThanOrEqualTo(spend)
        .isGreaterThanOrEqualTo(BigDecimal.ZERO);
    BigDecimal larger = switchSaving.max(cacheSaving).min(spend).max(BigDecimal.ZERO);
    assertThat(combined).as("at least the larger one alone, to the cent").isGreaterThanOrEqualTo(larger.subtract(new BigDecimal("0.01")));
    BigDecimal after = Savings.cacheAfterSwitch(spend, switchSaving, cacheSaving);
    assertThat(switchSaving.max(BigDecimal.ZERO).min(spend).add(after)).isLessThanOrEqualTo(spend);
  }
}

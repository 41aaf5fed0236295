package ai.netra.llm.offline;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Combines savings that overlap, so their sum never exceeds the spend they come out of: a model switch and a
 * response cache act on the same requests, so they are applied in sequence (the switch first, then the cache on
 * the spend that remains, assumed spread like the spend as a whole) instead of being added.
 */
final class Savings {

  private static final int SCALE = 20;

  private Savings() { }

  /**
   * What a switch saving {@code switchUsd} and then a cache saving {@code cacheUsd} (each measured on the whole of
   * {@code spendUsd}) save together, in cents rounded down: {@code spend - (spend - switch) * (spend - cache) / spend},
   * which is at most the spend and at least the larger of the two. Each saving is first held within the spend.
   */
  static BigDecimal inSequence(BigDecimal spendUsd, BigDecimal switchUsd, BigDecimal cacheUsd) {
    if (spendUsd.signum() <= 0) {
      return BigDecimal.ZERO.setScale(2);
    }
    BigDecimal switched = clamp(switchUsd, spendUsd);
    BigDecimal cached = clamp(cacheUsd, spendUsd);
    BigDecimal remaining = spendUsd.subtract(switched).multiply(spendUsd.subtract(cached))
        .divide(spendUsd, SCALE, RoundingMode.HALF_UP);
    return spendUsd.subtract(remaining).setScale(2, RoundingMode.FLOOR);
  }

  /** The cache saving left once the switch has been made: the cache's share of spend, applied to what remains. */
  static BigDecimal cacheAfterSwitch(BigDecimal spendUsd, BigDecimal switchUsd, BigDecimal cacheUsd) {
    if (spendUsd.signum() <= 0) {
      return BigDecimal.ZERO.setScale(2);
    }
    return clamp(cacheUsd, spendUsd).multiply(spendUsd.subtract(clamp(switchUsd, spendUsd)))
        .divide(spendUsd, 2, RoundingMode.FLOOR);
  }

  private static BigDecimal clamp(BigDecimal saving, BigDecimal spend) {
    return saving == null || saving.signum() < 0 ? BigDecimal.ZERO : saving.min(spend);
  }
}

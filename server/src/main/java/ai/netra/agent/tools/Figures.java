package ai.netra.agent.tools;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.Locale;

/**
 * How tools round and print figures: USD to cents and ratios to one decimal, HALF_UP, so a figure
 * equals PostgreSQL's {@code round(exact, 2)} of the same sum.
 */
final class Figures {

  private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);
  private static final int DIVISION_SCALE = 20;

  private Figures() { }

  /** USD to cents; a sum over no priced rows (SQL null) is zero. */
  static BigDecimal usd(BigDecimal exact) {
    return (exact == null ? BigDecimal.ZERO : exact).setScale(2, RoundingMode.HALF_UP);
  }

  /** A ratio or percentage to one decimal. */
  static BigDecimal oneDecimal(BigDecimal exact) {
    return exact.setScale(1, RoundingMode.HALF_UP);
  }

  /** {@code part / whole * 100} to one decimal, or null when the whole is zero (no share to speak of). */
  static BigDecimal percent(BigDecimal part, BigDecimal whole) {
    if (whole == null || whole.signum() == 0) {
      return null;
    }
    return oneDecimal(nullToZero(part).multiply(HUNDRED).divide(whole, DIVISION_SCALE, RoundingMode.HALF_UP));
  }

  /** {@code part / whole} to one decimal, or null when the whole is zero. */
  static BigDecimal ratio(BigDecimal part, BigDecimal whole) {
    if (whole == null || whole.signum() == 0) {
      return null;
    }
    return oneDecimal(nullToZero(part).divide(whole, DIVISION_SCALE, RoundingMode.HALF_UP));
  }

  /** An exact division for intermediate figures. */
  static BigDecimal divide(BigDecimal part, BigDecimal whole) {
    return part.divide(whole, DIVISION_SCALE, RoundingMode.HALF_UP);
  }

  static BigDecimal nullToZero(BigDecimal value) {
    return value == null ? BigDecimal.ZERO : value;
  }

  /** A price per 1M tokens as stored, without the column's trailing zeros but with at least cents: 2.50, 0.075. */
  static BigDecimal price(BigDecimal stored) {
    BigDecimal stripped = stored.stripTrailingZeros();
    return stripped.scale() < 2 ? stripped.setScale(2, RoundingMode.UNNECESSARY) : stripped;
  }

  /** "$1,234.56", "-$3.10". */
  static String dollars(BigDecimal usd) {
    BigDecimal cents = usd(usd);
    return (cents.signum() < 0 ? "-$" : "$") + format("#,##0.00", cents.abs());
  }

  /** "48,210". */
  static String count(long n) {
    return format("#,##0", BigDecimal.valueOf(n));
  }

  /** "3.7%". */
  static String percentText(BigDecimal percent) {
    return percent == null ? "n/a" : oneDecimal(percent).toPlainString() + "%";
  }

  private static String format(String pattern, BigDecimal value) {
    DecimalFormat format = new DecimalFormat(pattern, DecimalFormatSymbols.getInstance(Locale.US));
    format.setRoundingMode(RoundingMode.HALF_UP);
    return format.format(value);
  }
}

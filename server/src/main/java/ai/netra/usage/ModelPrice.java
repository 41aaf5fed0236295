package ai.netra.usage;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Objects;

/** The list price of one provider's model from a date on, in US dollars per million tokens. */
public record ModelPrice(String provider, String model, BigDecimal inputUsdPerMtok, BigDecimal outputUsdPerMtok,
    LocalDate effectiveFrom) {

  public ModelPrice {
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(inputUsdPerMtok, "inputUsdPerMtok");
    Objects.requireNonNull(outputUsdPerMtok, "outputUsdPerMtok");
    Objects.requireNonNull(effectiveFrom, "effectiveFrom");
    if (inputUsdPerMtok.signum() < 0 || outputUsdPerMtok.signum() < 0) {
      throw new IllegalArgumentException(provider + "/" + model + ": prices cannot be negative");
    }
  }

  /** What {@code promptTokens} in and {@code completionTokens} out cost at this price, in US dollars. */
  public BigDecimal costUsd(long promptTokens, long completionTokens) {
    return inputUsdPerMtok.multiply(BigDecimal.valueOf(promptTokens))
        .add(outputUsdPerMtok.multiply(BigDecimal.valueOf(completionTokens)))
        .movePointLeft(6);
  }
}

package ai.netra.agent.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Issue 22: a spend spike splits into volume, model mix, price and tokens per request, which add up to the change. */
class SpendChangeTest {

  /** Two token kinds: input (read) and output (written). */
  private static final boolean[] KINDS = {false, true};

  /** A model's requests and tokens (input, output) at prices per 1M tokens (input, output). */
  private static SpendChange.ModelUsage usage(String model, long requests, long input, long output, String inputPrice,
      String outputPrice) {
    return new SpendChange.ModelUsage("acme", model, requests, new long[] {input, output},
        new BigDecimal[] {cost(input, inputPrice), cost(output, outputPrice)});
  }

  private static BigDecimal cost(long tokens, String perMillion) {
    return BigDecimal.valueOf(tokens).multiply(new BigDecimal(perMillion)).movePointLeft(6);
  }

  private static SpendChange.Period period(int days, SpendChange.ModelUsage... models) {
    SpendChange.Period period = new SpendChange.Period(days, KINDS.length);
    for (SpendChange.ModelUsage m : models) {
      period.add(m);
    }
    return period;
  }

  private static void assertParts(SpendChange change, String volume, String mix, String price, String tokens) {
    assertThat(List.of(change.volumeUsd(), change.modelMixUsd(), change.priceUsd(), change.tokensPerRequestUsd()))
        .as("volume, model mix, price, tokens per request")
        .isEqualTo(List.of(new BigDecimal(volume), new BigDecimal(mix), new BigDecimal(price), new BigDecimal(tokens)));
  }

  @Test
  void twiceTheRequestsIsAllVolume() {
    // a week of 100 requests a day on each of two models, then a day of 200 on each: the same share, length and price
    SpendChange change = SpendChange.of(
        period(7, usage("big", 700, 700_000_000, 70_000_000, "2.50", "10.00"), usage("small", 700, 70_000_000, 7_000_000, "0.15", "0.60")),
        period(1, usage("big", 200, 200_000_000, 20_000_000, "2.50", "10.00"), usage("small", 200, 20_000_000, 2_000_000, "0.15", "0.60")),
        KINDS);

    // big: $250 + $100 a day, small: $1.50 + $0.60; doubled
    assertThat(change.changeUsd()).isEqualByComparingTo("352.10");
    assertParts(change, "352.10", "0.00", "0.00", "0.00");
    assertThat(change.requestsBase()).isEqualByComparingTo("200");
    assertThat(change.requestsSpike()).isEqualByComparingTo("400");
    assertThat(change.shares()).as("no share moved").isEmpty();
  }

  @Test
  void movingRequestsToADearerModelIsAllModelMix() {
    // 100 requests a day: all on small, then all on big, each request as long as before
    SpendChange change = SpendChange.of(period(2, usage("small", 200, 200_000, 20_000, "0.15", "0.60")),
        period(1, usage("big", 100, 100_000, 10_000, "2.50", "10.00")), KINDS);

    // small: 0.015 + 0.006 = $0.021 a day; big: 0.25 + 0.10 = $0.35
    assertParts(change, "0.00", "0.33", "0.00", "0.00");
    assertThat(change.changeUsd()).isEqualByComparingTo("0.33");
    assertThat(change.shares()).extracting(SpendChange.ModelChange::model, SpendChange.ModelChange::shareSpikePct)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("big", new BigDecimal("100.0")),
            org.assertj.core.groups.Tuple.tuple("small", new BigDecimal("0.0")));
  }

  @Test
  void aShiftBetweenModelsPresentInBothPeriodsIsModelMix() {
    // 100 requests a day, 90/10 then 50/50 between small and big, same lengths and prices
    SpendChange change = SpendChange.of(
        period(1, usage("big", 10, 10_000_000, 0, "2.00", "0"), usage("small", 90, 90_000_000, 0, "1.00", "0")),
        period(1, usage("big", 50, 50_000_000, 0, "2.00", "0"), usage("small", 50, 50_000_000, 0, "1.00", "0")), KINDS);

    // $20 + $90 = $110, then $100 + $50 = $150
    assertParts(change, "0.00", "40.00", "0.00", "0.00");
    assertThat(change.shares()).extracting(SpendChange.ModelChange::model).containsExactly("big", "small");
    assertThat(change.shares().get(0).shareBasePct()).isEqualByComparingTo("10.0");
    assertThat(change.shares().get(0).shareSpikePct()).isEqualByComparingTo("50.0");
  }

  @Test
  void aNewCatalogPriceIsAllPrice() {
    // the same requests, priced 2.50/10.00 in the base and 5.00/15.00 on the day
    SpendChange change = SpendChange.of(period(7, usage("big", 700, 7_000_000, 700_000, "2.50", "10.00")),
        period(1, usage("big", 100, 1_000_000, 100_000, "5.00", "15.00")), KINDS);

    // $2.50 + $1.00 = $3.50 a day, then $5.00 + $1.50 = $6.50
    assertParts(change, "0.00", "0.00", "3.00", "0.00");
    assertThat(change.prices()).extracting(SpendChange.ModelChange::model, SpendChange.ModelChange::priceUsd)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("big", new BigDecimal("3.00")));
  }

  @Test
  void longerPromptsAreAllTokensPerRequestThoughPromptTokensAreCheaperThanAnswers() {
    // prompts four times as long, answers as long as before: a blended price per token would fall and show a price cut
    SpendChange change = SpendChange.of(period(7, usage("big", 700, 7_000_000, 700_000, "2.50", "10.00")),
        period(1, usage("big", 100, 4_000_000, 100_000, "2.50", "10.00")), KINDS);

    // $3.50 a day, then $10.00 + $1.00
    assertParts(change, "0.00", "0.00", "0.00", "7.50");
    assertThat(change.tokensSide()).isEqualTo("prompt");
    assertThat(change.promptTokensPerRequestBase()).isEqualByComparingTo("10000");
    assertThat(change.promptTokensPerRequestSpike()).isEqualByComparingTo("40000");
    assertThat(change.completionTokensPerRequestSpike()).isEqualByComparingTo("1000");
  }

  @Test
  void twiceTheRequestsTwiceAsLongAtTwiceThePriceSplitsInThirds() {
    // one model, one kind: V = N * t * p, each doubled, V eight times; each factor's part is L(80, 10) * ln 2 = 70 / 3
    SpendChange change = SpendChange.of(period(1, usage("big", 10, 1_000_000, 0, "10.00", "0")),
        period(1, usage("big", 20, 4_000_000, 0, "20.00", "0")), KINDS);

    assertThat(change.changeUsd()).isEqualByComparingTo("70.00");
    // 23.333... each: the one cent left over goes to the first of equal remainders
    assertParts(change, "23.34", "0.00", "23.33", "23.33");
  }

  @Test
  void aSpikeFromNothingIsAllVolume() {
    SpendChange change = SpendChange.of(period(7), period(1, usage("big", 3, 3_000_000, 0, "1.00", "0")), KINDS);

    assertParts(change, "3.00", "0.00", "0.00", "0.00");
    assertThat(change.requestsBase()).isEqualByComparingTo("0");
    assertThat(change.promptTokensPerRequestBase()).isNull();
  }

  @Test
  void roundingGivesTheLeftoverCentsToTheLargestRemainders() {
    assertThat(SpendChange.cents(new double[] {0.003, 0.006, 0.001, 0}, new BigDecimal("0.010")))
        .containsExactly(new BigDecimal("0.00"), new BigDecimal("0.01"), new BigDecimal("0.00"), new BigDecimal("0.00"));
    assertThat(SpendChange.cents(new double[] {-1.007, 2.004, 0, 0}, new BigDecimal("0.997")))
        .containsExactly(new BigDecimal("-1.01"), new BigDecimal("2.01"), new BigDecimal("0.00"), new BigDecimal("0.00"));
  }

  /** A model of one period: present or not, its requests, and per kind its tokens and price per 1M tokens. */
  record Side(long requests, long input, long output, BigDecimal inputPrice, BigDecimal outputPrice) { }

  @Provide
  Arbitrary<Side> side() {
    Arbitrary<Long> tokens = Arbitraries.oneOf(Arbitraries.just(0L), Arbitraries.longs().between(1, 2_000_000_000L));
    Arbitrary<BigDecimal> price = Arbitraries.oneOf(Arbitraries.just(BigDecimal.ZERO),
        Arbitraries.bigDecimals().between(new BigDecimal("0.01"), new BigDecimal("80")).ofScale(4));
    Arbitrary<Side> present = Combinators.combine(Arbitraries.longs().between(1, 5_000_000), tokens, tokens, price, price)
        .as(Side::new);
    return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(1, Arbitraries.just(new Side(0, 0, 0, BigDecimal.ZERO,
        BigDecimal.ZERO))), net.jqwik.api.Tuple.of(4, present));
  }

  @Provide
  Arbitrary<List<List<Side>>> models() {
    return side().list().ofSize(2).list().ofMinSize(0).ofMaxSize(6);
  }

  @Property(tries = 3_000)
  void thePartsAlwaysSumToTheChangeToTheCent(@ForAll("models") List<List<Side>> models,
      @ForAll @IntRange(min = 1, max = 31) int baseDays) {
    SpendChange.Period base = new SpendChange.Period(baseDays, KINDS.length);
    SpendChange.Period spike = new SpendChange.Period(1, KINDS.length);
    BigDecimal baseSpend = BigDecimal.ZERO;
    BigDecimal spikeSpend = BigDecimal.ZERO;
    for (int i = 0; i < models.size(); i++) {
      for (int p = 0; p < 2; p++) {
        Side side = models.get(i).get(p);
        if (side.requests() == 0) {
          continue; // this model is absent from this period
        }
        SpendChange.ModelUsage usage = new SpendChange.ModelUsage("acme", "m" + i, side.requests(),
            new long[] {side.input(), side.output()},
            new BigDecimal[] {cost(side.input(), side.inputPrice().toPlainString()), cost(side.output(),
                side.outputPrice().toPlainString())});
        (p == 0 ? base : spike).add(usage);
        if (p == 0) {
          baseSpend = baseSpend.add(usage.costs()[0]).add(usage.costs()[1]);
        } else {
          spikeSpend = spikeSpend.add(usage.costs()[0]).add(usage.costs()[1]);
        }
      }
    }

    SpendChange change = SpendChange.of(base, spike, KINDS);

    BigDecimal expected = spikeSpend.subtract(baseSpend.divide(BigDecimal.valueOf(baseDays), 20, RoundingMode.HALF_UP))
        .setScale(2, RoundingMode.HALF_UP);
    assertThat(change.changeUsd()).isEqualByComparingTo(expected);
    assertThat(change.volumeUsd().add(change.modelMixUsd()).add(change.priceUsd()).add(change.tokensPerRequestUsd()))
        .as("volume %s + mix %s + price %s + tokens %s", change.volumeUsd(), change.modelMixUsd(), change.priceUsd(),
            change.tokensPerRequestUsd())
        .isEqualByComparingTo(expected);
  }

  @Property(tries = 3_000)
  void aCellsUnroundedPartsSumToItsChange(@ForAll @DoubleRange(min = 0, max = 1e6) double n0,
      @ForAll @DoubleRange(min = 0, max = 1e6) double n1, @ForAll @DoubleRange(min = 0, max = 1) double s0,
      @ForAll @DoubleRange(min = 0, max = 1) double s1, @ForAll @DoubleRange(min = 0, max = 1e6) double t0,
      @ForAll @DoubleRange(min = 0, max = 1e6) double t1, @ForAll @DoubleRange(min = 0, max = 100) double p0,
      @ForAll @DoubleRange(min = 0, max = 100) double p1) {
    double r0 = n0 * s0;
    double r1 = n1 * s1;
    double v0 = r0 * t0 * p0 / 1e6;
    double v1 = r1 * t1 * p1 / 1e6;
    double[] parts = SpendChange.cell(n0, n1, r0, r1, r0 * t0, r1 * t1, v0, v1);
    assertThat(parts[0] + parts[1] + parts[2] + parts[3]).isCloseTo(v1 - v0, within(1e-9 * Math.max(1, Math.max(v0, v1))));
  }
}

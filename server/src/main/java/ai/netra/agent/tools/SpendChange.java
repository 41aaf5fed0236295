package ai.netra.agent.tools;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Why spend changed between a base period and a later one, per day, in four causes that add up to the change:
 * <b>volume</b> (how many requests), <b>model mix</b> (which models served them), <b>price</b> (what the catalog charged
 * per token) and <b>tokens per request</b> (how long the prompts and answers were).
 *
 * <p>The model. A period's spend per day is a sum over cells (m, k), model m and token kind k (the
 * {@link ai.netra.usage.PricedSql#components}: input, cached input, cache writes, output, reasoning, and those of the
 * long-context tier, each with its own price): {@code V_mk = N * s_m * t_mk * p_mk}, where N is the requests per day
 * (weighted by {@code requests}: a stored row may hold several), {@code s_m = R_m / N} the share of the requests on m,
 * {@code t_mk = T_mk / R_m} the tokens of kind k per request of m, and {@code p_mk = V_mk / T_mk} the price per token
 * actually charged (over a base of several days, the mean of the prices in effect on each). A token kind with its own
 * price keeps a longer prompt (more tokens per request) apart from a dearer catalog (more dollars per token): with one
 * blended price per model, a longer prompt would lower the blend and show as a price cut.
 *
 * <p>The split: the additive log-mean Divisia index (LMDI-I), exact and independent of the order of the factors:
 * <pre>
 *   ΔV = Σ_mk L(V1_mk, V0_mk) * [ ln(N1/N0) + ln(s1_m/s0_m) + ln(t1_mk/t0_mk) + ln(p1_mk/p0_mk) ]
 *        volume               model mix       tokens per request  price
 *   L(a, b) = (a - b) / (ln a - ln b),  L(a, a) = a
 * </pre>
 * The four logs of a cell add up to {@code ln(V1_mk / V0_mk)}, and {@code L * ln(V1 / V0) = V1 - V0}, so the parts sum
 * to the change exactly. A log of zero has no meaning, so a cell with a zero on one side gives its whole change
 * {@code V1 - V0} to the factor that went from or to zero, checked in this order: a period without any request (volume);
 * a model present in one period only (model mix: it came or went); a token kind the model used in one period only
 * (tokens per request); a price of zero in one period (price).
 *
 * <p>Rounding happens in one place, {@link #cents}: the parts are computed unrounded and then rounded to cents by the
 * largest remainder, so the four sum to the change in cents exactly, and each is within a cent of its exact value. The
 * per-model figures are rounded on their own and need not add up to the cent.
 *
 * @param changeUsd spend per day of the later period minus that of the base, to the cent
 * @param tokensSide which side of the requests the tokens-per-request part mostly comes from: {@code prompt} or
 *     {@code completion}
 * @param shares the models whose share of the requests moved most (up to {@value #LISTED})
 * @param prices the models whose price part is largest (up to {@value #LISTED}, only those of a cent or more)
 */
record SpendChange(BigDecimal changeUsd, BigDecimal volumeUsd, BigDecimal modelMixUsd, BigDecimal priceUsd,
    BigDecimal tokensPerRequestUsd, String tokensSide, BigDecimal requestsBase, BigDecimal requestsSpike,
    BigDecimal promptTokensPerRequestBase, BigDecimal promptTokensPerRequestSpike, BigDecimal completionTokensPerRequestBase,
    BigDecimal completionTokensPerRequestSpike, List<ModelChange> shares, List<ModelChange> prices) {

  /** How many models the lists name at most. */
  static final int LISTED = 3;

  /** Models in provider and name order, so ties go to the first name. */
  private static final Comparator<List<String>> BY_NAME =
      Comparator.<List<String>, String>comparing(key -> key.get(0)).thenComparing(key -> key.get(1));

  private static final int VOLUME = 0;
  private static final int MIX = 1;
  private static final int TOKENS = 2;
  private static final int PRICE = 3;

  SpendChange {
    shares = List.copyOf(shares);
    prices = List.copyOf(prices);
  }

  /** One model's requests per day, share of the requests, and its own part of each cause. */
  record ModelChange(String provider, String model, BigDecimal requestsBase, BigDecimal requestsSpike, BigDecimal shareBasePct,
      BigDecimal shareSpikePct, BigDecimal changeUsd, BigDecimal volumeUsd, BigDecimal modelMixUsd, BigDecimal priceUsd,
      BigDecimal tokensPerRequestUsd) { }

  /**
   * A model's usage over a period: requests, and per token kind the tokens and their exact cost. The kinds are those of
   * {@link ai.netra.usage.PricedSql#components}, in their order.
   */
  record ModelUsage(String provider, String model, long requests, long[] tokens, BigDecimal[] costs) {
    ModelUsage {
      Objects.requireNonNull(provider, "provider");
      Objects.requireNonNull(model, "model");
      tokens = tokens.clone();
      costs = costs.clone();
      if (tokens.length != costs.length) {
        throw new IllegalArgumentException("tokens and costs of " + provider + "/" + model + " must name the same token kinds");
      }
    }

    /** The exact spend per day over {@code days} days. */
    BigDecimal spendPerDay(int days) {
      BigDecimal sum = BigDecimal.ZERO;
      for (BigDecimal cost : costs) {
        sum = sum.add(cost);
      }
      return Figures.divide(sum, BigDecimal.valueOf(days));
    }
  }

  /** The usage of a period of {@code days} days, summed per model; compared per day. */
  static final class Period {
    private final int days;
    private final int kinds;
    private final Map<List<String>, ModelUsage> models = new TreeMap<>(BY_NAME);

    Period(int days, int kinds) {
      if (days < 1) {
        throw new IllegalArgumentException("a period has at least one day, got " + days);
      }
      this.days = days;
      this.kinds = kinds;
    }

    /** Adds requests of a model (several adds of one model are summed). */
    Period add(ModelUsage usage) {
      if (usage.tokens().length != kinds) {
        throw new IllegalArgumentException("expected " + kinds + " token kinds, got " + usage.tokens().length);
      }
      models.merge(List.of(usage.provider(), usage.model()), usage, (a, b) -> {
        long[] tokens = new long[kinds];
        BigDecimal[] costs = new BigDecimal[kinds];
        for (int k = 0; k < kinds; k++) {
          tokens[k] = a.tokens()[k] + b.tokens()[k];
          costs[k] = a.costs()[k].add(b.costs()[k]);
        }
        return new ModelUsage(a.provider(), a.model(), a.requests() + b.requests(), tokens, costs);
      });
      return this;
    }

    long requests() {
      return models.values().stream().mapToLong(ModelUsage::requests).sum();
    }

    /** The exact spend per day. */
    BigDecimal spendPerDay() {
      BigDecimal sum = BigDecimal.ZERO;
      for (ModelUsage m : models.values()) {
        for (BigDecimal cost : m.costs()) {
          sum = sum.add(cost);
        }
      }
      return Figures.divide(sum, BigDecimal.valueOf(days));
    }


    private long tokens(boolean output, boolean[] outputKinds) {
      long sum = 0;
      for (ModelUsage m : models.values()) {
        for (int k = 0; k < kinds; k++) {
          if (outputKinds[k] == output) {
            sum += m.tokens()[k];
          }
        }
      }
      return sum;
    }
  }

  /**
   * The split of the change from {@code base} to {@code spike}.
   *
   * @param outputKinds per token kind, whether the model wrote it (completion) or read it (prompt)
   */
  static SpendChange of(Period base, Period spike, boolean[] outputKinds) {
    if (base.kinds != spike.kinds || outputKinds.length != base.kinds) {
      throw new IllegalArgumentException("both periods and the output flags must name the same token kinds");
    }
    double d0 = base.days;
    double d1 = spike.days;
    double n0 = base.requests() / d0;
    double n1 = spike.requests() / d1;
    long all0 = base.requests();
    long all1 = spike.requests();
    ModelUsage none = new ModelUsage("", "", 0, new long[base.kinds], zeros(base.kinds));

    double[] total = new double[4];
    double tokensFromPrompts = 0;
    double tokensFromCompletions = 0;
    List<Moved> moved = new ArrayList<>();
    Map<List<String>, ModelUsage> keys = new TreeMap<>(BY_NAME);
    keys.putAll(base.models);
    keys.putAll(spike.models);
    for (List<String> key : keys.keySet()) {
      ModelUsage m0 = base.models.getOrDefault(key, none);
      ModelUsage m1 = spike.models.getOrDefault(key, none);
      double r0 = m0.requests() / d0;
      double r1 = m1.requests() / d1;
      double[] parts = new double[4];
      for (int k = 0; k < base.kinds; k++) {
        double v0 = m0.costs()[k].doubleValue() / d0;
        double v1 = m1.costs()[k].doubleValue() / d1;
        double t0 = m0.tokens()[k] / d0;
        double t1 = m1.tokens()[k] / d1;
        double[] cell = cell(n0, n1, r0, r1, t0, t1, v0, v1);
        for (int f = 0; f < 4; f++) {
          parts[f] += cell[f];
        }
        if (outputKinds[k]) {
          tokensFromCompletions += cell[TOKENS];
        } else {
          tokensFromPrompts += cell[TOKENS];
        }
      }
      for (int f = 0; f < 4; f++) {
        total[f] += parts[f];
      }
      BigDecimal change = m1.spendPerDay(spike.days).subtract(m0.spendPerDay(base.days));
      double share0 = all0 == 0 ? 0 : (double) m0.requests() / all0;
      double share1 = all1 == 0 ? 0 : (double) m1.requests() / all1;
      moved.add(new Moved(Math.abs(share1 - share0), Math.abs(parts[PRICE]), new ModelChange(key.get(0), key.get(1),
          perDay(m0.requests(), base.days), perDay(m1.requests(), spike.days),
          Figures.percent(BigDecimal.valueOf(m0.requests()), BigDecimal.valueOf(all0)),
          Figures.percent(BigDecimal.valueOf(m1.requests()), BigDecimal.valueOf(all1)), Figures.usd(change),
          usd(parts[VOLUME]), usd(parts[MIX]), usd(parts[PRICE]), usd(parts[TOKENS]))));
    }

    BigDecimal change = spike.spendPerDay().subtract(base.spendPerDay());
    BigDecimal[] parts = cents(total, change);
    List<ModelChange> shares = moved.stream().filter(m -> m.share() > 0)
        .sorted(Comparator.comparingDouble(Moved::share).reversed()).limit(LISTED).map(Moved::model).toList();
    List<ModelChange> prices = moved.stream().filter(m -> m.model().priceUsd().signum() != 0)
        .sorted(Comparator.comparingDouble(Moved::price).reversed()).limit(LISTED).map(Moved::model).toList();
    return new SpendChange(Figures.usd(change), parts[VOLUME], parts[MIX], parts[PRICE], parts[TOKENS],
        Math.abs(tokensFromCompletions) > Math.abs(tokensFromPrompts) ? "completion" : "prompt",
        perDay(all0, base.days), perDay(all1, spike.days),
        perRequest(base.tokens(false, outputKinds), all0), perRequest(spike.tokens(false, outputKinds), all1),
        perRequest(base.tokens(true, outputKinds), all0), perRequest(spike.tokens(true, outputKinds), all1),
        shares, prices);
  }

  /** A model with how far its share and its price part moved, for choosing the models the lists name. */
  private record Moved(double share, double price, ModelChange model) { }

  /**
   * One cell's change {@code v1 - v0} in parts (volume, model mix, tokens per request, price), from the requests per
   * day of all models ({@code n}) and of the cell's model ({@code r}), its tokens ({@code t}) and their cost ({@code v}).
   */
  static double[] cell(double n0, double n1, double r0, double r1, double t0, double t1, double v0, double v1) {
    double[] parts = new double[4];
    double change = v1 - v0;
    if (v0 == 0 && v1 == 0) {
      return parts;
    }
    if (n0 == 0 || n1 == 0) {
      parts[VOLUME] = change;
    } else if (r0 == 0 || r1 == 0) {
      parts[MIX] = change;
    } else if (t0 == 0 || t1 == 0) {
      parts[TOKENS] = change;
    } else if (v0 == 0 || v1 == 0) {
      parts[PRICE] = change;
    } else {
      // L(v1, v0) = (v1 - v0) / ln(v1 / v0), v0 when equal; near 1 the ratio's log is ln(1 + x), x = (v1 - v0) / v0,
      // which keeps the digits a log of a ratio close to 1 would lose
      double x = change / v0;
      double weight = x == 0 ? v0 : change / (Math.abs(x) < 0.5 ? Math.log1p(x) : Math.log(v1 / v0));
      parts[VOLUME] = weight * Math.log(n1 / n0);
      parts[MIX] = weight * Math.log((r1 / n1) / (r0 / n0));
      parts[TOKENS] = weight * Math.log((t1 / r1) / (t0 / r0));
      parts[PRICE] = weight * Math.log((v1 / t1) / (v0 / t0));
    }
    return parts;
  }

  /**
   * The one place parts are rounded: {@code exact} in dollars to cents, so that they sum to {@code total} rounded to
   * cents. Each part is first rounded down to the cent; the cents still missing go one each to the parts that lost
   * most (the largest remainders, the first part on a tie), or, should the rounded total lie below, are taken from those
   * that lost least. Each part ends within a cent of its exact value.
   */
  static BigDecimal[] cents(double[] exact, BigDecimal total) {
    long[] floors = new long[exact.length];
    double[] remainders = new double[exact.length];
    long sum = 0;
    for (int i = 0; i < exact.length; i++) {
      double c = exact[i] * 100;
      floors[i] = (long) Math.floor(c);
      remainders[i] = c - floors[i];
      sum += floors[i];
    }
    long missing = Figures.usd(total).movePointRight(2).longValueExact() - sum;
    Integer[] order = new Integer[exact.length];
    Arrays.setAll(order, i -> i);
    Arrays.sort(order, Comparator.comparingDouble((Integer i) -> remainders[i]).reversed());
    for (int step = 0; missing > 0; step++, missing--) {
      floors[order[step % order.length]]++;
    }
    for (int step = 0; missing < 0; step++, missing++) {
      floors[order[order.length - 1 - step % order.length]]--;
    }
    BigDecimal[] cents = new BigDecimal[exact.length];
    for (int i = 0; i < exact.length; i++) {
      cents[i] = BigDecimal.valueOf(floors[i], 2);
    }
    return cents;
  }

  private static BigDecimal usd(double dollars) {
    return Figures.usd(BigDecimal.valueOf(dollars));
  }

  private static BigDecimal perDay(long requests, int days) {
    return Figures.oneDecimal(Figures.divide(BigDecimal.valueOf(requests), BigDecimal.valueOf(days)));
  }

  private static BigDecimal perRequest(long tokens, long requests) {
    return requests == 0 ? null : Figures.oneDecimal(Figures.divide(BigDecimal.valueOf(tokens), BigDecimal.valueOf(requests)));
  }

  private static BigDecimal[] zeros(int kinds) {
    BigDecimal[] zeros = new BigDecimal[kinds];
    Arrays.fill(zeros, BigDecimal.ZERO);
    return zeros;
  }
}

package ai.netra.usage;

import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * A realistic, reproducible history of one team's LLM calls, for demos and development: about
 * {@value #TARGET_ROWS} calls over the {@value #DAYS} days before the clock's now, so the agents have
 * something true to find.
 *
 * <p>Five features, each with its own models (some expensive), token sizes and latencies; more
 * calls on weekdays and in working hours (UTC), a nightly batch, a slow growth; about 1.5% of calls
 * end in an error or a timeout; some prompts repeat (a quarter of {@code support-chat} comes from a
 * dozen FAQ prompts). One anomaly is planted: on {@link #spikeDay()}, {@value #SPIKE_FEATURE}
 * makes about {@value #SPIKE_FACTOR} times its usual calls, so its spend that day is about six
 * times normal: clear of the anomaly rule (twice the mean of the 7 days before, and 3 standard
 * deviations above it) whatever the weekday, even with a weekend's low days among those 7.
 *
 * <p>The same clock instant always gives the same rows: one {@link Random} with a fixed seed (whose
 * sequence Java specifies) is read in a fixed order.
 */
public final class DemoUsage {

  /** The seed of every generated history. */
  public static final long SEED = 20_250_601L;
  /** How many days back from now the history reaches. */
  public static final int DAYS = 60;
  /** About how many calls the history holds. */
  public static final int TARGET_ROWS = 40_000;
  /** The feature whose spend jumps on {@link #spikeDay()}. */
  public static final String SPIKE_FEATURE = "code-review";
  /** How many days before today (UTC) the spike happens. */
  public static final int SPIKE_DAYS_AGO = 4;
  /** The spike day's calls of the spike feature, against its average day. */
  public static final double SPIKE_FACTOR = 6.0;
  static final double ERROR_RATE = 0.011;
  static final double TIMEOUT_RATE = 0.004;

  /** One model a feature uses: how often, and how fast it answers. */
  private record ModelShare(String provider, String model, double weight, int firstTokenMs, double msPerToken) { }

  /** Token sizes as a log-normal: half the calls are below the median; sigma spreads them. */
  private record Tokens(double median, double sigma, int min, int max) { }

  /** One feature of the demo product and how it calls LLMs. */
  private record Feature(String name, double share, List<ModelShare> models, Tokens prompt, Tokens completion,
      double weekendFactor, double[] hourly, double repeatedShare, int repeatedPrompts, int timeoutMs) { }

  private static final List<Feature> FEATURES = List.of(
      new Feature("support-chat", 0.40,
          List.of(new ModelShare("openai", "gpt-4o", 0.50, 450, 12),
              new ModelShare("openai", "gpt-4o-mini", 0.30, 350, 8),
              new ModelShare("anthropic", "claude-sonnet-4", 0.20, 900, 16)),
          new Tokens(1_100, 0.45, 80, 12_000), new Tokens(220, 0.5, 5, 2_000),
          0.45, office(15, 3.5, 0.12), 0.25, 12, 30_000),
      new Feature("summarize", 0.25,
          List.of(new ModelShare("openai", "gpt-4o-mini", 0.55, 350, 8),
              new ModelShare("google", "gemini-2.0-flash", 0.35, 300, 5),
              new ModelShare("google", "gemini-2.5-pro", 0.10, 2_000, 12)),
          new Tokens(2_800, 0.6, 200, 60_000), new Tokens(280, 0.35, 20, 1_200),
          0.9, nightlyBatch(), 0.05, 40, 60_000),
      new Feature("search-rerank", 0.20,
          List.of(new ModelShare("openai", "gpt-4.1-nano", 0.70, 250, 5),
              new ModelShare("anthropic", "claude-3-5-haiku", 0.30, 500, 9)),
          new Tokens(750, 0.3, 100, 4_000), new Tokens(35, 0.4, 1, 200),
          0.6, office(15, 4.5, 0.2), 0.10, 200, 10_000),
      new Feature("code-review", 0.10,
          List.of(new ModelShare("anthropic", "claude-opus-4", 0.40, 1_600, 30),
              new ModelShare("anthropic", "claude-sonnet-4", 0.40, 900, 16),
              new ModelShare("openai", "o3-mini", 0.20, 2_500, 9)),
          new Tokens(5_500, 0.7, 300, 150_000), new Tokens(850, 0.5, 20, 8_000),
          0.12, office(16, 3, 0.04), 0.02, 10, 120_000),
      new Feature("onboarding-email", 0.05,
          List.of(new ModelShare("openai", "gpt-4.1", 0.70, 500, 13),
              new ModelShare("openai", "gpt-4.1-mini", 0.30, 350, 8)),
          new Tokens(600, 0.15, 300, 2_000), new Tokens(380, 0.3, 50, 1_500),
          0.3, office(14, 5, 0.1), 0.40, 6, 30_000));

  private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private final Clock clock;

  /** @param clock whose instant is "now": the history ends just before it */
  public DemoUsage(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The features, in a fixed order. */
  public static List<String> features() {
    return FEATURES.stream().map(Feature::name).toList();
  }

  /** Every provider/model the history uses, as "provider/model". */
  public static List<String> models() {
    return FEATURES.stream().flatMap(f -> f.models().stream()).map(m -> m.provider() + "/" + m.model()).distinct()
        .sorted().toList();
  }

  /** The UTC day on which {@value #SPIKE_FEATURE} spends about four times its normal. */
  public LocalDate spikeDay() {
    return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).minusDays(SPIKE_DAYS_AGO);
  }

  /** The history, oldest call first; the same for the same clock instant. */
  public List<UsageRecord> generate() {
    Instant start = clock.instant().minus(Duration.ofDays(DAYS));
    Slots slots = new Slots(start, DAYS * 24, spikeDay());
    Random random = new Random(SEED);
    double[][] expected = new double[FEATURES.size()][];
    String[][] repeated = new String[FEATURES.size()][];
    int[][] repeatedTokens = new int[FEATURES.size()][];
    for (int f = 0; f < FEATURES.size(); f++) {
      Feature feature = FEATURES.get(f);
      expected[f] = expectedCalls(feature, slots);
      repeated[f] = new String[feature.repeatedPrompts()];
      repeatedTokens[f] = new int[feature.repeatedPrompts()];
      for (int i = 0; i < feature.repeatedPrompts(); i++) {
        repeated[f][i] = hash(random);
        repeatedTokens[f][i] = draw(random, feature.prompt());
      }
    }
    List<UsageRecord> calls = new ArrayList<>(TARGET_ROWS + TARGET_ROWS / 5);
    List<UsageRecord> hour = new ArrayList<>();
    Comparator<UsageRecord> byTime = Comparator.comparing(UsageRecord::occurredAt);
    for (int slot = 0; slot < slots.count; slot++) {
      Instant slotStart = start.plusSeconds(slot * 3_600L);
      hour.clear();
      for (int f = 0; f < FEATURES.size(); f++) {
        int n = poisson(random, expected[f][slot]);
        for (int i = 0; i < n; i++) {
          hour.add(call(random, FEATURES.get(f), slotStart.plusMillis(random.nextInt(3_600_000)), repeated[f],
              repeatedTokens[f]));
        }
      }
      hour.sort(byTime); // an hour's calls: sorting them one hour at a time sorts the whole history
      calls.addAll(hour);
    }
    return calls;
  }

  /** The hour slots of the history, each with what its middle falls on: weekend or not, hour of day, spike day or not. */
  private static final class Slots {
    final int count;
    final boolean[] weekend;
    final int[] hourOfDay;
    final boolean[] spikeDay;

    Slots(Instant start, int count, LocalDate spike) {
      this.count = count;
      weekend = new boolean[count];
      hourOfDay = new int[count];
      spikeDay = new boolean[count];
      for (int slot = 0; slot < count; slot++) {
        ZonedDateTime middle = start.plusSeconds(slot * 3_600L + 1_800).atZone(ZoneOffset.UTC);
        weekend[slot] = middle.getDayOfWeek() == DayOfWeek.SATURDAY || middle.getDayOfWeek() == DayOfWeek.SUNDAY;
        hourOfDay[slot] = middle.getHour();
        spikeDay[slot] = middle.toLocalDate().equals(spike);
      }
    }
  }

  /** Expected calls per hour slot: weekday, hour of day and growth, scaled to the feature's share; then the spike. */
  private static double[] expectedCalls(Feature feature, Slots slots) {
    double[] weight = new double[slots.count];
    double sum = 0;
    for (int slot = 0; slot < slots.count; slot++) {
      double growth = 0.9 + 0.2 * slot / slots.count;
      weight[slot] = (slots.weekend[slot] ? feature.weekendFactor() : 1.0) * feature.hourly()[slots.hourOfDay[slot]] * growth;
      sum += weight[slot];
    }
    double total = TARGET_ROWS * feature.share();
    double spikeDayWeight = 0;
    for (int slot = 0; slot < slots.count; slot++) {
      weight[slot] = weight[slot] / sum * total;
      if (feature.name().equals(SPIKE_FEATURE) && slots.spikeDay[slot]) {
        spikeDayWeight += weight[slot];
      }
    }
    if (spikeDayWeight > 0) {
      // The day keeps its hour-of-day shape but makes SPIKE_FACTOR times the feature's average day.
      double scale = SPIKE_FACTOR * (total / DAYS) / spikeDayWeight;
      for (int slot = 0; slot < slots.count; slot++) {
        if (slots.spikeDay[slot]) {
          weight[slot] *= scale;
        }
      }
    }
    return weight;
  }

  private static UsageRecord call(Random random, Feature feature, Instant at, String[] repeated, int[] repeatedTokens) {
    ModelShare model = pick(random, feature.models());
    String promptHash;
    int promptTokens;
    if (random.nextDouble() < feature.repeatedShare()) {
      // A few repeated prompts are far more common than the rest, as FAQs are.
      double u = random.nextDouble();
      int i = (int) (repeated.length * u * u);
      promptHash = repeated[i];
      promptTokens = repeatedTokens[i];
    } else {
      promptHash = hash(random);
      promptTokens = draw(random, feature.prompt());
    }
    double outcome = random.nextDouble();
    int completionTokens = draw(random, feature.completion());
    double jitter = Math.exp(0.25 * random.nextGaussian());
    if (outcome < ERROR_RATE) {
      return new UsageRecord(at, model.provider(), model.model(), feature.name(), promptTokens, 0,
          150 + (int) (900 * random.nextDouble()), promptHash, "error");
    }
    if (outcome < ERROR_RATE + TIMEOUT_RATE) {
      return new UsageRecord(at, model.provider(), model.model(), feature.name(), promptTokens, 0,
          feature.timeoutMs() + (int) (250 * random.nextDouble()), promptHash, "timeout");
    }
    int latency = (int) (model.firstTokenMs() * jitter + promptTokens * 0.02 + completionTokens * model.msPerToken()
        * (0.8 + 0.5 * random.nextDouble()));
    return new UsageRecord(at, model.provider(), model.model(), feature.name(), promptTokens, completionTokens,
        Math.min(latency, feature.timeoutMs() - 1), promptHash, "ok");
  }

  private static ModelShare pick(Random random, List<ModelShare> models) {
    double u = random.nextDouble() * models.stream().mapToDouble(ModelShare::weight).sum();
    for (ModelShare m : models) {
      u -= m.weight();
      if (u < 0) {
        return m;
      }
    }
    return models.getLast();
  }

  private static int draw(Random random, Tokens tokens) {
    double value = tokens.median() * Math.exp(tokens.sigma() * random.nextGaussian());
    return (int) Math.max(tokens.min(), Math.min(tokens.max(), Math.round(value)));
  }

  /** A Poisson count: exact (Knuth) for small means, the normal approximation above 30. */
  private static int poisson(Random random, double mean) {
    if (mean <= 0) {
      return 0;
    }
    if (mean > 30) {
      return (int) Math.max(0, Math.round(mean + Math.sqrt(mean) * random.nextGaussian()));
    }
    double limit = Math.exp(-mean);
    double product = random.nextDouble();
    int n = 0;
    while (product > limit) {
      product *= random.nextDouble();
      n++;
    }
    return n;
  }

  /** A 64-hex-digit prompt digest, as a SHA-256 would look. */
  private static String hash(Random random) {
    byte[] hex = new byte[64];
    for (int i = 0; i < 4; i++) {
      long bits = random.nextLong();
      for (int j = 0; j < 16; j++) {
        hex[i * 16 + j] = HEX[(int) (bits >>> (60 - 4 * j)) & 0xf];
      }
    }
    return new String(hex, java.nio.charset.StandardCharsets.US_ASCII);
  }

  /** Working hours around {@code peak} (UTC), never quite zero. */
  private static double[] office(double peak, double width, double floor) {
    double[] hourly = new double[24];
    for (int h = 0; h < 24; h++) {
      double distance = Math.min(Math.abs(h + 0.5 - peak), 24 - Math.abs(h + 0.5 - peak));
      hourly[h] = floor + Math.exp(-distance * distance / (2 * width * width));
    }
    return hourly;
  }

  /** Daytime use plus a nightly job from 02:00 to 04:00 UTC. */
  private static double[] nightlyBatch() {
    double[] hourly = office(14, 4, 0.3);
    hourly[2] += 2.5;
    hourly[3] += 2.5;
    return hourly;
  }
}

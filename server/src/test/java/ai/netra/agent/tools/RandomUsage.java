package ai.netra.agent.tools;

import ai.netra.agent.tools.UsageDatabase.Row;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A large random usage history for checking the tools against independent queries: every model
 * of the catalog (including one with two prices, one priced only from a date, and one unpriced),
 * several features, repeated prompt hashes, errors, missing latencies, and a few days on which one
 * feature spikes. Seeded, so a failure can be replayed.
 */
final class RandomUsage {

  static final String[][] MODELS = {
      {"openai", "gpt-4o"}, {"openai", "gpt-4o-mini"}, {"anthropic", "claude-sonnet"}, {"mistral", "mistral-large"},
      {"selfhost", "llama-local"}, {"together", "llama-3-70b"}, {"groq", "llama-3-70b"}, {"acme", "unit-a"}};
  static final String[] FEATURES = {"chat", "summarize", "search", "extract", "classify", "translate"};
  static final String[] STATUSES = {"ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "error", "timeout"};

  /** The first day with rows; rows run up to and including the test clock's today. */
  static final LocalDate FIRST_DAY = LocalDate.parse("2026-07-01");
  static final LocalDate LAST_DAY = LocalDate.parse("2026-11-20");

  private RandomUsage() { }

  /** About {@code perDay} rows a day for one user, plus three spike days where one feature sends ten times its usual traffic. */
  static List<Row> history(String userId, long seed, int perDay) {
    Random random = new Random(seed);
    List<Row> rows = new ArrayList<>();
    List<LocalDate> spikes = List.of(LocalDate.parse("2026-08-12"), LocalDate.parse("2026-10-06"),
        LocalDate.parse("2026-11-03").plusDays(random.nextInt(3)));
    for (LocalDate day = FIRST_DAY; !day.isAfter(LAST_DAY); day = day.plusDays(1)) {
      int weekend = day.getDayOfWeek().getValue() >= 6 ? 1 : 0;
      int count = Math.max(1, perDay / (1 + weekend) + random.nextInt(perDay / 4 + 1) - perDay / 8);
      for (int i = 0; i < count; i++) {
        rows.add(row(random, userId, day, FEATURES[random.nextInt(FEATURES.length)]));
      }
      if (spikes.contains(day)) {
        String feature = FEATURES[random.nextInt(FEATURES.length)];
        for (int i = 0; i < perDay * 10 / FEATURES.length; i++) {
          rows.add(row(random, userId, day, feature));
        }
      }
    }
    return rows;
  }

  private static Row row(Random random, String userId, LocalDate day, String feature) {
    String[] model = MODELS[random.nextInt(MODELS.length)];
    Instant at = day.atStartOfDay().toInstant(ZoneOffset.UTC).plusMillis(random.nextInt(86_400_000));
    Integer latency = random.nextInt(10) == 0 ? null : 50 + random.nextInt(5_000);
    String hash = random.nextInt(10) < 7 ? "h" + random.nextInt(120) : null;
    return new Row(userId, at, model[0], model[1], feature, random.nextInt(200_000), random.nextInt(20_000), latency, hash,
        STATUSES[random.nextInt(STATUSES.length)]);
  }
}

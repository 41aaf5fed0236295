package ai.netra.deploy.verify;

import ai.netra.deploy.DurationText;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutionException;

/**
 * N requests to {@code /health/ready}, a few at a time, within the deadline: their p50 and p99
 * latency and the share that failed (5xx, or no answer) against the limits. A request that could
 * not even be sent before the deadline counts as failed.
 */
final class LatencyGate {

  static final String NAME = "latency";
  static final String PATH = "/health/ready";
  /** Enough to see queueing, few enough not to load the instance being verified. */
  static final int CONCURRENCY = 4;

  private final ServiceEndpoint service;
  private final int requests;
  private final Duration maxP99;
  private final double maxFailureRate;
  private final Duration deadline;

  LatencyGate(ServiceEndpoint service, int requests, Duration maxP99, double maxFailureRate, Duration deadline) {
    this.service = service;
    this.requests = requests;
    this.maxP99 = maxP99;
    this.maxFailureRate = maxFailureRate;
    this.deadline = deadline;
  }

  GateResult run() {
    long begin = System.nanoTime();
    long end = begin + deadline.toNanos();
    List<ServiceEndpoint.Answer> answers = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY, Thread.ofVirtual().factory())) {
      List<Future<ServiceEndpoint.Answer>> pending = new ArrayList<>();
      for (int i = 0; i < requests; i++) {
        pending.add(pool.submit(() -> {
          long left = end - System.nanoTime();
          return left <= 0 ? new ServiceEndpoint.Answer(-1, "", 0, "not sent before the deadline")
              : service.get(PATH, Duration.ofNanos(left));
        }));
      }
      for (Future<ServiceEndpoint.Answer> f : pending) {
        answers.add(f.get());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return GateResult.fail(NAME, ms(begin), "interrupted", Map.of());
    } catch (ExecutionException e) {
      throw new IllegalStateException("a latency request failed unexpectedly", e.getCause());
    }
    Stats s = Stats.of(answers);
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("path", PATH);
    details.put("requests", requests);
    details.put("p50_ms", s.p50Ms());
    details.put("p99_ms", s.p99Ms());
    details.put("max_ms", s.maxMs());
    details.put("status_5xx", s.serverErrors());
    details.put("no_answer", s.noAnswer());
    details.put("other_non_2xx", s.otherNon2xx());
    details.put("failure_rate", s.failureRate());
    String figures = String.format(Locale.ROOT, "%d requests to %s: p50 %s, p99 %s, max %s; %d 5xx, %d without answer"
            + " (limits: p99 <= %s, failures <= %s)", requests, PATH, DurationText.millis(s.p50Ms()),
        DurationText.millis(s.p99Ms()), DurationText.millis(s.maxMs()), s.serverErrors(), s.noAnswer(),
        DurationText.format(maxP99), percent(maxFailureRate));
    List<String> reasons = new ArrayList<>();
    if (s.p99Ms() > maxP99.toMillis()) {
      reasons.add(NAME + ": p99 " + DurationText.millis(s.p99Ms()) + " is over the " + DurationText.format(maxP99)
          + " limit");
    }
    if (s.failureRate() > maxFailureRate) {
      reasons.add(String.format(Locale.ROOT, "%s: %s of %d requests failed (%d 5xx, %d without answer%s), over the %s limit",
          NAME, percent(s.failureRate()), requests, s.serverErrors(), s.noAnswer(),
          s.firstFailure() == null ? "" : "; first: " + s.firstFailure(), percent(maxFailureRate)));
    }
    List<String> warnings = s.otherNon2xx() > 0
        ? List.of(s.otherNon2xx() + " answers were neither 2xx nor 5xx (first: " + s.firstOther() + ")") : List.of();
    if (reasons.isEmpty()) {
      return GateResult.pass(NAME, ms(begin), figures, warnings, details);
    }
    return new GateResult(NAME, GateResult.Status.FAIL, ms(begin), figures, reasons, warnings, details);
  }

  /** The figures of a batch of answers; percentiles by nearest rank over the answered ones. */
  record Stats(long p50Ms, long p99Ms, long maxMs, int serverErrors, int noAnswer, int otherNon2xx, double failureRate,
      String firstFailure, String firstOther) {

    static Stats of(List<ServiceEndpoint.Answer> answers) {
      List<Long> times = answers.stream().filter(ServiceEndpoint.Answer::answered).map(ServiceEndpoint.Answer::tookMs)
          .sorted().toList();
      int serverErrors = (int) answers.stream().filter(a -> a.status() >= 500).count();
      int noAnswer = (int) answers.stream().filter(a -> !a.answered()).count();
      int other = (int) answers.stream().filter(a -> a.answered() && (a.status() < 200 || a.status() >= 300)
          && a.status() < 500).count();
      String firstFailure = answers.stream().filter(a -> !a.answered() || a.status() >= 500).findFirst()
          .map(a -> a.answered() ? a.status() + HealthGates.notReady(a.body()) : a.describe()).orElse(null);
      String firstOther = answers.stream().filter(a -> a.answered() && (a.status() < 200 || a.status() >= 300)
          && a.status() < 500).findFirst().map(a -> String.valueOf(a.status())).orElse(null);
      double rate = answers.isEmpty() ? 0 : (serverErrors + noAnswer) / (double) answers.size();
      return new Stats(percentile(times, 50), percentile(times, 99), times.isEmpty() ? 0 : times.getLast(), serverErrors,
          noAnswer, other, rate, firstFailure, firstOther);
    }

    /** The nearest-rank percentile of sorted values (0 for none). */
    static long percentile(List<Long> sorted, int p) {
      if (sorted.isEmpty()) {
        return 0;
      }
      int rank = (int) Math.ceil(p / 100.0 * sorted.size());
      return sorted.get(Math.max(0, rank - 1));
    }
  }

  static String percent(double fraction) {
    double pct = fraction * 100;
    return pct == Math.rint(pct) ? String.format(Locale.ROOT, "%.0f%%", pct) : String.format(Locale.ROOT, "%.1f%%", pct);
  }

  private static long ms(long begin) {
    return (System.nanoTime() - begin) / 1_000_000;
  }
}

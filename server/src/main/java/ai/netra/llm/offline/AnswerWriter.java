package ai.netra.llm.offline;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.text.NumberFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes the offline model's answer from the tools' results: the figures come from the data, the
 * words from the question's intent. Nothing here computes a figure a tool did not return, so the
 * answer and the {@code figures} of {@code agent_completed} always agree.
 */
final class AnswerWriter {

  /** A cache whose savings reach this share of spend is called worth it. */
  static final BigDecimal CACHE_WORTH_IT_PCT = new BigDecimal("5");

  private final Question q;
  private final OfflineModel.Findings findings;
  private final StringBuilder out = new StringBuilder();

  AnswerWriter(Question q, OfflineModel.Findings findings) {
    this.q = q;
    this.findings = findings;
  }

  String write() {
    switch (q.intent()) {
      case SAVINGS -> savings();
      case BREAKDOWN -> breakdown();
      case CACHING -> caching();
      case ANOMALIES -> anomalies();
      case SUMMARY -> summary();
      case INTRODUCTION -> introduction();
    }
    return out.toString().strip();
  }

  private void savings() {
    JsonNode breakdown = findings.result("cost_breakdown");
    if (missing(breakdown, "cost_breakdown")) {
      return;
    }
    JsonNode total = breakdown.path("total");
    if (total.path("requests").asLong() == 0) {
      noUsage();
      return;
    }
    line("Over " + q.periodLabel() + " you spent " + usd(total.path("cost_usd")) + " on " + count(total.path("requests"))
        + " requests.");
    List<String> biggest = new ArrayList<>();
    for (JsonNode row : breakdown.path("rows")) {
      if (biggest.size() == 3) {
        break;
      }
      biggest.add(row.path("feature").asText() + " on " + row.path("model").asText() + " " + usd(row.path("cost_usd"))
          + " (" + pct(row.path("share_pct")) + ")");
    }
    line("Your biggest lines: " + String.join(", ", biggest) + ".");
    line("");
    line("Where to cut:");
    BigDecimal together = BigDecimal.ZERO;
    BigDecimal switchSaving = BigDecimal.ZERO;
    BigDecimal cacheSaving = BigDecimal.ZERO;
    int item = 1;
    JsonNode whatIf = findings.result("what_if_switch");
    if (whatIf != null && whatIf.path("savings_usd").decimalValue().signum() > 0) {
      JsonNode to = whatIf.path("prices").path("to");
      JsonNode from = whatIf.path("prices").path("from").path(0);
      line(item++ + ". Move " + share(whatIf.path("share")) + " of " + whatIf.path("feature").asText() + "'s "
          + whatIf.path("from_model").asText() + " traffic to " + whatIf.path("to_model").asText() + ": "
          + usd(whatIf.path("current_cost_usd")) + " becomes " + usd(whatIf.path("projected_cost_usd")) + ", saving "
          + usd(whatIf.path("savings_usd")) + " (" + pct(whatIf.path("savings_pct")) + ") at list prices ("
          + from.path("model").asText() + " " + price(from) + " vs " + to.path("model").asText() + " " + price(to)
          + " per 1M input/output tokens). Check the quality of " + whatIf.path("to_model").asText()
          + " on this feature first.");
      together = together.add(whatIf.path("savings_usd").decimalValue());
      switchSaving = whatIf.path("savings_usd").decimalValue();
    } else if (findings.error("what_if_switch") != null) {
      line(item++ + ". A cheaper model could not be priced: " + findings.error("what_if_switch"));
    } else {
      line(item++ + ". None of your biggest lines runs on a model with a cheaper sibling in the price catalog.");
    }
    JsonNode caching = findings.result("caching_opportunity");
    if (caching != null && caching.path("saved_usd").decimalValue().signum() > 0) {
      line(item + ". Cache repeated prompts: " + count(caching.path("repeated_requests"))
          + " requests repeated an earlier prompt exactly; an exact-match response cache would have saved "
          + usd(caching.path("saved_usd")) + " (" + pct(caching.path("saved_share_pct")) + " of spend).");
      together = together.add(caching.path("saved_usd").decimalValue());
      cacheSaving = caching.path("saved_usd").decimalValue();
    } else {
      line(item + ". Caching would save little: no prompt was repeated exactly in this period.");
    }
    if (switchSaving.signum() > 0 && cacheSaving.signum() > 0) {
      // the two overlap (the moved requests repeat prompts too): in sequence, never added up
      BigDecimal spend = total.path("cost_usd").decimalValue();
      BigDecimal combined = Savings.inSequence(spend, switchSaving, cacheSaving);
      line("");
      line("Both overlap, so they are not added up: switching first saves " + usd(switchSaving) + ", then caching saves"
          + " about " + usd(Savings.cacheAfterSwitch(spend, switchSaving, cacheSaving)) + " of what remains; together about "
          + usd(combined) + " of your " + usd(spend) + " over " + q.periodLabel() + ".");
    } else if (together.signum() > 0) {
      line("");
      line("Together about " + usd(together) + " over " + q.periodLabel() + ".");
    }
    coverage(breakdown);
  }

  private void breakdown() {
    JsonNode breakdown = findings.result("cost_breakdown");
    if (missing(breakdown, "cost_breakdown")) {
      return;
    }
    JsonNode total = breakdown.path("total");
    if (total.path("requests").asLong() == 0) {
      noUsage();
      return;
    }
    String key = breakdown.path("group_by").asText("feature").equals("model") ? "model" : "feature";
    JsonNode named = mentioned(breakdown.path("rows"), key);
    if (named != null) {
      line(named.path(key).asText() + " cost " + usd(named.path("cost_usd")) + " over " + q.periodLabel() + ": "
          + count(named.path("requests")) + " requests, " + count(tokens(named)) + " tokens, "
          + pct(named.path("share_pct")) + " of your " + usd(total.path("cost_usd")) + ".");
      List<String> others = new ArrayList<>();
      for (JsonNode row : breakdown.path("rows")) {
        if (row != named && others.size() < 3) {
          others.add(row.path(key).asText() + " " + usd(row.path("cost_usd")));
        }
      }
      if (!others.isEmpty()) {
        line("For comparison: " + String.join(", ", others) + ".");
      }
    } else {
      line("Spend by " + key + " over " + q.periodLabel() + " (total " + usd(total.path("cost_usd")) + ", "
          + count(total.path("requests")) + " requests):");
      for (JsonNode row : breakdown.path("rows")) {
        line("- " + row.path(key).asText() + ": " + usd(row.path("cost_usd")) + " (" + pct(row.path("share_pct")) + ", "
            + count(row.path("requests")) + " requests)");
      }
      JsonNode omitted = breakdown.path("omitted");
      if (!omitted.isMissingNode() && !omitted.isNull()) {
        line("- " + count(omitted.path("groups")) + " more: " + usd(omitted.path("cost_usd")));
      }
    }
    coverage(breakdown);
  }

  private void caching() {
    JsonNode caching = findings.result("caching_opportunity");
    if (missing(caching, "caching_opportunity")) {
      return;
    }
    if (caching.path("requests").asLong() == 0) {
      noUsage();
      return;
    }
    BigDecimal sharePct = caching.path("saved_share_pct").decimalValue();
    line("Over " + q.periodLabel() + ", " + count(caching.path("repeated_requests")) + " of " + count(caching.path("requests"))
        + " requests repeated an earlier prompt exactly (" + count(caching.path("repeated_prompts")) + " distinct prompts, "
        + count(caching.path("repeated_tokens")) + " tokens).");
    line("An exact-match response cache would have saved " + usd(caching.path("saved_usd")) + ", " + pct(caching.path("saved_share_pct"))
        + " of your " + usd(caching.path("spend_usd")) + " spend.");
    if (sharePct.compareTo(CACHE_WORTH_IT_PCT) >= 0) {
      line("Verdict: worth it (at least " + CACHE_WORTH_IT_PCT.toPlainString() + "% of spend).");
    } else {
      line("Verdict: probably not worth it (under " + CACHE_WORTH_IT_PCT.toPlainString() + "% of spend).");
    }
    JsonNode provider = caching.path("provider_cache");
    if (provider.path("cached_input_tokens").asLong() > 0) {
      line("Your provider's prompt cache already served " + count(provider.path("cached_input_tokens")) + " input tokens ("
          + pct(provider.path("cached_share_pct")) + " of input), billed at its cached price; the figures above count that"
          + " discount, so the exact-match cache would save only what is still paid.");
    }
    aggregates(caching);
    List<String> features = new ArrayList<>();
    for (JsonNode row : caching.path("top_features")) {
      if (features.size() < 3) {
        features.add(row.path("feature").asText() + " " + usd(row.path("saved_usd")));
      }
    }
    if (!features.isEmpty()) {
      line("Most of it is in " + String.join(", ", features) + ".");
    }
    coverage(caching);
  }

  private void anomalies() {
    JsonNode anomalies = findings.result("anomalies");
    if (missing(anomalies, "anomalies")) {
      return;
    }
    JsonNode days = anomalies.path("anomalies");
    if (!days.isArray() || days.isEmpty()) {
      line("No anomalies over " + q.periodLabel() + ": no day's spend departs from its trailing "
          + anomalies.path("baseline_days").asInt(7) + "-day baseline.");
      return;
    }
    line(days.size() + (days.size() == 1 ? " day stands" : " days stand") + " out over " + q.periodLabel() + ":");
    for (JsonNode day : days) {
      JsonNode causes = day.path("causes");
      StringBuilder text;
      if (causes.isObject()) {
        text = new StringBuilder("- Spend on " + day.path("date").asText() + " was " + usd(day.path("spend_usd")) + ", "
            + usd(causes.path("change_usd")) + " above the usual " + usd(day.path("baseline_usd")) + " ("
            + day.path("ratio").asText() + "x): " + causes(causes) + ".");
      } else {
        text = new StringBuilder("- " + day.path("date").asText() + ": " + usd(day.path("spend_usd"))
            + " against a baseline of " + usd(day.path("baseline_usd")) + " (" + day.path("ratio").asText() + "x, "
            + usd(day.path("excess_usd")) + " above it).");
      }
      JsonNode feature = day.path("top_feature");
      JsonNode model = day.path("top_model");
      if (feature.isObject()) {
        text.append(" Most of it from ").append(feature.path("feature").asText()).append(" (")
            .append(usd(feature.path("excess_usd"))).append(" above its usual)");
        if (model.isObject()) {
          text.append(", mostly on ").append(model.path("model").asText());
        }
        text.append('.');
      }
      line(text.toString());
    }
    line("");
    line("Each day is judged against the mean daily spend of the " + anomalies.path("baseline_days").asInt(7)
        + " days before it: flagged when it is over " + anomalies.path("threshold_ratio").asText() + "x that and also "
        + anomalies.path("threshold_z").asText() + " standard deviations above it.");
    coverage(anomalies);
  }

  /** One cause of a spike: its words, its dollars, and what it names in brackets (or nothing). */
  private record Cause(String words, BigDecimal usd, String detail) {
    @Override
    public String toString() {
      return words + " " + signed(usd) + (detail.isEmpty() ? "" : " (" + detail + ")");
    }
  }

  /**
   * The four causes of a spike from the tool's {@code causes}, largest first (by size, a tie in the tool's order), in
   * words a person takes in at a glance: "more requests +$18.10 (2,100 vs 740), longer prompts +$9.30, model mix +$2.40
   * (more gpt-4o), price $0.00".
   */
  private static String causes(JsonNode causes) {
    BigDecimal volume = causes.path("volume_usd").decimalValue();
    BigDecimal tokens = causes.path("tokens_per_request_usd").decimalValue();
    BigDecimal mix = causes.path("model_mix_usd").decimalValue();
    BigDecimal price = causes.path("price_usd").decimalValue();
    String side = causes.path("tokens_side").asText().equals("completion") ? "answers" : "prompts";
    String moreModel = "";
    for (JsonNode model : causes.path("shares")) {
      if (model.path("share_spike_pct").decimalValue().compareTo(model.path("share_base_pct").decimalValue()) > 0) {
        moreModel = "more " + model.path("model").asText();
        break;
      }
    }
    JsonNode priced = causes.path("prices").path(0);
    String priceModel = price.signum() == 0 || !priced.isObject() ? ""
        : priced.path("model").asText() + (priced.path("price_usd").decimalValue().signum() > 0 ? " dearer" : " cheaper");
    List<Cause> all = new ArrayList<>(List.of(
        new Cause(volume.signum() > 0 ? "more requests" : volume.signum() < 0 ? "fewer requests" : "requests", volume,
            count(whole(causes.path("requests_spike"))) + " vs " + count(whole(causes.path("requests_base")))),
        new Cause(tokens.signum() > 0 ? "longer " + side : tokens.signum() < 0 ? "shorter " + side : "tokens per request",
            tokens, ""),
        new Cause("model mix", mix, mix.signum() == 0 ? "" : moreModel),
        new Cause("price", price, priceModel)));
    all.sort(java.util.Comparator.comparing((Cause c) -> c.usd().abs()).reversed());
    return String.join(", ", all.stream().map(Cause::toString).toList());
  }

  /** "+$18.10", "-$2.40", "$0.00". */
  private static String signed(BigDecimal amount) {
    return (amount.signum() > 0 ? "+" : amount.signum() < 0 ? "-" : "") + usd(amount.abs());
  }

  private static long whole(JsonNode node) {
    return node.decimalValue().setScale(0, RoundingMode.HALF_UP).longValueExact();
  }

  private void summary() {
    JsonNode summary = findings.result("usage_summary");
    if (missing(summary, "usage_summary")) {
      return;
    }
    if (summary.path("requests").asLong() == 0) {
      noUsage();
      return;
    }
    line("Over " + q.periodLabel() + ": " + count(summary.path("requests")) + " requests, " + count(summary.path("total_tokens"))
        + " tokens (" + count(summary.path("prompt_tokens")) + " in, " + count(summary.path("completion_tokens")) + " out), "
        + usd(summary.path("cost_usd")) + ".");
    line("Error rate " + pct(summary.path("error_rate_pct")) + ", " + (summary.path("avg_latency_ms").isNumber()
        ? "average latency " + summary.path("avg_latency_ms").asText() + " ms (p95 " + summary.path("p95_latency_ms").asText()
            + " ms)."
        : "no latency recorded."));
    aggregates(summary);
    JsonNode feature = summary.path("busiest_feature");
    if (feature.isObject()) {
      line("Busiest feature: " + feature.path("feature").asText() + " (" + pct(feature.path("requests_pct")) + " of requests, "
          + usd(feature.path("cost_usd")) + ").");
    }
    JsonNode breakdown = findings.result("cost_breakdown");
    if (breakdown != null) {
      List<String> models = new ArrayList<>();
      for (JsonNode row : breakdown.path("rows")) {
        models.add(row.path("model").asText() + " " + usd(row.path("cost_usd")) + " (" + pct(row.path("share_pct")) + ")");
      }
      line("Spend by model: " + String.join(", ", models) + ".");
    }
    coverage(summary);
    line("");
    line("Ask me where to cut spend, what a feature cost last week, whether caching is worth it, or about anomalies.");
  }

  /**
   * Who answers and what it can do, for a greeting or a question the data cannot answer. Written in Markdown like
   * every answer (the chat page renders it); it names no figure, since no tool ran.
   */
  private void introduction() {
    line("Hi, I'm Netra. I answer questions about your team's LLM usage and spend, from the calls you import:");
    line("");
    line("- **where the money goes**: spend by model, by feature, or both, for any period;");
    line("- **where to cut**: what moving traffic to a cheaper model would save, at catalog prices;");
    line("- **caching**: how many prompts repeat, and what an exact-match cache would have saved;");
    line("- **anomalies**: the days whose spend jumps above their usual level, and what drove them.");
    line("");
    line("Name a period if you like (\"last week\", \"past 14 days\", \"since 2026-10-01\"); the default is the last "
        + Question.DEFAULT_DAYS + " days. I only know what your usage data says, so I cannot help with other topics.");
  }

  /** The row whose name the question mentions (case and '-'/'_' ignored), or null. */
  private JsonNode mentioned(JsonNode rows, String key) {
    String text = normalize(q.text());
    JsonNode best = null;
    for (JsonNode row : rows) {
      String name = normalize(row.path(key).asText());
      if (!name.isBlank() && text.contains(name) && (best == null || name.length() > normalize(best.path(key).asText()).length())) {
        best = row;
      }
    }
    return best;
  }

  private static String normalize(String text) {
    return text.toLowerCase(Locale.ROOT).replaceAll("[-_]+", " ");
  }

  private boolean missing(JsonNode result, String tool) {
    if (result != null) {
      return false;
    }
    String error = findings.error(tool);
    line(error == null ? "I could not look up your usage for " + q.periodLabel() + "."
        : "I could not look up your usage: " + error);
    return true;
  }

  /** Says how to start: where a file goes and what it holds, with a line to copy. */
  private void noUsage() {
    line("There is no usage recorded for " + q.periodLabel() + ".");
    line("");
    line("To get started, import your LLM calls: drop a CSV or JSON-lines file on the chat page, or send it to "
        + "`POST /api/usage`, or run `netra import FILE --user ID`. One row per call, with these columns (the last three "
        + "are optional):");
    line("");
    line("```csv");
    line("occurred_at,provider,model,feature,prompt_tokens,completion_tokens,latency_ms,prompt_hash,status");
    line("2025-06-01T14:30:00Z,openai,gpt-4o,support-chat,1200,250,1800,9f2c41d0,ok");
    line("```");
  }

  /**
   * What share of the requests came from a provider's aggregate export, without the per-request detail (prompt hash,
   * latency) the figures above need, from the tool's {@code aggregates}; nothing when there are none.
   */
  private void aggregates(JsonNode data) {
    JsonNode aggregates = data.path("aggregates");
    if (aggregates.isObject()) {
      line(capitalized(aggregates.path("statement").asText()) + ".");
    }
  }

  private static String capitalized(String text) {
    return text.isEmpty() ? text : Character.toUpperCase(text.charAt(0)) + text.substring(1);
  }

  /**
   * How well the dollar figures above are priced, from the tool's {@code price_coverage}: the requests priced exactly,
   * by a fallback, or not at all (naming those models), so no figure is silently short by an unpriced model.
   */
  private void coverage(JsonNode data) {
    JsonNode coverage = data.path("price_coverage");
    if (coverage.isObject()) {
      line("");
      line("Price coverage: " + coverage.path("statement").asText() + ".");
      return;
    }
    long requests = data.path("unpriced").path("requests").asLong();
    if (requests > 0) {
      line("");
      line(count(requests) + " requests ran on models without a catalog price; they are not in these dollar figures.");
    }
  }

  private void line(String text) {
    out.append(text).append('\n');
  }

  private static JsonNode tokens(JsonNode row) {
    return com.fasterxml.jackson.databind.node.LongNode.valueOf(row.path("prompt_tokens").asLong() + row.path("completion_tokens").asLong());
  }

  static String usd(JsonNode node) {
    return usd(node.decimalValue());
  }

  static String usd(BigDecimal amount) {
    NumberFormat format = NumberFormat.getNumberInstance(Locale.US);
    format.setMinimumFractionDigits(2);
    format.setMaximumFractionDigits(2);
    return "$" + format.format(amount.setScale(2, RoundingMode.HALF_UP));
  }

  static String count(JsonNode node) {
    return count(node.asLong());
  }

  static String count(long value) {
    return NumberFormat.getIntegerInstance(Locale.US).format(value);
  }

  private static String pct(JsonNode node) {
    return node.decimalValue().stripTrailingZeros().toPlainString() + "%";
  }

  private static String share(JsonNode node) {
    BigDecimal share = node.decimalValue();
    if (share.compareTo(new BigDecimal("0.5")) == 0) {
      return "half";
    }
    if (share.compareTo(BigDecimal.ONE) == 0) {
      return "all";
    }
    return share.movePointRight(2).stripTrailingZeros().toPlainString() + "%";
  }

  private static String price(JsonNode price) {
    return perMillion(price.path("input_usd_per_mtok")) + "/" + perMillion(price.path("output_usd_per_mtok"));
  }

  /** Catalog prices go below a cent ($0.075 per 1M tokens): up to four decimals, at least two. */
  private static String perMillion(JsonNode node) {
    NumberFormat format = NumberFormat.getNumberInstance(Locale.US);
    format.setMinimumFractionDigits(2);
    format.setMaximumFractionDigits(4);
    return "$" + format.format(node.decimalValue());
  }
}

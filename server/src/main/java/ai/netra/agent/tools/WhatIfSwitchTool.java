package ai.netra.agent.tools;

import com.fasterxml.jackson.annotation.JsonInclude;
import ai.netra.usage.ModelPrice;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * {@code what_if_switch}: what a feature's traffic would have cost had a share of it run on another
 * model. The traffic is the feature's requests in the period (on {@code from_model} when given,
 * else on all its models), leaving out requests already on the target model. Its cost now is what
 * it cost at the prices of its days; the projection keeps {@code 1 - share} of that and prices
 * {@code share} of the same tokens at the target model's current price (in effect today, by the
 * clock), each component (cached input, cache writes, reasoning, the long-context tier) priced as the spend prices it. Unpriced requests cannot be compared and are reported apart.
 */
public final class WhatIfSwitchTool extends UsageTool<WhatIfSwitchTool.Question> {

  static final String NAME = "what_if_switch";
  /** Longest list of names an error message offers. */
  static final int MAX_NAMES_IN_MESSAGE = 50;

  private static final ToolParameters PARAMETERS = UsagePeriod.declare(ToolParameters.of(NAME)
      .text("feature", "The feature whose traffic would move (exact name as recorded in the usage data).", true)
      .text("to_model", "The model to move the traffic to, as named in the price catalog, for example gpt-4o-mini.", true)
      .text("to_provider", "The provider of to_model; needed only when several providers price a model of that name.", false)
      .text("from_model", "Only move the feature's traffic that runs on this model now. Default: all of the feature's models.",
          false)
      .number("share", "Fraction of that traffic to move, greater than 0 and at most 1; 0.5 moves half.", "0", true, "1", "1"))
      .build();

  private static final String FEATURES = """
      select feature from llm_usage_daily
       where user_id = ? and day >= ? and day < ?
       group by feature order by feature
      """;

  private static final String FEATURE_MODELS = """
      select model from llm_usage_daily
       where user_id = ? and day >= ? and day < ? and feature = ?
       group by model order by model
      """;

  private static final String TARGET_PRICES = """
      select * from model_prices where model = ?
       order by provider, effective_from desc
      """;

  private static final String PRICED_MODELS = """
      select model from model_prices where effective_from <= ? group by model order by model
      """;

  /** The traffic that could move, by model and by the price its days were charged at. */
  private static final String TRAFFIC = PricedUsage.WITH_PRICES + """
      , groups as (
        select day, provider, model,
               sum(requests) as requests, sum(prompt_tokens) as prompt_tokens, sum(completion_tokens) as completion_tokens,
               %3$s
          from llm_usage_daily
         where %1$s and (cast(? as text) is null or model = ?)
         group by day, provider, model
      ), %2$s
      select provider, model, price_effective_from, input_usd_per_mtok, output_usd_per_mtok,
             sum(requests)::bigint as requests, sum(prompt_tokens)::bigint as prompt_tokens,
             sum(completion_tokens)::bigint as completion_tokens, sum(cost_usd) as cost_usd, %4$s
        from priced
       group by provider, model, price_effective_from, input_usd_per_mtok, output_usd_per_mtok
       order by provider, model, price_effective_from nulls first
      """.formatted(PricedUsage.IN_SCOPE, PricedUsage.priced("priced", "groups"), PricedUsage.SUM_COMPONENTS,
          PricedUsage.SUM_COMPONENTS.replace(" as ", "::bigint as "));

  public WhatIfSwitchTool(DataSource dataSource, Clock clock) {
    this(dataSource, dataSource, clock);
  }

  /** See {@link UsageTool#UsageTool}. */
  WhatIfSwitchTool(DataSource dataSource, DataSource lookups, Clock clock) {
    super(NAME, "Projects the cost of moving a feature's LLM traffic (all of it, or a share, optionally only from one model)"
        + " to another model at that model's current catalog price, with the same tokens; returns cost now, projected cost,"
        + " savings and the prices assumed.", PARAMETERS, dataSource, lookups, clock);
  }

  /** Whose traffic over which days, moved where, on the day the target's price is taken from. */
  record Question(PricedUsage.Scope scope, UsagePeriod period, Request request, LocalDate today) implements UsageTool.Scoped { }

  /** The figures of {@code what_if_switch}. */
  record Projection(UsagePeriod period, String feature, String fromModel, String toProvider, String toModel, BigDecimal share,
      TrafficFigures traffic, BigDecimal currentCostUsd, BigDecimal projectedCostUsd, BigDecimal savingsUsd,
      BigDecimal savingsPct, BigDecimal movedCostNowUsd, BigDecimal movedCostOnToModelUsd, Prices prices,
      long requestsAlreadyOnToModel, PricedUsage.Unpriced unpriced) { }

  /** The traffic that would move: its requests and tokens, and its cost now by model. */
  record TrafficFigures(long requests, long promptTokens, long completionTokens, List<ModelCost> byModel) { }

  /** A model's share of the traffic and what it cost. */
  record ModelCost(String provider, String model, long requests, BigDecimal costUsd) { }

  /** The target's current price, and each price the traffic was charged at. */
  record Prices(PriceFigures to, List<PriceFigures> from) { }

  /** A catalog price; {@code requests} only for a price the traffic was charged at. */
  record PriceFigures(String provider, String model, BigDecimal inputUsdPerMtok, BigDecimal outputUsdPerMtok,
      String effectiveFrom, @JsonInclude(JsonInclude.Include.NON_NULL) Long requests) { }

  @Override
  Question question(String userId, ToolArguments args, UsagePeriod period, Clock clock) {
    Request request = new Request(args.text("feature"), args.text("to_model"), args.text("to_provider"),
        args.text("from_model"), args.number("share"));
    return new Question(PricedUsage.Scope.of(userId, period, request.feature()), period, request, UsagePeriod.today(clock));
  }

  @Override
  Result answer(Connection c, Question question) throws SQLException {
    return project(c, question.scope(), question.period(), question.request(), question.today());
  }

  private record Request(String feature, String toModel, String toProvider, String fromModel, BigDecimal share) { }

  /** A price the traffic was charged at, or the target's (with {@code full}, every component, to price the moved tokens). */
  private record Price(String provider, String model, LocalDate effectiveFrom, BigDecimal input, BigDecimal output,
      ModelPrice full) {
    PriceFigures figures(Long requests) {
      return new PriceFigures(provider, model, Figures.price(input), Figures.price(output), effectiveFrom.toString(), requests);
    }
  }

  /** One group of the traffic query: a model's requests charged at one price (or at none). */
  private record TrafficRow(String provider, String model, LocalDate priceEffectiveFrom, BigDecimal input, BigDecimal output,
      long requests, long promptTokens, long completionTokens, BigDecimal cost, ModelPrice.Sums tokens) { }

  private static List<TrafficRow> traffic(Connection c, PricedUsage.Scope scope, Request request) throws SQLException {
    List<TrafficRow> rows = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement(TRAFFIC)) {
      int i = scope.bind(s, 1);
      s.setString(i, request.fromModel());
      s.setString(i + 1, request.fromModel());
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          rows.add(new TrafficRow(r.getString("provider"), r.getString("model"), r.getObject("price_effective_from", LocalDate.class),
              r.getBigDecimal("input_usd_per_mtok"), r.getBigDecimal("output_usd_per_mtok"), r.getLong("requests"),
              r.getLong("prompt_tokens"), r.getLong("completion_tokens"), r.getBigDecimal("cost_usd"),
              new ModelPrice.Sums(r.getLong("prompt_tokens"), r.getLong("completion_tokens"), r.getLong("cached_tokens"),
                  r.getLong("cache_write_tokens"), r.getLong("reasoning_tokens"), r.getLong("long_prompt_tokens"),
                  r.getLong("long_completion_tokens"), r.getLong("long_cached_tokens"), r.getLong("long_cache_write_tokens"),
                  r.getLong("long_reasoning_tokens"))));
        }
      }
    }
    return rows;
  }

  /** The traffic that would move, summed over the traffic query's groups (one per model and price applied). */
  private static final class Traffic {
    private final Price target;
    long requests;
    long promptTokens;
    long completionTokens;
    BigDecimal costNow = BigDecimal.ZERO;
    /** The moved tokens at the target's price, every component priced as the spend prices it. */
    BigDecimal onTarget = BigDecimal.ZERO;
    long alreadyOnTarget;
    long unpricedRequests;
    long unpricedPrompt;
    long unpricedCompletion;
    final List<PricedUsage.ModelRequests> unpricedModels = new ArrayList<>();
    final List<PriceFigures> fromPrices = new ArrayList<>();
    private final Map<List<String>, BigDecimal> costByModel = new TreeMap<>(
        Comparator.<List<String>, String>comparing(key -> key.get(0)).thenComparing(key -> key.get(1)));
    private final Map<List<String>, Long> requestsByModel = new HashMap<>();

    Traffic(Price target) {
      this.target = target;
    }

    void add(TrafficRow r) {
      String provider = r.provider();
      String model = r.model();
      long groupRequests = r.requests();
      if (provider.equals(target.provider()) && model.equals(target.model())) {
        alreadyOnTarget += groupRequests;
        return;
      }
      if (r.priceEffectiveFrom() == null) {
        // no cost now to compare with: reported as unpriced, left out of both sides
        unpricedRequests += groupRequests;
        unpricedPrompt += r.promptTokens();
        unpricedCompletion += r.completionTokens();
        unpricedModels.add(new PricedUsage.ModelRequests(provider, model, groupRequests));
        return;
      }
      BigDecimal groupCost = r.cost();
      onTarget = onTarget.add(target.full().costUsd(r.tokens()));
      requests += groupRequests;
      promptTokens += r.promptTokens();
      completionTokens += r.completionTokens();
      costNow = costNow.add(groupCost);
      fromPrices.add(new Price(provider, model, r.priceEffectiveFrom(), r.input(), r.output(), null).figures(groupRequests));
      List<String> key = List.of(provider, model);
      costByModel.merge(key, groupCost, BigDecimal::add);
      requestsByModel.merge(key, groupRequests, Long::sum);
    }

    TrafficFigures figures() {
      List<ModelCost> models = new ArrayList<>();
      costByModel.forEach((key, cost) -> models.add(new ModelCost(key.get(0), key.get(1), requestsByModel.get(key),
          Figures.usd(cost))));
      return new TrafficFigures(requests, promptTokens, completionTokens, models);
    }
  }

  private static Result project(Connection c, PricedUsage.Scope scope, UsagePeriod period, Request request, LocalDate today)
      throws SQLException {
    // The traffic query finds requests exactly when the feature (and from_model) had some in the period,
    // so the checks that list the valid names run only when it finds none, in their order.
    List<TrafficRow> rows = traffic(c, scope, request);
    if (rows.isEmpty()) {
      requireFeature(c, scope, period, request.feature());
    }
    Price target = targetPrice(c, request, today);
    if (rows.isEmpty() && request.fromModel() != null) {
      requireFromModel(c, scope, period, request);
    }
    Traffic traffic = new Traffic(target);
    rows.forEach(traffic::add);
    if (request.fromModel() != null && traffic.requests == 0 && traffic.alreadyOnTarget > 0) {
      throw new IllegalArgumentException(NAME + ": from_model and to_model are the same model at the same provider ("
          + target.provider() + " " + target.model() + "); name a different to_model or to_provider");
    }
    long requests = traffic.requests;
    long alreadyOnTarget = traffic.alreadyOnTarget;
    BigDecimal costNow = traffic.costNow;
    PricedUsage.Unpriced unpriced = new PricedUsage.Unpriced(traffic.unpricedRequests, traffic.unpricedPrompt,
        traffic.unpricedCompletion, traffic.unpricedModels);

    BigDecimal share = request.share();
    BigDecimal onTarget = traffic.onTarget;
    BigDecimal switchedNow = costNow.multiply(share);
    BigDecimal switchedOnTarget = onTarget.multiply(share);
    BigDecimal projected = costNow.subtract(switchedNow).add(switchedOnTarget);
    BigDecimal savings = costNow.subtract(projected);

    Projection data = new Projection(period, request.feature(), request.fromModel(), target.provider(), target.model(),
        share.stripTrailingZeros(), traffic.figures(), Figures.usd(costNow), Figures.usd(projected), Figures.usd(savings),
        Figures.percent(savings, costNow), Figures.usd(switchedNow), Figures.usd(switchedOnTarget),
        new Prices(target.figures(null), traffic.fromPrices), alreadyOnTarget, unpriced);

    String movePart = (share.compareTo(BigDecimal.ONE) == 0 ? "all" : percentOf(share)) + " of " + request.feature()
        + (request.fromModel() == null ? "" : " on " + request.fromModel()) + " to " + target.model();
    String summary;
    if (requests == 0) {
      summary = "Nothing to move: " + request.feature() + " has no priced requests"
          + (request.fromModel() == null ? "" : " on " + request.fromModel()) + " off " + target.model() + " in " + period.words()
          + (alreadyOnTarget > 0 ? " (" + Figures.count(alreadyOnTarget) + " already on it)" : "");
    } else {
      summary = "Moving " + movePart + ": " + Figures.dollars(costNow) + " -> " + Figures.dollars(projected) + ", "
          + (savings.signum() >= 0
              ? "saving " + Figures.dollars(savings) + " (" + Figures.percentText(Figures.percent(savings, costNow)) + ")"
              : "costing " + Figures.dollars(savings.negate()) + " more (+"
                  + Figures.percentText(Figures.percent(savings.negate(), costNow)) + ")")
          + unpriced.suffix();
    }
    return new Result(summary, data);
  }

  private static String percentOf(BigDecimal share) {
    return share.multiply(BigDecimal.valueOf(100)).stripTrailingZeros().toPlainString() + "%";
  }

  private static void requireFeature(Connection c, PricedUsage.Scope scope, UsagePeriod period, String feature)
      throws SQLException {
    List<String> features = names(c, FEATURES, s -> {
      s.setString(1, scope.userId());
      s.setObject(2, scope.from());
      s.setObject(3, scope.to());
    });
    if (!features.contains(feature)) {
      throw new IllegalArgumentException(NAME + ": feature '" + feature + "' has no requests in " + period.words() + "; "
          + (features.isEmpty() ? "there are no requests at all in that period" : "features with requests then: " + list(features)));
    }
  }

  private static void requireFromModel(Connection c, PricedUsage.Scope scope, UsagePeriod period, Request request)
      throws SQLException {
    List<String> models = names(c, FEATURE_MODELS, s -> {
      s.setString(1, scope.userId());
      s.setObject(2, scope.from());
      s.setObject(3, scope.to());
      s.setString(4, request.feature());
    });
    if (!models.contains(request.fromModel())) {
      throw new IllegalArgumentException(NAME + ": from_model '" + request.fromModel() + "' served no " + request.feature()
          + " requests in " + period.words() + "; its models then: " + list(models));
    }
  }

  /** The target model's price in effect today, at the one provider it resolves to. */
  private static Price targetPrice(Connection c, Request request, LocalDate today) throws SQLException {
    Map<String, Price> current = new TreeMap<>();
    Map<String, LocalDate> firstFuture = new TreeMap<>();
    try (PreparedStatement s = c.prepareStatement(TARGET_PRICES)) {
      s.setString(1, request.toModel());
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          String provider = r.getString("provider");
          LocalDate effective = r.getObject("effective_from", LocalDate.class);
          if (effective.isAfter(today)) {
            firstFuture.merge(provider, effective, (a, b) -> a.isBefore(b) ? a : b);
          } else {
            // rows come newest first per provider, so the first one on or before today is the current price
            current.putIfAbsent(provider, new Price(provider, request.toModel(), effective,
                r.getBigDecimal("input_usd_per_mtok"), r.getBigDecimal("output_usd_per_mtok"), new ModelPrice(provider,
                request.toModel(), r.getBigDecimal("input_usd_per_mtok"), r.getBigDecimal("output_usd_per_mtok"), effective,
                r.getBigDecimal("cached_input_usd_per_mtok"), r.getBigDecimal("cache_write_usd_per_mtok"),
                r.getBigDecimal("reasoning_usd_per_mtok"), r.getBigDecimal("long_context_input_usd_per_mtok"),
                r.getBigDecimal("long_context_output_usd_per_mtok"), r.getBigDecimal("long_context_cached_input_usd_per_mtok"),
                r.getBigDecimal("long_context_cache_write_usd_per_mtok"))));
          }
        }
      }
    }
    if (current.isEmpty()) {
      if (!firstFuture.isEmpty()) {
        throw new IllegalArgumentException(NAME + ": to_model '" + request.toModel() + "' has no price in effect on " + today
            + "; its first price starts " + firstFuture.values().stream().min(LocalDate::compareTo).orElseThrow());
      }
      List<String> priced = names(c, PRICED_MODELS, s -> s.setObject(1, today));
      throw new IllegalArgumentException(NAME + ": to_model '" + request.toModel() + "' is not in the price catalog; "
          + (priced.isEmpty() ? "the catalog has no prices yet" : "priced models: " + list(priced)));
    }
    if (request.toProvider() != null) {
      Price price = current.get(request.toProvider());
      if (price == null) {
        throw new IllegalArgumentException(NAME + ": to_provider '" + request.toProvider() + "' has no current price for "
            + request.toModel() + "; providers pricing it: " + list(List.copyOf(current.keySet())));
      }
      return price;
    }
    if (current.size() > 1) {
      throw new IllegalArgumentException(NAME + ": to_model '" + request.toModel() + "' is priced for several providers ("
          + list(List.copyOf(current.keySet())) + "); pass to_provider");
    }
    return current.values().iterator().next();
  }

  private interface Binder {
    void bind(PreparedStatement statement) throws SQLException;
  }

  private static List<String> names(Connection c, String sql, Binder binder) throws SQLException {
    List<String> names = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement(sql)) {
      binder.bind(s);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          names.add(r.getString(1));
        }
      }
    }
    return names;
  }

  private static String list(List<String> names) {
    if (names.size() <= MAX_NAMES_IN_MESSAGE) {
      return String.join(", ", names);
    }
    return String.join(", ", names.subList(0, MAX_NAMES_IN_MESSAGE)) + " and " + (names.size() - MAX_NAMES_IN_MESSAGE) + " more";
  }
}

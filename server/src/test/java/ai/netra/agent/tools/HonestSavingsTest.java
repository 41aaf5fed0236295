package ai.netra.agent.tools;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.agent.Tool;
import ai.netra.json.Json;
import ai.netra.llm.Message;
import ai.netra.llm.Reply;
import ai.netra.llm.ToolCall;
import ai.netra.llm.ToolSpec;
import ai.netra.llm.offline.OfflineModel;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * Issue 17, honest savings: over random usage histories, the offline answer to "where can I cut my AI spend?"
 * offers savings that each stay within the spend of their period, and so does their total.
 */
class HonestSavingsTest {

  private static final Pattern DOLLARS = Pattern.compile("\\$([0-9,]+\\.[0-9]{2})");
  private static final String[][] MODELS = {{"openai", "gpt-4o"}, {"openai", "gpt-4o-mini"}, {"anthropic", "claude-sonnet"},
      {"selfhost", "llama-local"}};
  private static final String[] FEATURES = {"chat", "search", "review"};

  @Property(tries = 25)
  void everySavingAndTheirTotalStayWithinTheSpendOfThePeriod(@ForAll @LongRange(min = 1, max = Long.MAX_VALUE) long seed,
      @ForAll @IntRange(min = 1, max = 300) int requests, @ForAll @IntRange(min = 1, max = 40) int prompts) {
    UsageDatabase db = UsageDatabase.get();
    String user = db.newUser("savings");
    Random random = new Random(seed);
    List<UsageDatabase.Row> rows = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      String[] model = MODELS[random.nextInt(MODELS.length)];
      Instant at = Instant.parse("2026-10-22T00:00:00Z").plusSeconds(random.nextInt(29 * 86_400));
      UsageDatabase.Row row = UsageDatabase.Row.of(user, at.toString(), model[0], model[1], FEATURES[random.nextInt(3)],
          random.nextInt(200_000), random.nextInt(20_000));
      rows.add(random.nextBoolean() ? row.hash("p" + random.nextInt(prompts)) : row);
    }
    db.insert(rows);

    Map<String, JsonNode> figures = new LinkedHashMap<>();
    String answer = ask(db, user, figures);

    BigDecimal spend = figures.get("cost_breakdown").path("total").path("cost_usd").decimalValue();
    JsonNode caching = figures.get("caching_opportunity");
    assertThat(caching.path("saved_usd").decimalValue()).as("caching on %s", spend).isLessThanOrEqualTo(caching.path("spend_usd")
        .decimalValue()).isLessThanOrEqualTo(spend);
    JsonNode whatIf = figures.get("what_if_switch");
    if (whatIf != null) {
      assertThat(whatIf.path("savings_usd").decimalValue()).as("the switch's saving within the traffic it moves")
          .isLessThanOrEqualTo(whatIf.path("current_cost_usd").decimalValue());
      assertThat(whatIf.path("current_cost_usd").decimalValue()).isLessThanOrEqualTo(spend);
    }
    for (String line : answer.split("\n")) {
      if (line.startsWith("Together") || line.startsWith("Both overlap") || line.matches("^[0-9]+\\. .*")) {
        Matcher m = DOLLARS.matcher(line.replaceAll("\\(.*? vs .*?\\)", ""));
        List<BigDecimal> amounts = new ArrayList<>();
        while (m.find()) {
          amounts.add(new BigDecimal(m.group(1).replace(",", "")));
        }
        for (BigDecimal amount : amounts) {
          assertThat(amount).as("every figure of '%s' within the spend %s%n%s", line, spend, answer).isLessThanOrEqualTo(spend);
        }
      }
    }
  }

  private static String ask(UsageDatabase db, String user, Map<String, JsonNode> figures) {
    OfflineModel model = new OfflineModel(UsageDatabase.CLOCK);
    var tools = UsageTools.create(db.dataSource(), UsageDatabase.CLOCK);
    List<ToolSpec> specs = tools.specs();
    List<Message> conversation = new ArrayList<>(List.of(Message.system("system"), Message.user("where can I cut my AI spend?")));
    Reply reply = model.complete(conversation, specs, text -> { });
    for (int round = 0; round < 3 && reply.hasToolCalls(); round++) {
      conversation.add(Message.assistant(reply.content(), reply.toolCalls()));
      for (ToolCall call : reply.toolCalls()) {
        try {
          Tool.Result result = tools.tool(call.name()).orElseThrow().run(user,
              Json.mapper().readValue(call.arguments(), new TypeReference<Map<String, Object>>() { }));
          String json = Json.write(result.data());
          figures.put(call.name(), Json.mapper().readTree(json));
          conversation.add(Message.toolResult(call.id(), json));
        } catch (Exception e) {
          conversation.add(Message.toolResult(call.id(), "{\"error\": \"" + e.getMessage().replace("\"", "'") + "\"}"));
        }
      }
      reply = model.complete(conversation, specs, text -> { });
    }
    return reply.content();
  }
}

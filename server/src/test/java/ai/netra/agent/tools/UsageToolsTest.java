package ai.netra.agent.tools;

import static ai.netra.agent.tools.UsageDatabase.data;
import static ai.netra.agent.tools.UsageDatabase.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.netra.agent.Tool;
import ai.netra.agent.ToolRegistry;
import ai.netra.llm.ToolSpec;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaId;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UsageToolsTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonSchemaFactory SCHEMAS = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

  private UsageDatabase db;
  private ToolRegistry registry;
  private String alice;

  @BeforeAll
  void createTheRegistry() {
    db = UsageDatabase.get();
    registry = UsageTools.create(db.dataSource(), UsageDatabase.CLOCK);
    alice = db.newUser("alice");
    db.insertHandMadeMonth(alice, db.newUser("bob"));
  }

  @Test
  void theRegistryHoldsTheFiveUsageTools() {
    assertThat(registry.names()).containsExactly("usage_summary", "cost_breakdown", "what_if_switch", "caching_opportunity",
        "anomalies");
    assertThat(registry.specs()).allSatisfy(spec -> assertThat(spec.description()).as(spec.name()).hasSizeGreaterThan(40));
  }

  @Test
  void everyParameterSchemaIsValidJsonSchemaAndDescribesEachArgument() throws Exception {
    JsonSchema metaSchema = SCHEMAS.getSchema(SchemaLocation.of(SchemaId.V202012));
    assertThat(metaSchema.validate(JSON.readTree("{\"type\": \"object\", \"properties\": {\"x\": {\"type\": \"int\"}}}")))
        .as("the meta-schema check itself catches a broken schema").isNotEmpty();
    for (ToolSpec spec : registry.specs()) {
      JsonNode schema = JSON.readTree(JSON.writeValueAsString(spec.parameters()));

      assertThat(metaSchema.validate(schema)).as("%s's schema against the 2020-12 meta-schema: %s", spec.name(), schema)
          .isEmpty();
      assertThat(schema.get("type").asText()).isEqualTo("object");
      assertThat(schema.get("additionalProperties").asBoolean(true)).as(spec.name()).isFalse();
      schema.get("properties").properties().forEach(property -> {
        String where = spec.name() + "." + property.getKey();
        assertThat(property.getValue().path("type").asText()).as(where).isIn("string", "integer", "number");
        assertThat(property.getValue().path("description").asText()).as(where).hasSizeGreaterThan(15);
      });
      schema.get("required").forEach(name -> assertThat(schema.get("properties").has(name.asText())).as(spec.name()).isTrue());
    }
    JsonNode whatIf = JSON.readTree(JSON.writeValueAsString(registry.tool("what_if_switch").orElseThrow().parameters()));
    assertThat(whatIf.get("required").toString()).isEqualTo("[\"feature\",\"to_model\"]");
    assertThat(whatIf.at("/properties/from/format").asText()).isEqualTo("date");
    assertThat(whatIf.at("/properties/share/exclusiveMinimum").asInt()).isZero();
    JsonNode breakdown = JSON.readTree(JSON.writeValueAsString(registry.tool("cost_breakdown").orElseThrow().parameters()));
    assertThat(breakdown.at("/properties/group_by/enum").toString()).isEqualTo("[\"model\",\"feature\",\"model_and_feature\"]");
    assertThat(breakdown.at("/properties/group_by/default").asText()).isEqualTo("model");
  }

  @Test
  void theSchemasAcceptWhatTheToolsAcceptAndRefuseWhatTheyRefuse() throws Exception {
    record Case(String tool, Map<String, Object> arguments, boolean valid) { }
    List<Case> cases = List.of(
        new Case("usage_summary", Map.of(), true),
        new Case("usage_summary", Map.of("from", "2026-11-01", "to", "2026-11-15"), true),
        new Case("usage_summary", Map.of("from", "11/01/2026"), false),
        new Case("usage_summary", Map.of("since", "2026-11-01"), false),
        new Case("cost_breakdown", Map.of("group_by", "model_and_feature", "feature", "chat"), true),
        new Case("cost_breakdown", Map.of("group_by", "provider"), false),
        new Case("cost_breakdown", Map.of("feature", ""), false),
        new Case("what_if_switch", Map.of("feature", "chat", "to_model", "gpt-4o-mini", "share", 0.5), true),
        new Case("what_if_switch", Map.of("feature", "chat", "to_model", "gpt-4o-mini", "share", 0), false),
        new Case("what_if_switch", Map.of("feature", "chat", "to_model", "gpt-4o-mini", "share", 1.01), false),
        new Case("what_if_switch", Map.of("to_model", "gpt-4o-mini"), false),
        new Case("caching_opportunity", Map.of("min_repeats", 3), true),
        new Case("caching_opportunity", Map.of("min_repeats", 1), false),
        new Case("caching_opportunity", Map.of("min_repeats", 2.5), false),
        new Case("anomalies", Map.of("baseline_days", 14, "threshold", 2.5), true),
        new Case("anomalies", Map.of("threshold", 1), false),
        new Case("anomalies", Map.of("baseline_days", "7"), false));
    SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
    for (Case c : cases) {
      Tool tool = registry.tool(c.tool()).orElseThrow();
      JsonSchema schema = SCHEMAS.getSchema(JSON.readTree(JSON.writeValueAsString(tool.parameters())), config);
      Set<ValidationMessage> problems = schema.validate(JSON.readTree(JSON.writeValueAsString(c.arguments())));
      String what = c.tool() + " " + c.arguments();
      if (c.valid()) {
        assertThat(problems).as("schema of " + what).isEmpty();
        assertThat(registry.run(c.tool(), alice, c.arguments()).summary()).as(what).isNotBlank();
      } else {
        assertThat(problems).as("schema of " + what).isNotEmpty();
        assertThatThrownBy(() -> registry.run(c.tool(), alice, c.arguments())).as(what)
            .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(c.tool() + ": ");
      }
    }
  }

  @Test
  void runsAToolByNameForOneUser() throws Exception {
    Tool.Result result = registry.run("cost_breakdown", alice, null);

    assertThat(result.summary()).startsWith("$11.20 across 5 models");
  }

  @Test
  void anUnknownToolNameIsRefusedWithTheKnownOnes() {
    assertThatThrownBy(() -> registry.run("forecast", alice, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown tool 'forecast'; the tools are usage_summary, cost_breakdown, what_if_switch, caching_opportunity,"
            + " anomalies");
  }

  @Test
  void periodsDefaultToThe30DaysEndingToday() throws Exception {
    assertThat(period(Map.of())).isEqualTo(Map.of("from", "2026-10-22", "to", "2026-11-21", "days", 30L));
    assertThat(period(Map.of("from", "2026-11-01"))).as("to defaults to tomorrow")
        .isEqualTo(Map.of("from", "2026-11-01", "to", "2026-11-21", "days", 20L));
    assertThat(period(Map.of("to", "2026-10-01"))).as("from defaults to 30 days before to")
        .isEqualTo(Map.of("from", "2026-09-01", "to", "2026-10-01", "days", 30L));
    assertThat(period(Map.of("from", "2025-10-17"))).as("400 days is the most").containsEntry("days", 400L);
    Map<String, Object> nulls = new HashMap<>();
    nulls.put("from", null);
    nulls.put("to", null);
    assertThat(period(nulls)).as("null means not sent").containsEntry("from", "2026-10-22");
  }

  @Test
  void badPeriodsAreRefusedSayingWhatToFix() {
    assertThatThrownBy(() -> period(Map.of("from", "2026-11-21", "to", "2026-11-01")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("usage_summary: from (2026-11-21) must be before to (2026-11-01); to is excluded, so a single day D is"
            + " from=D, to=D+1");
    assertThatThrownBy(() -> period(Map.of("from", "2026-11-05", "to", "2026-11-05")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be before to");
    assertThatThrownBy(() -> period(Map.of("from", "2026-12-01")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageEndingWith("(to defaults to tomorrow, 2026-11-21)");
    assertThatThrownBy(() -> period(Map.of("from", "2025-01-01", "to", "2026-11-21")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("usage_summary: the period 2025-01-01 to 2026-11-21 spans 689 days; at most 400 are allowed, so move from or"
            + " to closer together");
    assertThatThrownBy(() -> period(Map.of("from", "2025-10-16")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("spans 401 days");
    assertThatThrownBy(() -> period(Map.of("from", "11/01/2026")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("usage_summary: from must be a date like 2026-11-01 (yyyy-MM-dd, UTC), got '11/01/2026'");
    assertThatThrownBy(() -> period(Map.of("to", "2026-02-30")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("usage_summary: to must be a date like 2026-11-01 (yyyy-MM-dd, UTC), got '2026-02-30'");
    assertThatThrownBy(() -> period(Map.of("from", 20261101)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("usage_summary: from must be a date like 2026-11-01 (yyyy-MM-dd, UTC), got 20261101 (Integer)");
  }

  private Map<String, Object> period(Map<String, Object> arguments) throws Exception {
    return map(data(registry.run("usage_summary", alice, arguments)).get("period"));
  }
}

package ai.netra.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.netra.deploy.Yaml;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The progressive-delivery plans against the engines' own schemas: Flagger's Canary CRD (its OpenAPI v3
 * schema) and Skaffold's JSON schema for the configuration version the plan writes. The schemas are the
 * engines' files, not the project's, so they are given to the run, not kept here:
 * {@code -Dnetra.schema.flagger-crd=crd.yaml} (fluxcd/flagger artifacts/flagger/crd.yaml) and
 * {@code -Dnetra.schema.skaffold=v4beta7.json} (GoogleContainerTools/skaffold
 * docs-v2/content/en/schemas/v4beta7.json); without them these tests are skipped, which is not a pass.
 */
class DeliverySchemaTest {

  static final String FLAGGER_CRD = "netra.schema.flagger-crd";
  static final String SKAFFOLD_SCHEMA = "netra.schema.skaffold";

  private static final String IMAGE = "europe-docker.pkg.dev/netra-staging/netra/netra:1.4.2";

  private static Path given(String property) {
    String path = System.getProperty(property);
    assumeTrue(path != null && !path.isBlank(), "no -D" + property + "=FILE: the schema check was not run");
    assertThat(Path.of(path)).as("-D%s", property).isRegularFile();
    return Path.of(path);
  }

  private static CommandRun plan(String... args) {
    List<String> all = new java.util.ArrayList<>(List.of("--env", "staging", "--image", IMAGE, "--region", "europe-west1",
        "--vpc-connector", "netra-connector", "--env-file", CommandRun.fixture("staging.env")));
    all.addAll(List.of(args));
    return CommandRun.of(new PlanCommand(Map.of()), all.toArray(String[]::new));
  }

  /** The served v1beta1 schema of the CRD whose kind is Canary. */
  private static JsonSchema canarySchema() throws IOException {
    for (JsonNode crd : Yaml.read(Files.readString(given(FLAGGER_CRD)))) {
      if ("Canary".equals(crd.at("/spec/names/kind").asText())) {
        for (JsonNode version : crd.at("/spec/versions")) {
          if ("v1beta1".equals(version.path("name").asText())) {
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(version.at("/schema/openAPIV3Schema"));
          }
        }
      }
    }
    throw new AssertionError("no Canary v1beta1 schema in " + System.getProperty(FLAGGER_CRD));
  }

  @Test
  void theFlaggerCanaryIsValidAgainstFlaggersCrd() throws IOException {
    JsonSchema schema = canarySchema();
    JsonNode canary = Yaml.read(plan("--format", "k8s", "--canary", "--namespace", "netra").out()).get(1);
    assertThat(schema.validate(canary)).as("Canary against Flagger's CRD").isEmpty();

    // The check is real: a hook type Flagger does not know and an interval it cannot parse are refused.
    ObjectNode wrong = canary.deepCopy();
    ((ObjectNode) wrong.at("/spec/analysis/webhooks/0")).put("type", "pre-rollouts");
    ((ObjectNode) wrong.at("/spec/analysis")).put("interval", "one minute");
    Set<ValidationMessage> errors = schema.validate(wrong);
    assertThat(errors).extracting(ValidationMessage::getInstanceLocation).extracting(Object::toString)
        .contains("$.spec.analysis.webhooks[0].type", "$.spec.analysis.interval");
  }

  @Test
  void theSkaffoldConfigurationIsValidAgainstSkaffoldsSchema(@TempDir Path dir) throws IOException {
    JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7)
        .getSchema(Yaml.read(Files.readString(given(SKAFFOLD_SCHEMA))).get(0));
    CommandRun run = plan("--format", "clouddeploy", "--project", "netra-staging", "-o", dir.toString());
    assertThat(run.exit()).as("exit; stderr:\n%s", run.err()).isZero();
    JsonNode skaffold = Yaml.read(Files.readString(dir.resolve("skaffold.yaml"))).get(0);
    assertThat(schema.validate(skaffold)).as("skaffold.yaml against Skaffold's schema").isEmpty();

    ObjectNode wrong = skaffold.deepCopy();
    ((ObjectNode) wrong.at("/verify/0/container")).put("entrypoint", "java");
    assertThat(schema.validate(wrong)).as("an unknown field is refused").isNotEmpty();
  }
}

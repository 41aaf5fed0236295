package ai.netra.deploy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Writes the plans' YAML documents and reads deployments back. Strings that would read back as
 * something else ({@code 'true'}, {@code '10'}) stay quoted: Cloud Run wants every annotation value
 * as a string.
 */
public final class Yaml {

  private static final YAMLMapper MAPPER = new YAMLMapper(YAMLFactory.builder()
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
      .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .build());

  private Yaml() { }

  /** One document per value, separated by {@code ---}. */
  public static String write(List<?> documents) {
    StringWriter out = new StringWriter();
    try {
      for (int i = 0; i < documents.size(); i++) {
        if (i > 0) {
          out.write("---\n");
        }
        out.write(MAPPER.writeValueAsString(documents.get(i)));
      }
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot write the plan as YAML: " + e.getOriginalMessage(), e);
    }
    return out.toString();
  }

  /**
   * Every document in {@code text}.
   *
   * @throws IllegalArgumentException saying where the text stops being YAML
   */
  public static List<JsonNode> read(String text) {
    try (var parser = MAPPER.getFactory().createParser(text)) {
      return MAPPER.readValues(parser, JsonNode.class).readAll();
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not YAML: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read YAML text: " + e.getMessage(), e);
    }
  }
}

package ai.netra.deploy.check;

import ai.netra.deploy.MemorySize;
import ai.netra.deploy.Yaml;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A deployment as written for the platform: a Cloud Run service YAML (what {@code netra plan}
 * writes, or {@code gcloud run services describe --format export} prints) or a Kubernetes
 * Deployment. Check reads its startup probe, scaling and resources.
 *
 * @param container the service's container
 * @param annotations the revision template's annotations (empty for Kubernetes)
 */
public record ServiceYaml(String source, JsonNode container, JsonNode annotations) {

  /**
   * Reads the first document of {@code file} that has a container.
   *
   * @throws IOException when it cannot be read
   * @throws IllegalArgumentException naming the file when it is not YAML or has no container
   */
  public static ServiceYaml read(Path file) throws IOException {
    return parse(file.toString(), Files.readString(file));
  }

  /**
   * The first document of {@code text} that has a container; {@code source} names it in messages.
   *
   * @throws IllegalArgumentException naming the source when it is not YAML or has no container
   */
  public static ServiceYaml parse(String source, String text) {
    List<JsonNode> documents;
    try {
      documents = Yaml.read(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(source + " is " + e.getMessage(), e);
    }
    for (JsonNode doc : documents) {
      JsonNode container = doc.at("/spec/template/spec/containers/0");
      if (container.isObject()) {
        return new ServiceYaml(source, container, doc.at("/spec/template/metadata/annotations"));
      }
    }
    throw new IllegalArgumentException(source + " has no spec.template.spec.containers: not a Cloud Run service or Kubernetes Deployment");
  }

  /** The CPU and memory limits it requests, or null when it names neither. */
  public ResourceProfile resources() {
    JsonNode limits = container.at("/resources/limits");
    if (!limits.hasNonNull("cpu") || !limits.hasNonNull("memory")) {
      return null;
    }
    return new ResourceProfile(ResourceProfile.parseCpu(limits.get("cpu").asText()),
        MemorySize.parse(limits.get("memory").asText()));
  }
}

package ai.netra.config;

import static ai.netra.config.SettingNames.KUBERNETES_SERVICE_HOST;
import static ai.netra.config.SettingNames.K_REVISION;
import static ai.netra.config.SettingNames.K_SERVICE;

import java.util.Map;

/** Where the process runs, as its environment tells. */
public record Platform(Kind kind, String service, String revision) {

  /** The platforms the service knows how to behave on. */
  public enum Kind { CLOUD_RUN, KUBERNETES, LOCAL }

  static Platform detect(Map<String, String> env) {
    if (env.containsKey(K_SERVICE)) {
      return new Platform(Kind.CLOUD_RUN, env.get(K_SERVICE), env.getOrDefault(K_REVISION, ""));
    }
    if (env.containsKey(KUBERNETES_SERVICE_HOST)) {
      return new Platform(Kind.KUBERNETES, env.getOrDefault("HOSTNAME", ""), "");
    }
    return new Platform(Kind.LOCAL, "", "");
  }

  public String describe() {
    return switch (kind) {
      case CLOUD_RUN -> "Cloud Run service " + service + " revision " + revision;
      case KUBERNETES -> "Kubernetes pod " + service;
      case LOCAL -> "local (no Cloud Run or Kubernetes variables)";
    };
  }
}

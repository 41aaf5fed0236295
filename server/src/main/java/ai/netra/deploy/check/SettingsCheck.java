package ai.netra.deploy.check;

import static ai.netra.config.SettingNames.DATABASE_URL;
import static ai.netra.config.SettingNames.JWT_SECRET_KEY;
import static ai.netra.config.SettingNames.LLM_API_KEY;
import static ai.netra.config.SettingNames.POSTGRES_PASSWORD;
import static ai.netra.config.SettingNames.REDIS_URL;

import ai.netra.config.Settings;
import java.util.ArrayList;
import java.util.List;

/** The settings the service reads at INIT: every problem at once, as the service itself would report them. */
final class SettingsCheck {

  private SettingsCheck() { }

  static List<Finding> run(DeployEnv env, Settings settings) {
    List<Finding> findings = new ArrayList<>();
    for (Settings.Problem p : settings.problems()) {
      findings.add(Finding.fail(Area.SETTINGS, p.message(), "set " + String.join(" / ", p.settings())
          + " in " + env.source() + " as the message says"));
    }
    settings.nearMisses().forEach(m -> findings.add(Finding.warn(Area.SETTINGS, m, "rename it to the setting meant, or remove it")));
    if (settings.production() && settings.startup().bypassValidation()) {
      findings.add(Finding.warn(Area.SETTINGS, "BYPASS_STARTUP_VALIDATION=true is ignored in production:"
          + " every validation step runs", "remove BYPASS_STARTUP_VALIDATION"));
    }
    if (settings.production() && !settings.startup().allowDegraded().isEmpty()) {
      findings.add(Finding.warn(Area.SETTINGS, "STARTUP_ALLOW_DEGRADED=" + String.join(",", settings.startup().allowDegraded())
          + " in production: these components may fail and the service still takes traffic",
          "remove STARTUP_ALLOW_DEGRADED unless running without them is intended"));
    }
    env.refs().forEach((name, ref) -> {
      if (name.equals(DATABASE_URL) || name.equals(REDIS_URL)) {
        findings.add(Finding.warn(Area.SETTINGS, name + " comes from Secret Manager (" + ref + "): its shape is not checked here",
            name.equals(DATABASE_URL) ? "give POSTGRES_HOST, POSTGRES_DB and POSTGRES_USER as plain settings and only"
                + " POSTGRES_PASSWORD as a secret, so they can be checked" : "check the secret's value is redis:// or rediss://"));
      }
    });
    if (settings.problems().isEmpty()) {
      List<String> secrets = new ArrayList<>();
      for (String name : List.of(DATABASE_URL, POSTGRES_PASSWORD, REDIS_URL, JWT_SECRET_KEY, LLM_API_KEY)) {
        env.ref(name).ifPresentOrElse(ref -> secrets.add(name + " from Secret Manager " + ref), () -> {
          if (env.values().get(name) != null && !env.values().get(name).isBlank()) {
            secrets.add(name + " " + settings.display(name));
          }
        });
      }
      String database = settings.embeddedDatabase() ? "embedded database"
          : env.ref(DATABASE_URL).isPresent() ? "database from Secret Manager" : "database " + settings.database().describe();
      findings.add(Finding.pass(Area.SETTINGS, "every setting " + settings.environment().label() + " needs is present and valid ("
          + database + (settings.redisUrl() == null ? ", in-process cache" : ", Redis") + ", LLM "
          + (settings.llm().offline() ? "offline" : settings.llm().model()) + ")"
          + (secrets.isEmpty() ? "" : "; secrets: " + String.join(", ", secrets))));
    }
    return findings;
  }
}

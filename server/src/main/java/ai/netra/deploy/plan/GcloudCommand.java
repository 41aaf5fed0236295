package ai.netra.deploy.plan;

import ai.netra.deploy.StartupProbe;
import ai.netra.deploy.check.SecretRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** The plan as one {@code gcloud run deploy} command line, every argument quoted for a POSIX shell. */
public final class GcloudCommand {

  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_=:,./@%+-]+");
  /** gcloud splits list flags on commas; a value holding one needs another delimiter, written ^D^ first. */
  private static final List<String> DELIMITERS = List.of("@", "|", "#", "~", ";", "!");

  private GcloudCommand() { }

  /** The command, {@code gcloud run deploy SERVICE} and then one flag per line, joined with backslashes. */
  public static String command(ServicePlan plan) {
    List<String> words = arguments(plan).stream().map(GcloudCommand::quote).toList();
    return String.join(" ", words.subList(0, 4)) + " \\\n    " + String.join(" \\\n    ", words.subList(4, words.size())) + "\n";
  }

  /** The command's arguments, unquoted. */
  public static List<String> arguments(ServicePlan plan) {
    List<String> args = new ArrayList<>(List.of("gcloud", "run", "deploy", plan.service()));
    args.add("--image=" + plan.image());
    if (plan.region() != null) {
      args.add("--region=" + plan.region());
    }
    args.add("--platform=managed");
    args.add("--port=" + plan.port());
    args.add("--cpu=" + plan.resources().cpuText());
    args.add("--memory=" + plan.resources().memory().toString());
    args.add(plan.cpuBoost() ? "--cpu-boost" : "--no-cpu-boost");
    args.add("--no-cpu-throttling");
    args.add("--execution-environment=gen2");
    args.add("--min-instances=" + plan.minInstances());
    args.add("--max-instances=" + plan.maxInstances());
    args.add("--concurrency=" + plan.concurrency());
    args.add("--timeout=" + plan.requestTimeoutSeconds());
    args.add(plan.sessionAffinity() ? "--session-affinity" : "--no-session-affinity");
    if (plan.serviceAccount() != null) {
      args.add("--service-account=" + plan.serviceAccount());
    }
    if (plan.cloudSqlInstance() != null) {
      args.add("--set-cloudsql-instances=" + plan.cloudSqlInstance());
    }
    if (plan.vpcConnector() != null) {
      args.add("--vpc-connector=" + plan.vpcConnector());
      args.add("--vpc-egress=" + plan.vpcEgress());
    }
    args.add("--set-env-vars=" + list(plan.env().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()));
    if (!plan.secrets().isEmpty()) {
      args.add("--set-secrets=" + list(plan.secrets().entrySet().stream().map(GcloudCommand::secret).toList()));
    }
    StartupProbe s = plan.startupProbe();
    args.add("--startup-probe=httpGet.path=/health/startup,httpGet.port=" + plan.port() + ",initialDelaySeconds="
        + s.initialDelaySeconds() + ",periodSeconds=" + s.periodSeconds() + ",timeoutSeconds=" + s.timeoutSeconds()
        + ",failureThreshold=" + s.failureThreshold());
    Probe l = plan.livenessProbe();
    args.add("--liveness-probe=httpGet.path=" + l.path() + ",httpGet.port=" + plan.port() + ",periodSeconds="
        + l.periodSeconds() + ",timeoutSeconds=" + l.timeoutSeconds() + ",failureThreshold=" + l.failureThreshold());
    return args;
  }

  private static String secret(Map.Entry<String, SecretRef> e) {
    return e.getKey() + "=" + e.getValue().secret() + ":" + e.getValue().version();
  }

  /** Items joined with commas, or with the first delimiter none of them holds (gcloud's ^D^ escape). */
  static String list(List<String> items) {
    if (items.stream().noneMatch(i -> i.contains(","))) {
      return String.join(",", items);
    }
    String delimiter = DELIMITERS.stream().filter(d -> items.stream().noneMatch(i -> i.contains(d))).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("the settings use every delimiter gcloud could split them on ("
            + String.join(" ", DELIMITERS) + "); deploy the YAML instead (netra plan --format cloudrun)"));
    return "^" + delimiter + "^" + items.stream().collect(Collectors.joining(delimiter));
  }

  /** {@code text} as one word for a POSIX shell: as is when plainly safe, else in single quotes. */
  static String quote(String text) {
    if (SAFE.matcher(text).matches()) {
      return text;
    }
    return "'" + text.replace("'", "'\\''") + "'";
  }
}

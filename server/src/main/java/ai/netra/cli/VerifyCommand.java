package ai.netra.cli;

import ai.netra.boot.ExitCode;
import ai.netra.config.Settings;
import ai.netra.deploy.DurationText;
import ai.netra.deploy.StartupReportJson;
import ai.netra.deploy.verify.GateResult;
import ai.netra.deploy.verify.Rollback;
import ai.netra.deploy.verify.Verification;
import ai.netra.deploy.verify.VerificationResult;
import ai.netra.json.Json;
import ai.netra.startup.StartupReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code netra verify}: post-deploy gates against a service URL, ending in PASS, INCOMPLETE, or ROLLBACK with the way back. */
@Command(name = "verify", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class, sortOptions = false,
    description = {"Runs the post-deploy gates against a service URL and says PASS, INCOMPLETE when a gate was skipped, or"
            + " ROLLBACK with the command that rolls back.",
        "",
        "The URL is --url, or (in a Cloud Deploy verify container) --url-env " + VerifyCommand.CLOUD_RUN_SERVICE_URLS
            + "; --revision-tag checks the Cloud Run revision with that tag, e.g. the canary, at its own URL.",
        "",
        "Each gate has --deadline: /health/live answers 200; /health/startup reports READY or DEGRADED;"
            + " /health/ready answers 200; the chat golden path over the WebSocket (the five events and an answer;"
            + " needs --token); --requests health requests for p50/p99 and the failure rate; the time to ready against"
            + " --baseline-report. On any failure: verdict ROLLBACK, the reasons, and the gcloud command that sends all"
            + " traffic back to --previous-revision. Tokens are never printed.",
        ""})
public final class VerifyCommand implements Callable<Integer> {

  /** Read when --token is not given, so the token need not appear in the process list or shell history. */
  static final String TOKEN_ENV = "NETRA_VERIFY_TOKEN";
  static final String IDENTITY_TOKEN_ENV = "NETRA_VERIFY_IDENTITY_TOKEN";
  /** Where Cloud Deploy puts the service's URLs for a verify container (comma-separated). */
  static final String CLOUD_RUN_SERVICE_URLS = "CLOUD_RUN_SERVICE_URLS";
  /** Cloud Run's tagged-revision URLs: the tag, three hyphens, then the service's run.app host. */
  private static final Pattern REVISION_TAG = Pattern.compile("[a-z]([-a-z0-9]{0,61}[a-z0-9])?");

  @Option(names = "--url", paramLabel = "URL",
      description = "the service, e.g. https://chat-abc123-uc.a.run.app (or --url-env)")
  String url;

  @Option(names = "--url-env", paramLabel = "NAME", description = "read the service's URL from the environment variable"
      + " NAME instead of --url: a comma-separated list, as Cloud Deploy gives a verify container in "
      + CLOUD_RUN_SERVICE_URLS + "; the first URL is used (with --revision-tag, the first run.app URL)")
  String urlEnv;

  @Option(names = "--revision-tag", paramLabel = "TAG", description = "verify the Cloud Run revision tagged TAG at its own"
      + " URL, https://TAG---HOST, instead of whichever revisions the service's traffic split picks")
  String revisionTag;

  @Option(names = "--token", paramLabel = "JWT", description = "a token the service accepts, for the chat gate (or set "
      + TOKEN_ENV + "); without one the chat gate is skipped")
  String token;

  @Option(names = "--allow-skip", description = "a skipped gate (no --token, no --baseline-report) still lets the"
      + " verdict be PASS; without it the verdict is INCOMPLETE, exit 1")
  boolean allowSkip;

  @Option(names = "--identity-token", paramLabel = "TOKEN", description = "for a private Cloud Run service: an identity"
      + " token (gcloud auth print-identity-token), sent as X-Serverless-Authorization (or set " + IDENTITY_TOKEN_ENV + ")")
  String identityToken;

  @Option(names = "--previous-revision", paramLabel = "REVISION", description = "the revision to roll back to")
  String previousRevision;

  @Option(names = "--service", paramLabel = "SERVICE", description = "the Cloud Run service name")
  String service;

  @Option(names = "--region", paramLabel = "REGION", description = "the Cloud Run region, e.g. us-central1")
  String region;

  @Option(names = "--deadline", defaultValue = "60s", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "how long each gate may take (default ${DEFAULT-VALUE})")
  Duration deadline;

  @Option(names = "--requests", defaultValue = "200", paramLabel = "N",
      description = "health requests for the latency gate (default ${DEFAULT-VALUE})")
  int requests;

  @Option(names = "--max-p99", defaultValue = "1s", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "the latency gate's p99 limit (default ${DEFAULT-VALUE})")
  Duration maxP99;

  @Option(names = "--max-failure-rate", defaultValue = "1%", paramLabel = "PERCENT",
      description = "the latency gate's limit on 5xx and unanswered requests (default ${DEFAULT-VALUE})")
  String maxFailureRate;

  @Option(names = "--baseline-report", paramLabel = "FILE", description = "a startup report (netra simulate --report, or a"
      + " saved /health/startup) to compare the time to ready with")
  Path baselineReport;

  @Option(names = "--max-slowdown", defaultValue = "1.5", paramLabel = "FACTOR",
      description = "fail when the time to ready is over FACTOR x the baseline's (default ${DEFAULT-VALUE})")
  double maxSlowdown;

  @Option(names = "--message", defaultValue = "Summarize my LLM usage and costs for the last 7 days", paramLabel = "TEXT",
      description = "what the chat gate asks (default: \"${DEFAULT-VALUE}\")")
  String message;

  @Mixin
  Inputs.JsonOutput json = new Inputs.JsonOutput();

  @Spec
  CommandSpec spec;

  private final Map<String, String> env;

  public VerifyCommand() {
    this(Settings.processEnvironment());
  }

  VerifyCommand(Map<String, String> env) {
    this.env = Objects.requireNonNull(env, "env");
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String chatToken = blankToNull(token != null ? token : env.get(TOKEN_ENV));
    String iamToken = blankToNull(identityToken != null ? identityToken : env.get(IDENTITY_TOKEN_ENV));
    // Every line this run prints goes through these: a token never shows, *** does.
    List<String> secrets = Stream.of(chatToken, iamToken).filter(t -> t != null && t.length() >= 4).toList();
    Verification.Options options;
    try {
      options = new Verification.Options(target(url, urlEnv, revisionTag, env), chatToken, iamToken,
          positive("--deadline", deadline),
          count(requests), positive("--max-p99", maxP99), rate(maxFailureRate), baseline(), slowdown(maxSlowdown),
          message(message),
          new Rollback(blankToNull(service), blankToNull(previousRevision), blankToNull(region)));
    } catch (IllegalArgumentException e) {
      err.println(Inputs.scrub("netra verify: " + e.getMessage(), secrets));
      err.flush();
      return ExitCode.INVALID.code();
    }
    PrintWriter progressTo = json.enabled ? err : out;
    Consumer<String> progress = line -> {
      progressTo.println(Inputs.scrub(line, secrets));
      progressTo.flush();
    };
    progress.accept("netra verify " + options.url() + ": each gate within " + DurationText.format(options.deadline()));
    VerificationResult result = new Verification(options).run(progress);
    if (json.enabled) {
      out.println(Inputs.scrub(Json.writePretty(jsonResult(result)), secrets));
    } else {
      printVerdict(out, result, secrets);
    }
    out.flush();
    return result.verdict(allowSkip).equals("PASS") ? ExitCode.OK.code() : ExitCode.FAILED.code();
  }

  private void printVerdict(PrintWriter out, VerificationResult result, List<String> secrets) {
    out.println();
    List<String> skipped = result.skipped();
    out.println("verdict: " + result.verdict(allowSkip) + (skipped.isEmpty() ? "" : " (" + skipped.size() + " gate"
        + (skipped.size() == 1 ? "" : "s") + " skipped, not passed: " + String.join(", ", skipped) + ")"));
    if (result.passed() && !skipped.isEmpty() && !allowSkip) {
      out.println("a skipped gate proved nothing: give --token (or " + TOKEN_ENV + ") for the chat gate and"
          + " --baseline-report for the start-time gate, or --allow-skip to accept the verdict without them");
    }
    if (!result.passed()) {
      out.println("reasons:");
      result.reasons().forEach(r -> out.println(Inputs.scrub("  - " + r, secrets)));
      out.println("roll back with:");
      result.rollback().command().ifPresent(c -> out.println("  " + c));
      String hint = result.rollback().hint();
      if (!hint.isEmpty()) {
        out.println("  (" + hint + ")");
      }
    }
  }

  private Map<String, Object> jsonResult(VerificationResult result) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("verdict", result.verdict(allowSkip));
    o.put("url", result.url());
    List<Map<String, Object>> gates = new ArrayList<>();
    for (GateResult g : result.gates()) {
      Map<String, Object> gate = new LinkedHashMap<>();
      gate.put("name", g.name());
      gate.put("status", g.status());
      gate.put("took_ms", g.tookMs());
      gate.put("summary", g.summary());
      gate.put("reasons", g.reasons());
      gate.put("warnings", g.warnings());
      gate.put("details", g.details());
      gates.add(gate);
    }
    o.put("gates", gates);
    o.put("reasons", result.reasons());
    o.put("skipped", result.skipped());
    o.put("rollback_command", result.passed() ? null : result.rollback().command().orElse(null));
    o.put("rollback_hint", result.passed() || result.rollback().hint().isEmpty() ? null : result.rollback().hint());
    return o;
  }

  static URI parseUrl(String text) {
    URI uri;
    try {
      uri = URI.create(text.strip());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--url '" + text + "' is not a URL; use e.g. https://chat-abc123-uc.a.run.app");
    }
    if (uri.getScheme() == null || !List.of("http", "https").contains(uri.getScheme().toLowerCase(Locale.ROOT))
        || uri.getHost() == null) {
      throw new IllegalArgumentException("--url '" + text + "' must be http:// or https:// with a host, e.g."
          + " https://chat-abc123-uc.a.run.app");
    }
    if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException("--url '" + uri.getScheme() + "://" + uri.getHost()
          + "...' must be the service's base URL, without credentials, query or fragment");
    }
    return uri;
  }

  /**
   * The URL the gates run against: {@code --url}, or the list in the variable {@code --url-env} names; with a
   * revision tag, that revision's own URL (one already in the list, else the first run.app URL with TAG--- in front).
   *
   * @throws IllegalArgumentException naming the option or variable that does not give one usable URL
   */
  static URI target(String url, String urlEnv, String revisionTag, Map<String, String> env) {
    if (url != null && urlEnv != null) {
      throw new IllegalArgumentException("give --url or --url-env, not both");
    }
    if (url == null && urlEnv == null) {
      throw new IllegalArgumentException("--url is required (or --url-env NAME: the variable that holds it, e.g. "
          + CLOUD_RUN_SERVICE_URLS + " in a Cloud Deploy verify container)");
    }
    String tag = blankToNull(revisionTag);
    if (tag != null && !REVISION_TAG.matcher(tag).matches()) {
      throw new IllegalArgumentException("--revision-tag '" + tag + "' is not a Cloud Run tag (lower-case letters, digits"
          + " and hyphens, starting with a letter)");
    }
    String source = url != null ? "--url" : urlEnv + " (--url-env)";
    List<String> urls = url != null ? List.of(url.strip()) : Stream.of(Objects.requireNonNullElse(env.get(urlEnv), "")
        .split(",")).map(String::strip).filter(u -> !u.isEmpty()).toList();
    if (urls.isEmpty()) {
      throw new IllegalArgumentException(urlEnv + " is not set or empty: --url-env names the variable that holds the"
          + " service's URL (Cloud Deploy sets " + CLOUD_RUN_SERVICE_URLS + " for a verify container); or give --url");
    }
    String chosen = tag == null ? urls.get(0) : tagged(urls, tag, source);
    try {
      return parseUrl(chosen);
    } catch (IllegalArgumentException e) {
      throw url != null ? e : new IllegalArgumentException(source + ": " + e.getMessage(), e);
    }
  }

  /** The URL of the revision tagged {@code tag}: one in the list already, else the first run.app URL with TAG--- in front. */
  private static String tagged(List<String> urls, String tag, String source) {
    for (String u : urls) {
      if (host(u).toLowerCase(Locale.ROOT).startsWith(tag + "---")) {
        return u;
      }
    }
    for (String u : urls) {
      String host = host(u);
      if (host.toLowerCase(Locale.ROOT).endsWith(".run.app")) {
        return u.replaceFirst(Pattern.quote(host), tag + "---" + host);
      }
    }
    throw new IllegalArgumentException("--revision-tag " + tag + " needs the service's run.app URL (a tagged revision"
        + " answers at https://" + tag + "---SERVICE-HASH.REGION.run.app); " + source + " gave " + String.join(", ", urls));
  }

  private static String host(String url) {
    try {
      String host = URI.create(url).getHost();
      return host == null ? "" : host;
    } catch (IllegalArgumentException e) {
      return ""; // parseUrl says what is wrong with it
    }
  }

  private StartupReport baseline() {
    if (baselineReport == null) {
      return null;
    }
    StartupReport report;
    try {
      report = StartupReportJson.read(baselineReport);
    } catch (IOException e) {
      throw new IllegalArgumentException("--baseline-report " + baselineReport + " cannot be read: " + e.getMessage());
    }
    if (!report.outcome().serving()) {
      throw new IllegalArgumentException("--baseline-report " + baselineReport + " is a start that ended "
          + report.outcome() + "; a baseline must be a finished (READY or DEGRADED) start");
    }
    return report;
  }

  private static Duration positive(String option, Duration d) {
    if (d.isZero()) {
      throw new IllegalArgumentException(option + " must be longer than 0 s");
    }
    return d;
  }

  private static int count(int n) {
    if (n < 1 || n > 100_000) {
      throw new IllegalArgumentException("--requests " + n + " must be from 1 to 100000");
    }
    return n;
  }

  /** {@code 1%}, {@code 0.5%} or a fraction {@code 0.01}. */
  static double rate(String text) {
    String value = text.strip();
    try {
      double parsed = value.endsWith("%") ? Double.parseDouble(value.substring(0, value.length() - 1)) / 100
          : Double.parseDouble(value);
      if (parsed >= 0 && parsed <= 1) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("--max-failure-rate '" + text + "' must be a share from 0% to 100%, e.g. 1%");
  }

  private static double slowdown(double factor) {
    if (!(factor >= 1.0) || factor > 100) {
      throw new IllegalArgumentException("--max-slowdown " + factor + " must be from 1.0 to 100");
    }
    return factor;
  }

  private static String message(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("--message must not be blank");
    }
    return text;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }
}

package ai.netra.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ai.netra.boot.BackendPlan;
import ai.netra.config.Settings;
import ai.netra.deploy.check.CheckReport;
import ai.netra.deploy.check.DeployCheck;
import ai.netra.deploy.check.DeployEnv;
import ai.netra.deploy.check.Finding;
import ai.netra.deploy.check.Verdict;
import ai.netra.deploy.plan.ServicePlan;
import ai.netra.deploy.plan.ServicePlanner;
import ai.netra.deploy.simulate.Recommendations;
import ai.netra.startup.ConfigurationException;
import ai.netra.startup.StartupPlan;
import ai.netra.startup.Step;
import ai.netra.startup.StepContext;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The same settings (and the same recorded start) given to the four places that size timeouts: the
 * service's own INIT step, {@code netra check}, {@code netra simulate}'s recommendations and
 * {@code netra plan}'s probe. They must print the same numbers.
 */
class TimeoutAgreementTest {

  private static final Pattern SET = Pattern.compile("(STARTUP_[A-Z_]+_S)=([0-9.]+)");

  /** The incident's policy, on a staging deployment on Cloud SQL otherwise fine. */
  private static Map<String, String> incident() {
    Map<String, String> env = new HashMap<>();
    env.put("NETRA_ENV", "staging");
    env.put("K_SERVICE", "netra");
    env.put("POSTGRES_HOST", "/cloudsql/p:europe-west1:db");
    env.put("POSTGRES_DB", "netra");
    env.put("POSTGRES_USER", "netra");
    env.put("POSTGRES_PASSWORD", "pg-secret-Zq81xL");
    env.put("REDIS_URL", "redis://10.0.0.3:6379");
    env.put("JWT_SECRET_KEY", "jwt-secret-0123456789abcdefghijklmnopqrstuv");
    env.put("LLM_MODEL", "offline");
    env.put("DB_MAX_CONNECTIONS", "100");
    env.put("STARTUP_TIMEOUT_MULTIPLIER", "0.7");
    env.put("STARTUP_SAFETY_MARGIN", "1.1");
    env.put("STARTUP_TOTAL_BUDGET_S", "5");
    env.put("STARTUP_TIMEOUT_DATABASE_S", "3");
    env.put("STARTUP_TIMEOUT_REDIS_S", "1.5");
    return env;
  }

  /** A start that got through in 34 s, its database step taking 12 s of a 10 s timeout's worth. */
  private static RecordedStartup recorded() {
    String json = """
        {"outcome": "READY", "phase": "FINALIZE", "elapsed_ms": 34000, "budget_ms": 60000, "phases": [
          {"name": "INIT", "status": "OK", "steps": [
            {"name": "settings", "component": "settings", "criticality": "CRITICAL", "status": "OK", "attempts": 1,
             "start_ms": 900, "end_ms": 950, "error": null}]},
          {"name": "DATABASE", "status": "OK", "steps": [
            {"name": "database", "component": "database", "criticality": "CRITICAL", "status": "OK", "attempts": 1,
             "start_ms": 1000, "end_ms": 13000, "error": null},
            {"name": "migrations", "component": "database", "criticality": "CRITICAL", "status": "OK", "attempts": 1,
             "start_ms": 13000, "end_ms": 33000, "error": null}]}]}
        """;
    return StartupReportJson.recorded(json, "recorded.json");
  }

  private static Map<String, String> settingsIn(Stream<String> texts) {
    Map<String, String> out = new TreeMap<>();
    texts.forEach(text -> {
      Matcher m = SET.matcher(text);
      while (m.find()) {
        out.put(m.group(1), m.group(2));
      }
    });
    return out;
  }

  private static CheckReport check(Map<String, String> env, RecordedStartup report) {
    return new DeployCheck(new DeployCheck.Options(null, null, null, 0.25, null), line -> { })
        .run(DeployEnv.fromProcess(env, "staging"), report);
  }

  /** What the check would change, from its FAIL and WARN findings about timeouts. */
  private static Map<String, String> checkChanges(CheckReport report) {
    return settingsIn(report.findings().stream().filter(f -> f.verdict() != Verdict.PASS).map(Finding::fix)
        .filter(fix -> fix.contains("STARTUP_TIMEOUT_") || fix.contains("STARTUP_TOTAL_BUDGET_S")));
  }

  @Test
  void serveAndCheckGiveTheSameVerdictAndNumbersForTheIncidentsPolicy() {
    Settings settings = Settings.read(incident());
    StartupPlan plan = BackendPlan.describe(settings);
    Step policyStep = plan.steps().stream().filter(s -> s.name().equals("timeout-policy")).findFirst().orElseThrow();

    ConfigurationException serve = catchThrowableOfType(ConfigurationException.class,
        () -> policyStep.action().run(new Context()));
    CheckReport check = check(incident(), null);

    assertThat(serve).as("serve's INIT rejects the incident's policy (exit 2)").isNotNull();
    assertThat(check.verdict()).as("check's verdict on the same policy").isEqualTo(Verdict.FAIL);
    Map<String, String> fromServe = settingsIn(Stream.of(serve.hint()));
    assertThat(fromServe).as("serve's fix: 10 s x 1.25 / 0.77 for Cloud SQL, and the budget for it")
        .containsEntry("STARTUP_TIMEOUT_DATABASE_S", "16.3").containsEntry("STARTUP_TOTAL_BUDGET_S", "30");
    assertThat(checkChanges(check)).as("check's fixes are serve's").isEqualTo(fromServe);
  }

  /** An identity provider's keys, as Firebase Auth publishes them. */
  private static Map<String, String> withIdentityProvider(Map<String, String> env) {
    env.put("AUTH_JWKS_URL", "https://www.googleapis.com/service_accounts/v1/jwk/securetoken@system.gserviceaccount.com");
    env.put("AUTH_ISSUER", "https://securetoken.google.com/netra-prod");
    env.put("AUTH_AUDIENCE", "netra-prod");
    return env;
  }

  @Test
  void theDefaultsPassEverywhere() {
    for (String environment : List.of("development", "staging", "production")) {
      for (String host : List.of("10.20.0.5", "/cloudsql/p:europe-west1:db")) {
       for (boolean idp : List.of(false, true)) {
        Map<String, String> env = incident();
        env.keySet().removeIf(k -> k.startsWith("STARTUP_"));
        env.put("NETRA_ENV", environment);
        env.put("POSTGRES_HOST", host);
        if (idp) {
          withIdentityProvider(env);
        }
        Settings settings = Settings.read(env);
        assertThat(settings.problems()).as("settings in %s", environment).isEmpty();
        StartupPlan plan = BackendPlan.describe(settings);
        assertThat(plan.steps().stream().anyMatch(s -> s.name().equals("jwks")))
            .as("the JWKS step is in the plan exactly when AUTH_JWKS_URL is set").isEqualTo(idp);
        var model = ai.netra.startup.TimeoutModel.assess(plan,
            ai.netra.startup.TimeoutModel.Inputs.declared(BackendPlan.platformWindow(settings)));
        assertThat(model.findings()).as("findings of the default policy in %s with database %s, identity provider %s",
            environment, host, idp).isEmpty();
        if (idp) {
          assertThat(model.step("jwks").orElseThrow().timeout()).as("the JWKS fetch's default timeout")
              .isEqualTo(Duration.ofSeconds(10));
        }
       }
      }
    }
  }

  /** Issue 16: the JWKS fetch is a dependency like the others: check and simulate size its timeout alike. */
  @Test
  void checkAndSimulateSizeTheJwksStepTheSameFromOneRecordedStart() {
    Map<String, String> env = withIdentityProvider(incident());
    env.put("STARTUP_TIMEOUT_MULTIPLIER", "1");
    env.put("STARTUP_SAFETY_MARGIN", "1");
    env.put("STARTUP_TOTAL_BUDGET_S", "120");
    env.put("STARTUP_TIMEOUT_DATABASE_S", "30");
    env.put("STARTUP_TIMEOUT_JWKS_S", "1");
    RecordedStartup report = StartupReportJson.recorded("""
        {"outcome": "READY", "phase": "FINALIZE", "elapsed_ms": 9000, "budget_ms": 120000, "phases": [
          {"name": "DEPENDENCIES", "status": "OK", "steps": [
            {"name": "jwks", "component": "jwks", "criticality": "CRITICAL", "status": "OK", "attempts": 2,
             "start_ms": 1000, "end_ms": 3000, "error": null}]}]}
        """, "recorded.json");

    Map<String, String> fromCheck = checkChanges(check(env, report));
    StartupPlan plan = BackendPlan.describe(Settings.read(env));
    Map<String, String> fromSimulate = new TreeMap<>(Recommendations.timeouts(report.report(), null, plan, Map.of())
        .stream().filter(i -> i.subject().startsWith("STARTUP_"))
        .collect(Collectors.toMap(Recommendations.Item::subject, Recommendations.Item::value, (a, b) -> b)));

    assertThat(fromCheck).as("check: the JWKS fetch needed 2 s of its 1 s timeout, so 2 s x 1.25")
        .isEqualTo(Map.of("STARTUP_TIMEOUT_JWKS_S", "2.5"));
    assertThat(fromSimulate).as("simulate's recommendations from the same start").isEqualTo(fromCheck);
  }

  @Test
  void checkAndSimulateRecommendTheSameSettingsFromOneRecordedStart() {
    Map<String, String> env = incident();
    env.put("STARTUP_TIMEOUT_MULTIPLIER", "1");
    env.put("STARTUP_SAFETY_MARGIN", "1");
    env.put("STARTUP_TOTAL_BUDGET_S", "50");
    env.put("STARTUP_TIMEOUT_DATABASE_S", "15");
    RecordedStartup report = recorded();

    Map<String, String> fromCheck = checkChanges(check(env, report));
    StartupPlan plan = BackendPlan.describe(Settings.read(env));
    Map<String, String> fromSimulate = new TreeMap<>(Recommendations.timeouts(report.report(), null, plan, Map.of())
        .stream().filter(i -> i.subject().startsWith("STARTUP_"))
        .collect(Collectors.toMap(Recommendations.Item::subject, Recommendations.Item::value, (a, b) -> b)));

    assertThat(fromCheck).as("check: migrations needed 20 s of 15 s, so 25 s; then the slowest start (0.9 s of boot,"
        + " database and migrations at 25 s, Redis at 1.5 s) needs 52.4 s of the 50 s budget, so 55 s")
        .isEqualTo(Map.of("STARTUP_TIMEOUT_DATABASE_S", "25", "STARTUP_TOTAL_BUDGET_S", "55"));
    assertThat(fromSimulate).as("simulate's recommendations from the same start").isEqualTo(fromCheck);
  }

  @Test
  void planCheckAndSimulateSizeTheSameStartupProbe() {
    Map<String, String> env = incident();
    env.put("STARTUP_TOTAL_BUDGET_S", "60");
    RecordedStartup report = recorded();
    ServicePlan plan = ServicePlanner.plan(DeployEnv.fromProcess(env, "staging"), report,
        new ServicePlanner.Options("europe-docker.pkg.dev/p/r/netra:1", null, null, null, null, null, null, null, null,
            null, null));
    StartupProbe planned = plan.startupProbe();

    StartupProbe checked = StartupProbe.of(Settings.read(env).startup().totalBudget(), report.elapsed(), report.source());
    assertThat(planned.window()).as("34 s x 2 = 68 s, over the 60 s budget + 5 s").isEqualTo(68);
    assertThat(Set.of(planned.periodSeconds(), planned.failureThreshold()))
        .as("check suggests the probe plan writes").isEqualTo(Set.of(checked.periodSeconds(), checked.failureThreshold()));
  }

  /** A step context with time to spare, for running the INIT policy step by itself. */
  private static final class Context implements StepContext {
    @Override
    public Duration remaining() {
      return Duration.ofSeconds(5);
    }

    @Override
    public Duration timeout() {
      return Duration.ofSeconds(5);
    }

    @Override
    public int attempt() {
      return 1;
    }

    @Override
    public void detail(String detail) { }
  }
}

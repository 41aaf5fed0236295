package ai.netra.deploy.check;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.deploy.MemorySize;
import ai.netra.deploy.RecordedStartup;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The judgement of whole deployments, the seed configurations first. No database is asked: max_connections is given. */
class DeployCheckTest {

  private static final double MARGIN = 0.25;

  /** A staging deployment that is fine: Cloud SQL, Redis, every secret set, pools that fit. */
  private static Map<String, String> healthy() {
    Map<String, String> env = new HashMap<>();
    env.put("POSTGRES_HOST", "10.20.0.5");
    env.put("POSTGRES_DB", "netra");
    env.put("POSTGRES_USER", "netra");
    env.put("POSTGRES_PASSWORD", "pg-secret-Zq81xL");
    env.put("REDIS_URL", "redis://10.0.0.3:6379");
    env.put("JWT_SECRET_KEY", "jwt-secret-0123456789abcdefghijklmnopqrstuv");
    env.put("LLM_MODEL", "offline");
    env.put("DB_POOL_SIZE", "5");
    env.put("MAX_INSTANCES", "4");
    env.put("DB_MAX_CONNECTIONS", "100");
    return env;
  }

  private static Map<String, String> with(Map<String, String> env, String... pairs) {
    Map<String, String> out = new HashMap<>(env);
    for (int i = 0; i < pairs.length; i += 2) {
      out.put(pairs[i], pairs[i + 1]);
    }
    return out;
  }

  private static CheckReport check(Map<String, String> env, RecordedStartup report, ResourceProfile resources, Integer maxConnections) {
    List<String> progress = new ArrayList<>();
    CheckReport result = new DeployCheck(new DeployCheck.Options(maxConnections, resources, null, MARGIN, null), progress::add)
        .run(DeployEnv.fromProcess(env, "staging"), report);
    assertThat(progress).as("nothing slow happens when max_connections is given").isEmpty();
    return result;
  }

  private static List<Finding> findings(CheckReport report, Area area, Verdict verdict) {
    return report.findings().stream().filter(f -> f.area() == area && f.verdict() == verdict).toList();
  }

  @Test
  void aHealthyStagingDeploymentPasses() {
    CheckReport result = check(healthy(), null, new ResourceProfile(1, MemorySize.gi(1)), null);
    assertThat(result.findings().stream().filter(f -> f.verdict() == Verdict.FAIL))
        .as("failures of a healthy deployment: %s", result.findings()).isEmpty();
    assertThat(result.verdict()).isNotEqualTo(Verdict.FAIL);
  }

  @Test
  void seedTimeoutPolicyWarnsWithTheBudgetThatWouldFit() {
    Map<String, String> seed = with(healthy(), "STARTUP_TIMEOUT_MULTIPLIER", "0.7", "STARTUP_SAFETY_MARGIN", "1.1",
        "STARTUP_TOTAL_BUDGET_S", "5", "STARTUP_TIMEOUT_DATABASE_S", "3", "STARTUP_TIMEOUT_REDIS_S", "1.5");
    CheckReport result = check(seed, null, null, null);
    assertThat(findings(result, Area.TIMEOUTS, Verdict.FAIL)).as("no need is known that a timeout is below").isEmpty();
    assertThat(findings(result, Area.TIMEOUTS, Verdict.WARN)).as("timeout warnings").anySatisfy(f -> {
      // database and migrations at 3 s x 0.77 each, and Redis at 1.5 s x 0.77: the waits the budget must hold.
      assertThat(f.message()).contains("a start whose dependencies are slow may take 5.8 s (database 2.3 s, migrations"
          + " 2.3 s, redis 1.2 s at their whole timeouts), but STARTUP_TOTAL_BUDGET_S gives it 5.0 s");
      assertThat(f.fix()).isEqualTo("set STARTUP_TOTAL_BUDGET_S=10");
    }).anySatisfy(f -> assertThat(f.message()).as("0.7 x 1.1 shrinks every timeout").contains("= 0.77"));
  }

  @Test
  void seedTimeoutsOnCloudSqlFailTheDatabaseStepAgainstWhatCloudSqlNeeds() {
    Map<String, String> seed = with(healthy(), "POSTGRES_HOST", "/cloudsql/p:europe-west1:db", "STARTUP_TIMEOUT_MULTIPLIER", "0.7",
        "STARTUP_SAFETY_MARGIN", "1.1", "STARTUP_TOTAL_BUDGET_S", "5", "STARTUP_TIMEOUT_DATABASE_S", "3",
        "STARTUP_TIMEOUT_REDIS_S", "1.5");
    CheckReport result = check(seed, null, null, null);
    assertThat(findings(result, Area.TIMEOUTS, Verdict.FAIL)).extracting(Finding::fix)
        .as("raise the database timeout over the 10 s a Cloud SQL connection declares, and the budget with it")
        .contains("set STARTUP_TIMEOUT_DATABASE_S=16.3")
        .anySatisfy(fix -> assertThat(fix).startsWith("set STARTUP_TOTAL_BUDGET_S=").contains("with the step timeouts fixed"));
  }

  @Test
  void aTimeoutForAComponentTheStartDoesNotHaveWarnsThatItChangesNothing() {
    CheckReport result = check(with(healthy(), "STARTUP_TIMEOUT_DB_S", "60", "STARTUP_TIMEOUT_DATABASE_S", "20"), null, null,
        null);
    assertThat(findings(result, Area.TIMEOUTS, Verdict.WARN)).as("the misspelt one only").singleElement().satisfies(f -> {
      assertThat(f.message()).startsWith("STARTUP_TIMEOUT_DB_S is set, but no step of this start has the component 'db',"
          + " so it changes nothing; the components are ").contains("database, ");
      assertThat(f.fix()).isEqualTo("remove it, or name the component meant");
    });
  }

  @Test
  void seedPoolAcrossTenInstancesFailsWithAPoolThatFits() {
    Map<String, String> seed = with(healthy(), "DB_POOL_SIZE", "20", "DB_POOL_MAX_OVERFLOW", "30", "MAX_INSTANCES", "10");
    CheckReport result = check(seed, null, null, 100);
    List<Finding> failed = findings(result, Area.POOL, Verdict.FAIL);
    assertThat(failed).hasSize(1);
    assertThat(failed.get(0).message()).contains("= 505 of max_connections 100");
    assertThat(failed.get(0).fix()).startsWith("set DB_POOL_SIZE=9 and DB_POOL_MAX_OVERFLOW=0 (9 per instance x MAX_INSTANCES 10)")
        .contains("MAX_INSTANCES=1 at 50 per instance");
  }

  @Test
  void aPoolThatFitsButCrowdsTheServerWarns() {
    CheckReport result = check(with(healthy(), "DB_POOL_SIZE", "22"), null, null, 100); // 88 + 3 + 2 = 93 of 100
    assertThat(findings(result, Area.POOL, Verdict.WARN)).hasSize(1);
    assertThat(findings(result, Area.POOL, Verdict.WARN).get(0).fix()).startsWith("set DB_POOL_SIZE=19 and DB_POOL_MAX_OVERFLOW=0 (19 per instance x MAX_INSTANCES 4)");
  }

  @Test
  void seedInstanceOfOneCpuAnd512MiBFailsAStartThatNeedsMore() {
    RecordedStartup recorded = Reports.start().step("settings", "settings", 300, 1).step("database", "database", 900, 1)
        .step("redis", "redis", 200, 1).resources(2, 2048, 470L).build(); // READY after 1.92 s on 2 CPUs
    CheckReport result = check(with(healthy(), "STARTUP_TOTAL_BUDGET_S", "4"), recorded, new ResourceProfile(1, MemorySize.mi(512)), null);
    List<Finding> failed = findings(result, Area.RESOURCES, Verdict.FAIL);
    assertThat(failed).extracting(Finding::fix).as("memory for the peak RSS, and the CPUs the start had")
        .contains("deploy with --memory 1Gi")
        .anySatisfy(fix -> assertThat(fix).startsWith("deploy with --cpu 2"));
    assertThat(failed).anySatisfy(f -> assertThat(f.message()).contains("peak RSS 470 MiB + 25% headroom = 588 MiB"));
    assertThat(failed).anySatisfy(f -> assertThat(f.message()).contains("may need up to 3.8 s"));
  }

  @Test
  void recordedStartsJudgeEachStepAgainstItsTimeout() {
    Map<String, String> seed = with(healthy(), "STARTUP_TIMEOUT_MULTIPLIER", "0.7", "STARTUP_SAFETY_MARGIN", "1.1",
        "STARTUP_TOTAL_BUDGET_S", "60", "STARTUP_TIMEOUT_DATABASE_S", "3", "STARTUP_TIMEOUT_REDIS_S", "1.5");
    RecordedStartup recorded = Reports.start().step("database", "database", 2100, 3).step("redis", "redis", 1300, 1)
        .step("migrations", "database", 100, 1).build();
    CheckReport result = check(seed, recorded, null, null);
    assertThat(findings(result, Area.STARTUP, Verdict.WARN)).as("2.1 s of the 2.3 s database timeout")
        .anySatisfy(f -> assertThat(f.message()).contains("step database needs 2.1 s (observed) of its 2.3 s timeout (91%)"));
    assertThat(findings(result, Area.STARTUP, Verdict.FAIL)).as("1.3 s observed over the 1.2 s redis timeout")
        .anySatisfy(f -> {
          assertThat(f.message()).contains("step redis").contains("1.3 s it needs (observed)");
          assertThat(f.fix()).isEqualTo("set STARTUP_TIMEOUT_REDIS_S=2.2");
        });
    assertThat(findings(result, Area.STARTUP, Verdict.PASS)).as("the whole start and the fine steps")
        .anySatisfy(f -> assertThat(f.message()).contains("READY 4.0 s after JVM start, within the 60.0 s total budget"));
  }

  @Test
  void aStartThatCrowdsTheBudgetWarnsAndOneOverItFails() {
    // Short waits, so that only the recorded start decides: database and migrations 1 s each, Redis 1 s.
    Map<String, String> quick = with(healthy(), "STARTUP_TIMEOUT_DATABASE_S", "1", "STARTUP_TIMEOUT_REDIS_S", "1");
    RecordedStartup recorded = Reports.start().step("price-catalog", "usage", 4000, 1).build(); // READY after 4.52 s
    assertThat(findings(check(with(quick, "STARTUP_TOTAL_BUDGET_S", "5"), recorded, null, null), Area.STARTUP, Verdict.WARN))
        .extracting(Finding::fix).as("4.52 s + 25 % = 5.65 s, in whole 5 s").contains("set STARTUP_TOTAL_BUDGET_S=10");
    assertThat(findings(check(with(quick, "STARTUP_TOTAL_BUDGET_S", "4"), recorded, null, null), Area.STARTUP, Verdict.FAIL))
        .anySatisfy(f -> assertThat(f.message()).contains("over the 4.0 s total budget"));
  }

  @Test
  void aRecordedFailedStartFails() {
    RecordedStartup recorded = Reports.start().step("settings", "settings", 100, 1)
        .failedAt("database", "database", "PostgreSQL at 10.20.0.5:5432 not reachable").build();
    CheckReport result = check(healthy(), recorded, null, null);
    assertThat(findings(result, Area.STARTUP, Verdict.FAIL))
        .anySatisfy(f -> assertThat(f.message()).contains("FAILED").contains("at step database").contains("not reachable"));
  }

  @Test
  void everySettingProblemFailsAtOnceAndNamesItsSetting() {
    CheckReport result = check(Map.of("LLM_MODEL", "offline"), null, null, null);
    List<Finding> failed = findings(result, Area.SETTINGS, Verdict.FAIL);
    assertThat(failed).as("database, REDIS_URL and JWT_SECRET_KEY missing in staging").hasSize(3);
    assertThat(failed).extracting(Finding::fix).anySatisfy(fix -> assertThat(fix).contains("REDIS_URL"))
        .anySatisfy(fix -> assertThat(fix).contains("JWT_SECRET_KEY"));
  }

  @Test
  void secretManagerReferencesStandInForSecretsWithoutAValue() {
    Map<String, String> env = with(healthy(), "JWT_SECRET_KEY", "sm://netra-jwt", "POSTGRES_PASSWORD", "sm://netra-pg:4");
    CheckReport result = check(env, null, null, null);
    assertThat(findings(result, Area.SETTINGS, Verdict.FAIL)).as("a reference is a set secret").isEmpty();
    assertThat(findings(result, Area.SETTINGS, Verdict.PASS)).singleElement().satisfies(f ->
        assertThat(f.message()).contains("JWT_SECRET_KEY from Secret Manager netra-jwt:latest")
            .contains("POSTGRES_PASSWORD from Secret Manager netra-pg:4"));
  }

  @Test
  void withoutAGivenLimitAndWithCredentialsInSecretManagerThePoolIsNotJudged() {
    Map<String, String> env = with(healthy(), "POSTGRES_PASSWORD", "sm://netra-pg");
    env.remove("DB_MAX_CONNECTIONS");
    CheckReport result = check(env, null, null, null);
    assertThat(findings(result, Area.POOL, Verdict.WARN)).singleElement()
        .satisfies(f -> assertThat(f.fix()).contains("--max-connections"));
  }
}

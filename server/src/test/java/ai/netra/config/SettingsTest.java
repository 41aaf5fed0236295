package ai.netra.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsTest {

  @Test
  void developmentNeedsNoSettingsAndUsesTheEmbeddedDefaults() {
    Settings s = Settings.read(Map.of());
    assertThat(s.problems()).as("problems with an empty environment").isEmpty();
    assertThat(s.environment()).isEqualTo(Environment.DEVELOPMENT);
    assertThat(s.embeddedDatabase()).as("embedded database by default").isTrue();
    assertThat(s.redisUrl()).as("no Redis by default").isNull();
    assertThat(s.llm().offline()).as("offline model by default").isTrue();
    assertThat(s.port()).isEqualTo(8080);
  }

  @Test
  void limitsHaveSafeDefaultsAndBadValuesAreNamedAllAtOnce() {
    assertThat(Settings.read(Map.of()).limits()).isEqualTo(LimitSettings.DEFAULT);
    assertThat(LimitSettings.DEFAULT).isEqualTo(new LimitSettings(8, 60, 10, 1, 2, 16_384, java.time.Duration.ofSeconds(10)));
    Settings set = Settings.read(Map.of("AGENT_TOOL_CALLS_PER_TURN", "3", "API_REQUESTS_BURST", "5", "API_REQUESTS_PER_S", "1",
        "USAGE_UPLOADS_PER_USER", "2", "USAGE_UPLOADS_AT_ONCE", "4", "USAGE_UPLOAD_MIN_BYTES_PER_S", "1000",
        "USAGE_UPLOAD_RATE_WINDOW_S", "2"));
    assertThat(set.problems()).isEmpty();
    assertThat(set.limits()).isEqualTo(new LimitSettings(3, 5, 1, 2, 4, 1000, java.time.Duration.ofSeconds(2)));
    Settings bad = Settings.read(Map.of("AGENT_TOOL_CALLS_PER_TURN", "0", "API_REQUESTS_PER_S", "fast",
        "USAGE_UPLOAD_RATE_WINDOW_S", "-1"));
    assertThat(bad.problems()).flatExtracting(Settings.Problem::settings)
        .containsExactlyInAnyOrder("AGENT_TOOL_CALLS_PER_TURN", "API_REQUESTS_PER_S", "USAGE_UPLOAD_RATE_WINDOW_S");
    assertThat(bad.limits()).as("each bad one falls back to its default").isEqualTo(LimitSettings.DEFAULT);
  }

  @Test
  void productionWithNothingSetNamesEveryMissingSettingAtOnce() {
    Settings s = Settings.read(Map.of("NETRA_ENV", "production"));
    List<String> named = s.problems().stream().flatMap(p -> p.settings().stream()).toList();
    assertThat(named).as("settings named by the problems").contains("DATABASE_URL", "POSTGRES_HOST", "REDIS_URL",
        "JWT_SECRET_KEY", "LLM_MODEL");
  }

  @Test
  void databaseUrlIsReadForTcpAndForCloudSqlSockets() {
    DatabaseSettings tcp = Settings.read(Map.of("DATABASE_URL", "postgres://app:p%40ss@db.example:6543/chat?sslmode=require"))
        .database();
    assertThat(tcp.host()).isEqualTo("db.example");
    assertThat(tcp.port()).isEqualTo(6543);
    assertThat(tcp.password()).as("percent-decoded password").isEqualTo("p@ss");
    assertThat(tcp.sslMode()).isEqualTo("require");
    assertThat(tcp.unixSocket()).isFalse();

    DatabaseSettings socket = Settings.read(Map.of("DATABASE_URL",
        "postgresql://app:pw@/chat?host=/cloudsql/proj:europe-west1:main")).database();
    assertThat(socket.host()).isEqualTo("/cloudsql/proj:europe-west1:main");
    assertThat(socket.unixSocket()).as("a /cloudsql/ host is a unix socket folder").isTrue();

    DatabaseSettings jdbc = Settings.read(Map.of("DATABASE_URL", "jdbc:postgresql://u:pw@h/db")).database();
    assertThat(jdbc.database()).isEqualTo("db");
  }

  @Test
  void badDatabaseUrlIsReportedWithoutItsValue() {
    Settings s = Settings.read(Map.of("DATABASE_URL", "mysql://root:hunter22@x/db"));
    assertThat(s.problems()).singleElement().satisfies(p -> {
      assertThat(p.settings()).containsExactly("DATABASE_URL");
      assertThat(p.message()).as("a URL can hold a password: never echo it").doesNotContain("hunter22");
    });
  }

  @Test
  void postgresHostNeedsItsCompanionsOutsideDevelopment() {
    Settings s = Settings.read(Map.of("NETRA_ENV", "staging", "POSTGRES_HOST", "10.0.0.5", "REDIS_URL", "redis://r:6379",
        "JWT_SECRET_KEY", "x".repeat(32), "LLM_MODEL", "offline"));
    assertThat(s.problems()).singleElement().satisfies(p ->
        assertThat(p.settings()).containsExactly("POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD"));
  }

  @Test
  void secretsAreShownOnlyAsSetOrMissing() {
    Settings s = Settings.read(Map.of("JWT_SECRET_KEY", "k".repeat(40), "POSTGRES_PASSWORD", "hunter22", "PORT", "9000",
        "REDIS_URL", "redis://:pw@r:6379"));
    assertThat(s.display("JWT_SECRET_KEY")).isEqualTo("SET (40 chars)");
    assertThat(s.display("POSTGRES_PASSWORD")).isEqualTo("SET (8 chars)");
    assertThat(s.display("REDIS_URL")).as("a URL with a password is a secret").startsWith("SET (");
    assertThat(s.display("LLM_API_KEY")).isEqualTo("MISSING");
    assertThat(s.display("PORT")).isEqualTo("9000");
    assertThat(s.displayAll().values()).as("no secret value anywhere in the diagnostics")
        .noneMatch(v -> v.contains("hunter22") || v.contains("kkkk"));
    assertThat(s.secretValues()).contains("hunter22");
  }

  @Test
  void invalidValuesAreReportedWithTheSettingAndTheAllowedRange() {
    Settings s = Settings.read(Map.of("PORT", "80808", "STARTUP_TIMEOUT_MULTIPLIER", "zero", "STARTUP_ALLOW_DEGRADED", "settings",
        "BYPASS_STARTUP_VALIDATION", "yes", "JWT_SECRET_KEY", "short", "NETRA_LOG_FORMAT", "xml",
        "STARTUP_TIMEOUT_DATABASE_S", "-1"));
    assertThat(s.problems()).extracting(Settings.Problem::message).anySatisfy(m -> assertThat(m).contains("PORT='80808'", "1 to 65535"))
        .anySatisfy(m -> assertThat(m).contains("STARTUP_TIMEOUT_MULTIPLIER='zero'"))
        .anySatisfy(m -> assertThat(m).contains("STARTUP_ALLOW_DEGRADED names 'settings'", "database, llm, redis"))
        .anySatisfy(m -> assertThat(m).contains("BYPASS_STARTUP_VALIDATION must be true or false"))
        .anySatisfy(m -> assertThat(m).contains("JWT_SECRET_KEY is too short").doesNotContain("short'"))
        .anySatisfy(m -> assertThat(m).contains("NETRA_LOG_FORMAT='xml'"))
        .anySatisfy(m -> assertThat(m).contains("STARTUP_TIMEOUT_DATABASE_S='-1'"));
  }

  @Test
  void perComponentTimeoutsAndAllowancesAreRead() {
    Settings s = Settings.read(Map.of("STARTUP_TIMEOUT_DATABASE_S", "12.5", "STARTUP_TIMEOUT_REDIS_S", "2",
        "STARTUP_ALLOW_DEGRADED", "redis, llm", "STARTUP_TOTAL_BUDGET_S", "90"));
    assertThat(s.problems()).isEmpty();
    assertThat(s.startup().baseTimeouts()).containsEntry("database", java.time.Duration.ofMillis(12_500))
        .containsEntry("redis", java.time.Duration.ofSeconds(2));
    assertThat(s.startup().allowDegraded()).containsExactlyInAnyOrder("redis", "llm");
    assertThat(s.startup().totalBudget()).isEqualTo(java.time.Duration.ofSeconds(90));
  }

  @Test
  void cloudRunCapsTheBudgetAndLogsJson() {
    Settings s = Settings.read(Map.of("K_SERVICE", "netra", "K_REVISION", "netra-00042", "STARTUP_TOTAL_BUDGET_S", "900"));
    assertThat(s.platform().kind()).isEqualTo(Platform.Kind.CLOUD_RUN);
    assertThat(s.logFormat()).isEqualTo(Settings.LogFormat.JSON);
    assertThat(s.problems()).extracting(Settings.Problem::message)
        .anySatisfy(m -> assertThat(m).contains("STARTUP_TOTAL_BUDGET_S='900'", "1 to 480"));
  }

  private static List<String> named(Settings s) {
    return s.problems().stream().flatMap(p -> p.settings().stream()).toList();
  }

  /** Issue 16: an identity provider's keys need its issuer and audience; over http only on this machine or in development. */
  @Test
  void identityProviderSettingsComeTogetherAndFetchKeysOverHttps() {
    Map<String, String> prod = Map.of("NETRA_ENV", "production", "DATABASE_URL", "postgres://u:p@db:5432/netra",
        "REDIS_URL", "redis://r:6379", "LLM_MODEL", "offline");
    java.util.function.Function<Map<String, String>, Settings> with = extra -> {
      Map<String, String> env = new java.util.HashMap<>(prod);
      env.putAll(extra);
      return Settings.read(env);
    };
    Settings jwksOnly = with.apply(Map.of("AUTH_JWKS_URL", "https://idp.example/keys", "AUTH_ISSUER", "https://idp.example/",
        "AUTH_AUDIENCE", "api-a, api-b"));
    assertThat(jwksOnly.problems()).as("production with an identity provider and no JWT_SECRET_KEY").isEmpty();
    assertThat(jwksOnly.auth().audiences()).containsExactlyInAnyOrder("api-a", "api-b");
    assertThat(jwksOnly.auth().maxTokenLifetime()).isEqualTo(java.time.Duration.ofHours(24));
    assertThat(named(with.apply(Map.of()))).as("neither JWT_SECRET_KEY nor AUTH_JWKS_URL").contains("JWT_SECRET_KEY");
    assertThat(named(with.apply(Map.of("AUTH_JWKS_URL", "https://idp.example/keys"))))
        .as("a JWKS URL without issuer and audience").contains("AUTH_ISSUER", "AUTH_AUDIENCE");
    assertThat(named(with.apply(Map.of("AUTH_ISSUER", "https://idp.example/")))).as("an issuer without keys")
        .contains("AUTH_JWKS_URL");
    assertThat(named(with.apply(Map.of("AUTH_JWKS_URL", "http://idp.example/keys", "AUTH_ISSUER", "i", "AUTH_AUDIENCE", "a"))))
        .as("plain http in production").containsExactly("AUTH_JWKS_URL");
    assertThat(with.apply(Map.of("AUTH_JWKS_URL", "http://127.0.0.1:9000/keys", "AUTH_ISSUER", "i", "AUTH_AUDIENCE", "a"))
        .problems()).as("plain http to this machine").isEmpty();
    assertThat(Settings.read(Map.of("AUTH_JWKS_URL", "http://keycloak:8080/certs", "AUTH_ISSUER", "i", "AUTH_AUDIENCE", "a"))
        .problems()).as("plain http in development").isEmpty();
    assertThat(named(with.apply(Map.of("AUTH_MAX_TOKEN_LIFETIME_S", "0")))).contains("AUTH_MAX_TOKEN_LIFETIME_S");
    Settings shown = with.apply(Map.of("AUTH_JWKS_URL", "https://idp.example/keys?key=s3cr3t", "AUTH_ISSUER", "i",
        "AUTH_AUDIENCE", "a"));
    assertThat(shown.display("AUTH_JWKS_URL")).as("the URL may carry a key: its origin only")
        .isEqualTo("https://idp.example (path and query not shown)");
    assertThat(shown.auth().jwksOrigin()).isEqualTo("https://idp.example");
  }

  /** Issue 16: on Cloud Run the service fell back to development: a generated key, a printed token, an embedded database. */
  @Test
  void onAPlatformWithoutNetraEnvTheSettingsNameNetraEnv() {
    for (Map<String, String> env : List.of(Map.of("K_SERVICE", "netra"), Map.of("KUBERNETES_SERVICE_HOST", "10.0.0.1"))) {
      Settings s = Settings.read(env);
      assertThat(s.problems()).as("problems on %s", env).anySatisfy(p -> {
        assertThat(p.settings()).containsExactly("NETRA_ENV");
        assertThat(p.message()).contains("NETRA_ENV is required on", "does not fall back to development");
      });
    }
    assertThat(Settings.read(Map.of("K_SERVICE", "netra", "NETRA_ENV", "development")).problems())
        .as("development chosen on purpose on a platform").isEmpty();
  }

  @Test
  void theServiceListensOnLoopbackInDevelopmentAndEverywhereOnAPlatformOrOutsideDevelopment() {
    assertThat(Settings.read(Map.of()).host()).isEqualTo("127.0.0.1");
    assertThat(Settings.read(Map.of("NETRA_ENV", "development")).host()).isEqualTo("127.0.0.1");
    assertThat(Settings.read(Map.of("K_SERVICE", "netra", "NETRA_ENV", "development")).host()).isEqualTo("0.0.0.0");
    assertThat(Settings.read(Map.of("KUBERNETES_SERVICE_HOST", "10.0.0.1", "NETRA_ENV", "development")).host())
        .isEqualTo("0.0.0.0");
    assertThat(Settings.read(Map.of("NETRA_ENV", "staging")).host()).isEqualTo("0.0.0.0");
    assertThat(Settings.read(Map.of("NETRA_ENV", "production")).host()).isEqualTo("0.0.0.0");
    assertThat(Settings.read(Map.of("HOST", "0.0.0.0")).host()).as("HOST set in development").isEqualTo("0.0.0.0");
    assertThat(Settings.read(Map.of("HOST", "::1", "NETRA_ENV", "production")).host()).isEqualTo("::1");
  }

  @Test
  void aHostThatIsNoAddressIsAProblemNamingHost() {
    Settings s = Settings.read(Map.of("HOST", "0.0.0.0; rm -rf /"));
    assertThat(s.problems()).singleElement().satisfies(p -> assertThat(p.settings()).containsExactly("HOST"));
    assertThat(s.host()).as("the default meanwhile").isEqualTo("127.0.0.1");
  }

  @Test
  void aVariableOneSlipAwayFromASettingIsNamedWithTheSettingMeant() {
    Map<String, String> env = new java.util.HashMap<>(Map.of("REDIS_URI", "redis://10.0.0.3", "DB_POOLSIZE", "9",
        "STARTUP_TOTAL_BUDGET", "120", "llm_model", "offline"));
    // what platforms and shells set, which must not read as slips
    env.putAll(Map.of("HOSTNAME", "netra-7f9c", "KUBERNETES_SERVICE_PORT", "443", "KUBERNETES_SERVICE_HOST", "10.0.0.1",
        "K_CONFIGURATION", "netra", "REDIS_PORT_6379_TCP_ADDR", "10.0.0.3", "JAVA_HOME", "/opt/java", "PATH", "/usr/bin",
        "STARTUP_TIMEOUT_FOO_S", "5", "NETRA_ENV", "staging"));
    assertThat(Settings.read(env).nearMisses()).containsExactly(
        "DB_POOLSIZE is set, but netra reads no such setting: did you mean DB_POOL_SIZE?",
        "REDIS_URI is set, but netra reads no such setting: did you mean REDIS_URL?",
        "STARTUP_TOTAL_BUDGET is set, but netra reads no such setting: did you mean STARTUP_TOTAL_BUDGET_S?",
        "llm_model is set, but netra reads no such setting: did you mean LLM_MODEL?");
  }
}

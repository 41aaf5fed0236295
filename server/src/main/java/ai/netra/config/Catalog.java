package ai.netra.config;

import static ai.netra.config.SettingNames.AGENT_TOOL_CALLS_PER_TURN;
import static ai.netra.config.SettingNames.ALLOWED_ORIGINS;
import static ai.netra.config.SettingNames.API_REQUESTS_BURST;
import static ai.netra.config.SettingNames.API_REQUESTS_PER_S;
import static ai.netra.config.SettingNames.AUTH_AUDIENCE;
import static ai.netra.config.SettingNames.AUTH_ISSUER;
import static ai.netra.config.SettingNames.AUTH_JWKS_URL;
import static ai.netra.config.SettingNames.AUTH_MAX_TOKEN_LIFETIME_S;
import static ai.netra.config.SettingNames.BYPASS_STARTUP_VALIDATION;
import static ai.netra.config.SettingNames.DATABASE_URL;
import static ai.netra.config.SettingNames.DB_MAX_CONNECTIONS;
import static ai.netra.config.SettingNames.DB_POOL_MAX_OVERFLOW;
import static ai.netra.config.SettingNames.DB_POOL_SIZE;
import static ai.netra.config.SettingNames.JWT_SECRET_KEY;
import static ai.netra.config.SettingNames.KUBERNETES_SERVICE_HOST;
import static ai.netra.config.SettingNames.K_REVISION;
import static ai.netra.config.SettingNames.K_SERVICE;
import static ai.netra.config.SettingNames.LLM_API_KEY;
import static ai.netra.config.SettingNames.LLM_BASE_URL;
import static ai.netra.config.SettingNames.LLM_FALLBACK;
import static ai.netra.config.SettingNames.LLM_MODEL;
import static ai.netra.config.SettingNames.MAX_INSTANCES;
import static ai.netra.config.SettingNames.NETRA_DATA_DIR;
import static ai.netra.config.SettingNames.NETRA_ENV;
import static ai.netra.config.SettingNames.NETRA_LOG_FORMAT;
import static ai.netra.config.SettingNames.HOST;
import static ai.netra.config.SettingNames.PORT;
import static ai.netra.config.SettingNames.POSTGRES_DB;
import static ai.netra.config.SettingNames.POSTGRES_HOST;
import static ai.netra.config.SettingNames.POSTGRES_PASSWORD;
import static ai.netra.config.SettingNames.POSTGRES_PORT;
import static ai.netra.config.SettingNames.POSTGRES_SSLMODE;
import static ai.netra.config.SettingNames.POSTGRES_USER;
import static ai.netra.config.SettingNames.CHAT_RUNS_PER_USER;
import static ai.netra.config.SettingNames.CHAT_SOCKETS_PER_USER;
import static ai.netra.config.SettingNames.OTLP_FEATURE_ATTRIBUTE;
import static ai.netra.config.SettingNames.OTLP_PROMPT_HASH_ATTRIBUTE;
import static ai.netra.config.SettingNames.PRICE_CATALOG_FILE;
import static ai.netra.config.SettingNames.REDIS_KEY_PREFIX;
import static ai.netra.config.SettingNames.REDIS_URL;
import static ai.netra.config.SettingNames.STARTUP_ALLOW_DEGRADED;
import static ai.netra.config.SettingNames.STARTUP_SAFETY_MARGIN;
import static ai.netra.config.SettingNames.STARTUP_TIMEOUT_MULTIPLIER;
import static ai.netra.config.SettingNames.STARTUP_TOTAL_BUDGET_S;
import static ai.netra.config.SettingNames.USAGE_UPLOADS_AT_ONCE;
import static ai.netra.config.SettingNames.USAGE_UPLOADS_PER_USER;
import static ai.netra.config.SettingNames.USAGE_UPLOAD_MIN_BYTES_PER_S;
import static ai.netra.config.SettingNames.USAGE_UPLOAD_RATE_WINDOW_S;

import java.util.List;
import java.util.Optional;

/** Every setting the service reads, in the order the diagnostics list them. */
final class Catalog {

  static final List<Setting> ALL = List.of(
      new Setting(NETRA_ENV, false, "development, staging or production"),
      new Setting(PORT, false, "HTTP port"),
      new Setting(HOST, false, "bind address: 127.0.0.1 in development, 0.0.0.0 on a platform or outside development"),
      new Setting(NETRA_DATA_DIR, false, "folder for the embedded database and development keys"),
      new Setting(NETRA_LOG_FORMAT, false, "text or json"),
      new Setting(DATABASE_URL, true, "PostgreSQL URL (postgres://user:password@host:port/db)"),
      new Setting(POSTGRES_HOST, false, "PostgreSQL host, or a /cloudsql/... unix socket folder"),
      new Setting(POSTGRES_PORT, false, "PostgreSQL port"),
      new Setting(POSTGRES_DB, false, "PostgreSQL database"),
      new Setting(POSTGRES_USER, false, "PostgreSQL user"),
      new Setting(POSTGRES_PASSWORD, true, "PostgreSQL password"),
      new Setting(POSTGRES_SSLMODE, false, "PostgreSQL sslmode (disable, require, verify-full, ...)"),
      new Setting(DB_POOL_SIZE, false, "connections per instance"),
      new Setting(DB_POOL_MAX_OVERFLOW, false, "extra connections per instance under load"),
      new Setting(MAX_INSTANCES, false, "most instances that run at once"),
      new Setting(DB_MAX_CONNECTIONS, false, "the database server's max_connections"),
      new Setting(REDIS_URL, true, "redis:// or rediss:// URL"),
      new Setting(REDIS_KEY_PREFIX, false, "prefix of every Redis key and channel (default netra:)"),
      new Setting(JWT_SECRET_KEY, true, "HS256 secret for chat and API tokens"),
      // Not a secret (plan writes it plainly), but shown by its origin only: a URL may carry a key in its path or query.
      new Setting(AUTH_JWKS_URL, false, "the identity provider's JWKS (jwks_uri): its RS256/ES256 tokens are accepted"),
      new Setting(AUTH_ISSUER, false, "the iss the identity provider's tokens carry"),
      new Setting(AUTH_AUDIENCE, false, "comma list: a provider token's aud must name one"),
      new Setting(AUTH_MAX_TOKEN_LIFETIME_S, false, "longest lifetime of any token in seconds (86400)"),
      new Setting(LLM_BASE_URL, false, "OpenAI-compatible endpoint"),
      new Setting(LLM_API_KEY, true, "key for the LLM endpoint"),
      new Setting(LLM_MODEL, false, "model name, or offline"),
      new Setting(LLM_FALLBACK, false, "offline: the offline model answers when the LLM gives up; none (default)"),
      new Setting(ALLOWED_ORIGINS, false, "browser origins allowed to call the API and open the chat socket"),
      new Setting(PRICE_CATALOG_FILE, false, "model prices (CSV, or LiteLLM's JSON) that replace or add to the shipped catalog"),
      new Setting(OTLP_FEATURE_ATTRIBUTE, false, "span or resource attribute naming a GenAI span's feature (service.name)"),
      new Setting(OTLP_PROMPT_HASH_ATTRIBUTE, false, "span attribute holding a GenAI span's prompt hash (gen_ai.prompt.hash)"),
      new Setting(CHAT_RUNS_PER_USER, false, "answers one user may have in progress at once (2)"),
      new Setting(CHAT_SOCKETS_PER_USER, false, "chat sockets one user may hold open on one instance (20)"),
      new Setting(AGENT_TOOL_CALLS_PER_TURN, false, "tool calls of one model turn that are run; the rest are refused (8)"),
      new Setting(API_REQUESTS_BURST, false, "REST requests one user may make at once (60)"),
      new Setting(API_REQUESTS_PER_S, false, "REST requests one user may make per second after the burst (10)"),
      new Setting(USAGE_UPLOADS_PER_USER, false, "usage uploads one user may run at once on an instance (1)"),
      new Setting(USAGE_UPLOADS_AT_ONCE, false, "usage uploads an instance runs at once, all users together (2)"),
      new Setting(USAGE_UPLOAD_MIN_BYTES_PER_S, false, "slowest rate an upload may arrive at before it is cut off (16384)"),
      new Setting(USAGE_UPLOAD_RATE_WINDOW_S, false, "seconds over which an upload's rate is measured (10)"),
      new Setting(STARTUP_TOTAL_BUDGET_S, false, "total startup budget in seconds"),
      new Setting(STARTUP_TIMEOUT_MULTIPLIER, false, "environment multiplier over base timeouts"),
      new Setting(STARTUP_SAFETY_MARGIN, false, "safety margin over base timeouts"),
      new Setting(STARTUP_ALLOW_DEGRADED, false, "components allowed to start degraded"),
      new Setting(BYPASS_STARTUP_VALIDATION, false, "skip validation steps (never in production)"),
      new Setting(K_SERVICE, false, "Cloud Run service"),
      new Setting(K_REVISION, false, "Cloud Run revision"),
      new Setting(KUBERNETES_SERVICE_HOST, false, "set inside Kubernetes"));

  private Catalog() { }

  /** The setting called {@code name}; per-component timeouts are recognised by their prefix. */
  static Optional<Setting> find(String name) {
    if (name.startsWith(SettingNames.STARTUP_TIMEOUT_PREFIX) && name.endsWith("_S")) {
      return Optional.of(new Setting(name, false, "base timeout in seconds"));
    }
    return ALL.stream().filter(s -> s.name().equals(name)).findFirst();
  }
}

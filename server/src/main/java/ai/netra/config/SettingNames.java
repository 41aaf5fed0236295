package ai.netra.config;

import java.util.Locale;

/**
 * The name of every environment variable the service reads: an operator's contract, spelled once here and
 * used by the settings, the diagnostics, {@code netra check} and {@code netra plan}.
 */
public final class SettingNames {

  public static final String NETRA_ENV = "NETRA_ENV";
  public static final String PORT = "PORT";
  public static final String HOST = "HOST";
  public static final String NETRA_DATA_DIR = "NETRA_DATA_DIR";
  public static final String NETRA_LOG_FORMAT = "NETRA_LOG_FORMAT";
  public static final String DATABASE_URL = "DATABASE_URL";
  public static final String POSTGRES_HOST = "POSTGRES_HOST";
  public static final String POSTGRES_PORT = "POSTGRES_PORT";
  public static final String POSTGRES_DB = "POSTGRES_DB";
  public static final String POSTGRES_USER = "POSTGRES_USER";
  public static final String POSTGRES_PASSWORD = "POSTGRES_PASSWORD";
  public static final String POSTGRES_SSLMODE = "POSTGRES_SSLMODE";
  public static final String DB_POOL_SIZE = "DB_POOL_SIZE";
  public static final String DB_POOL_MAX_OVERFLOW = "DB_POOL_MAX_OVERFLOW";
  public static final String MAX_INSTANCES = "MAX_INSTANCES";
  public static final String DB_MAX_CONNECTIONS = "DB_MAX_CONNECTIONS";
  public static final String REDIS_URL = "REDIS_URL";
  public static final String REDIS_KEY_PREFIX = "REDIS_KEY_PREFIX";
  public static final String JWT_SECRET_KEY = "JWT_SECRET_KEY";
  public static final String AUTH_JWKS_URL = "AUTH_JWKS_URL";
  public static final String AUTH_ISSUER = "AUTH_ISSUER";
  public static final String AUTH_AUDIENCE = "AUTH_AUDIENCE";
  public static final String AUTH_MAX_TOKEN_LIFETIME_S = "AUTH_MAX_TOKEN_LIFETIME_S";
  public static final String LLM_BASE_URL = "LLM_BASE_URL";
  public static final String LLM_API_KEY = "LLM_API_KEY";
  public static final String LLM_MODEL = "LLM_MODEL";
  public static final String LLM_FALLBACK = "LLM_FALLBACK";
  public static final String ALLOWED_ORIGINS = "ALLOWED_ORIGINS";
  public static final String PRICE_CATALOG_FILE = "PRICE_CATALOG_FILE";
  public static final String OTLP_FEATURE_ATTRIBUTE = "OTLP_FEATURE_ATTRIBUTE";
  public static final String OTLP_PROMPT_HASH_ATTRIBUTE = "OTLP_PROMPT_HASH_ATTRIBUTE";
  public static final String CHAT_RUNS_PER_USER = "CHAT_RUNS_PER_USER";
  public static final String CHAT_SOCKETS_PER_USER = "CHAT_SOCKETS_PER_USER";
  public static final String AGENT_TOOL_CALLS_PER_TURN = "AGENT_TOOL_CALLS_PER_TURN";
  public static final String API_REQUESTS_BURST = "API_REQUESTS_BURST";
  public static final String API_REQUESTS_PER_S = "API_REQUESTS_PER_S";
  public static final String USAGE_UPLOADS_PER_USER = "USAGE_UPLOADS_PER_USER";
  public static final String USAGE_UPLOADS_AT_ONCE = "USAGE_UPLOADS_AT_ONCE";
  public static final String USAGE_UPLOAD_MIN_BYTES_PER_S = "USAGE_UPLOAD_MIN_BYTES_PER_S";
  public static final String USAGE_UPLOAD_RATE_WINDOW_S = "USAGE_UPLOAD_RATE_WINDOW_S";
  public static final String STARTUP_TOTAL_BUDGET_S = "STARTUP_TOTAL_BUDGET_S";
  public static final String STARTUP_TIMEOUT_MULTIPLIER = "STARTUP_TIMEOUT_MULTIPLIER";
  public static final String STARTUP_SAFETY_MARGIN = "STARTUP_SAFETY_MARGIN";
  public static final String STARTUP_ALLOW_DEGRADED = "STARTUP_ALLOW_DEGRADED";
  public static final String BYPASS_STARTUP_VALIDATION = "BYPASS_STARTUP_VALIDATION";
  public static final String K_SERVICE = "K_SERVICE";
  public static final String K_REVISION = "K_REVISION";
  public static final String KUBERNETES_SERVICE_HOST = "KUBERNETES_SERVICE_HOST";
  /** {@code STARTUP_TIMEOUT_<COMPONENT>_S}: a component's base timeout, see {@link #startupTimeout}. */
  public static final String STARTUP_TIMEOUT_PREFIX = "STARTUP_TIMEOUT_";

  private SettingNames() { }

  /** {@code STARTUP_TIMEOUT_<COMPONENT>_S} of {@code component}: {@code database} gives {@code STARTUP_TIMEOUT_DATABASE_S}. */
  public static String startupTimeout(String component) {
    return STARTUP_TIMEOUT_PREFIX + component.toUpperCase(Locale.ROOT) + "_S";
  }
}

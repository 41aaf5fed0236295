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
import static ai.netra.config.SettingNames.CHAT_RUNS_PER_USER;
import static ai.netra.config.SettingNames.CHAT_SOCKETS_PER_USER;
import static ai.netra.config.SettingNames.DATABASE_URL;
import static ai.netra.config.SettingNames.DB_MAX_CONNECTIONS;
import static ai.netra.config.SettingNames.DB_POOL_MAX_OVERFLOW;
import static ai.netra.config.SettingNames.DB_POOL_SIZE;
import static ai.netra.config.SettingNames.JWT_SECRET_KEY;
import static ai.netra.config.SettingNames.LLM_API_KEY;
import static ai.netra.config.SettingNames.LLM_BASE_URL;
import static ai.netra.config.SettingNames.LLM_FALLBACK;
import static ai.netra.config.SettingNames.LLM_MODEL;
import static ai.netra.config.SettingNames.MAX_INSTANCES;
import static ai.netra.config.SettingNames.NETRA_DATA_DIR;
import static ai.netra.config.SettingNames.HOST;
import static ai.netra.config.SettingNames.NETRA_ENV;
import static ai.netra.config.SettingNames.NETRA_LOG_FORMAT;
import static ai.netra.config.SettingNames.PORT;
import static ai.netra.config.SettingNames.POSTGRES_DB;
import static ai.netra.config.SettingNames.POSTGRES_HOST;
import static ai.netra.config.SettingNames.POSTGRES_PASSWORD;
import static ai.netra.config.SettingNames.POSTGRES_PORT;
import static ai.netra.config.SettingNames.POSTGRES_SSLMODE;
import static ai.netra.config.SettingNames.POSTGRES_USER;
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

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Everything the service reads from its environment, typed and checked once. Reading never throws:
 * every problem is collected in {@link #problems()} so the operator can fix all of them in one
 * deploy, and a setting with a problem falls back to its default so the rest can still be read.
 */
public record Settings(
    Environment environment,
    int port,
    Path dataDir,
    LogFormat logFormat,
    DatabaseSettings database,
    PoolSettings pool,
    String redisUrl,
    String redisKeyPrefix,
    String jwtSecret,
    LlmSettings llm,
    List<String> allowedOrigins,
    Path priceCatalogFile,
    StartupSettings startup,
    Platform platform,
    ChatSettings chat,
    LimitSettings limits,
    AuthSettings auth,
    IngestSettings ingest,
    List<Problem> problems,
    Map<String, String> env) {

  /** What {@code HOST} may be: an IPv4 or IPv6 literal or a host name, nothing else. */
  private static final java.util.regex.Pattern BIND_ADDRESS = java.util.regex.Pattern.compile("[A-Za-z0-9.:-]{1,253}");

  /** The variables Kubernetes sets for every service of a namespace: KUBERNETES_SERVICE_PORT is not a misspelt _HOST. */
  private static final java.util.regex.Pattern KUBERNETES_SERVICE_LINK = java.util.regex.Pattern.compile(
      "[A-Z0-9_]+_(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT(_[0-9]+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)?)");

  /** Components whose unavailability the environment may allow ({@code STARTUP_ALLOW_DEGRADED}). */
  public static final Set<String> DEGRADABLE = Set.of("database", "redis", "llm");
  /** Cloud Run gives a start at most 240 s of initial delay plus 240 s of probing. */
  static final int CLOUD_RUN_MAX_BUDGET_S = 480;
  static final int DEFAULT_BUDGET_S = 240;
  /** HS256 needs a key of at least 256 bits. */
  static final int MIN_JWT_SECRET_BYTES = 32;

  /** How log lines are written. */
  public enum LogFormat { TEXT, JSON }

  /** A setting that is missing or invalid; {@code settings} names every variable involved. */
  public record Problem(List<String> settings, String message) {
    public Problem {
      settings = List.copyOf(settings);
    }
  }

  /**
   * The messages of the problems that involve any of {@code names}: what a command that reads only those settings
   * must refuse to run with (a problem with Redis does not stop an import, say).
   */
  public List<String> problemsWith(Collection<String> names) {
    return problems.stream().filter(p -> p.settings().stream().anyMatch(names::contains)).map(Problem::message).toList();
  }

  public Settings {
    allowedOrigins = List.copyOf(allowedOrigins);
    problems = List.copyOf(problems);
    env = Map.copyOf(env);
  }

  /** Reads the settings from {@code env} (normally {@link #processEnvironment()}). */
  public static Settings read(Map<String, String> env) {
    return new Reader(env).read();
  }

  /** This process's environment: the one place the service reads it. */
  public static Map<String, String> processEnvironment() {
    return System.getenv();
  }

  /**
   * How log lines are written with {@code env}: {@code NETRA_LOG_FORMAT}, else JSON on Cloud Run; a value
   * that is neither text nor json is text here (and a problem of {@link #read}). For logging, which starts
   * before the settings are read.
   */
  public static LogFormat logFormat(Map<String, String> env) {
    String format = env.get(NETRA_LOG_FORMAT);
    if (format == null || format.isBlank()) {
      return Platform.detect(env).kind() == Platform.Kind.CLOUD_RUN ? LogFormat.JSON : LogFormat.TEXT;
    }
    return format.trim().toLowerCase(Locale.ROOT).equals("json") ? LogFormat.JSON : LogFormat.TEXT;
  }

  public boolean production() {
    return environment == Environment.PRODUCTION;
  }

  /**
   * The address the HTTP port is bound on ({@code HOST}): by default {@code 127.0.0.1} in development on a developer's
   * machine, so the development token and database are not offered to the network, and {@code 0.0.0.0} on a platform
   * or outside development, where the platform's proxy must reach it.
   */
  public String host() {
    String host = env.get(HOST);
    if (host != null && !host.isBlank() && BIND_ADDRESS.matcher(host.strip()).matches()) {
      return host.strip();
    }
    return environment == Environment.DEVELOPMENT && platform.kind() == Platform.Kind.LOCAL ? "127.0.0.1" : "0.0.0.0";
  }

  /** True when no database is configured and the embedded PostgreSQL is used (development only). */
  public boolean embeddedDatabase() {
    return database == null;
  }

  /**
   * How {@code name} is shown to operators: a secret only as {@code SET (n chars)} or {@code MISSING},
   * anything else as its value or {@code MISSING}.
   */
  public String display(String name) {
    Setting setting = Catalog.find(name).orElse(new Setting(name, looksSecret(name), ""));
    String value = env.get(name);
    if (value == null || value.isEmpty()) {
      return "MISSING";
    }
    if (name.equals(AUTH_JWKS_URL)) {
      return origin(value) + " (path and query not shown)";
    }
    return setting.secret() ? "SET (" + value.length() + " chars)" : value;
  }

  /** {@code scheme://host[:port]} of a URL, nothing of its user info, path or query; {@code (not a URL)} otherwise. */
  private static String origin(String url) {
    try {
      URI uri = new URI(url.trim());
      if (uri.getScheme() == null || uri.getHost() == null) {
        return "(not a URL)";
      }
      return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
    } catch (java.net.URISyntaxException e) {
      return "(not a URL)";
    }
  }

  /** {@link #display} for each name, in order. */
  public Map<String, String> display(List<String> names) {
    Map<String, String> shown = new LinkedHashMap<>();
    names.forEach(n -> shown.put(n, display(n)));
    return shown;
  }

  /** Every known setting, and every {@code STARTUP_TIMEOUT_*_S} present, with {@link #display}. */
  public Map<String, String> displayAll() {
    List<String> names = new ArrayList<>(Catalog.ALL.stream().map(Setting::name).toList());
    new TreeMap<>(env).keySet().stream()
        .filter(n -> n.startsWith(SettingNames.STARTUP_TIMEOUT_PREFIX) && !names.contains(n))
        .forEach(names::add);
    return display(names);
  }

  /** The values of every secret that is set, so output can be checked or scrubbed for them. */
  public List<String> secretValues() {
    return env.entrySet().stream()
        .filter(e -> Catalog.find(e.getKey()).map(Setting::secret).orElse(looksSecret(e.getKey())))
        .map(Map.Entry::getValue)
        .filter(v -> v != null && v.length() >= 4)
        .toList();
  }

  /** True when {@code name} holds a secret (a known secret setting, or a name that looks like one): never show its value. */
  public static boolean isSecret(String name) {
    return Catalog.find(name).map(Setting::secret).orElse(looksSecret(name));
  }

  /** True when the service reads {@code name}: a listed setting or a per-component {@code STARTUP_TIMEOUT_<COMPONENT>_S}. */
  public static boolean isKnown(String name) {
    return Catalog.find(name).isPresent();
  }

  /**
   * A sentence for each variable of the environment that netra does not read but that is one slip away from a setting
   * it does ({@code REDIS_URI}, {@code DB_POOLSIZE}, {@code STARTUP_TOTAL_BUDGET}): such a setting is missing, or has
   * its default, while whoever set it believes otherwise. The start logs them and {@code netra check} shows them.
   */
  public List<String> nearMisses() {
    List<String> sentences = new ArrayList<>();
    for (String name : new TreeMap<>(env).keySet()) {
      if (isKnown(name) || KUBERNETES_SERVICE_LINK.matcher(name).matches()) {
        continue;
      }
      Catalog.ALL.stream().map(Setting::name).filter(known -> nearMiss(name, known)).findFirst()
          .ifPresent(known -> sentences.add(name + " is set, but netra reads no such setting: did you mean " + known + "?"));
    }
    return sentences;
  }

  /**
   * True when {@code name} is {@code known} with one or two characters changed, added or dropped, or with a word added
   * or dropped at its end ({@code STARTUP_TOTAL_BUDGET} for {@code STARTUP_TOTAL_BUDGET_S}).
   */
  static boolean nearMiss(String name, String known) {
    String n = name.toUpperCase(Locale.ROOT);
    if (n.length() < 5 || Math.abs(n.length() - known.length()) > 4) {
      return false;
    }
    return firstWord(n).equals(firstWord(known))
        && (n.startsWith(known) || known.startsWith(n) || edits(n, known) <= 2);
  }

  /** {@code name} up to its first underscore: {@code REDIS} of {@code REDIS_URL}. */
  private static String firstWord(String name) {
    int underscore = name.indexOf('_');
    return underscore < 0 ? name : name.substring(0, underscore);
  }

  /** Levenshtein's distance: the fewest characters changed, added or dropped that turn {@code a} into {@code b}. */
  private static int edits(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int change = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(change, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }

  private static boolean looksSecret(String name) {
    String n = name.toUpperCase(Locale.ROOT);
    return n.contains("SECRET") || n.contains("PASSWORD") || n.contains("TOKEN") || n.endsWith("_KEY");
  }

  @Override
  public String toString() {
    return "Settings[" + environment.label() + ", port " + port + ", " + problems.size() + " problems]";
  }

  /** Collects problems while reading; one instance per read. */
  private static final class Reader {
    private final Map<String, String> env;
    private final List<Problem> problems = new ArrayList<>();

    Reader(Map<String, String> env) {
      this.env = env;
    }

    Settings read() {
      Environment environment = Environment.DEVELOPMENT;
      String envName = get(NETRA_ENV);
      if (envName != null) {
        try {
          environment = Environment.parse(envName);
        } catch (IllegalArgumentException e) {
          problem("NETRA_ENV='" + envName + "' " + e.getMessage(), NETRA_ENV);
        }
      }
      boolean deployed = environment != Environment.DEVELOPMENT;
      Platform platform = Platform.detect(env);
      if (envName == null && platform.kind() != Platform.Kind.LOCAL) {
        // Development here would generate a key, print a token, allow localhost origins and start an embedded database.
        problem("NETRA_ENV is required on " + platform.describe() + ": set NETRA_ENV=production (or staging, or"
            + " development on purpose); the service does not fall back to development on a platform", NETRA_ENV);
      }
      int port = integer(PORT, 8080, 1, 65535);
      String host = get(HOST);
      if (host != null && !BIND_ADDRESS.matcher(host).matches()) {
        problem("HOST='" + host + "' must be an address to bind, such as 0.0.0.0, 127.0.0.1, :: or a host name", HOST);
      }
      Path dataDir = Path.of(getOr(NETRA_DATA_DIR, "data"));
      LogFormat logFormat = platform.kind() == Platform.Kind.CLOUD_RUN ? LogFormat.JSON : LogFormat.TEXT;
      String format = get(NETRA_LOG_FORMAT);
      if (format != null) {
        switch (format.toLowerCase(Locale.ROOT)) {
          case "text" -> logFormat = LogFormat.TEXT;
          case "json" -> logFormat = LogFormat.JSON;
          default -> problem("NETRA_LOG_FORMAT='" + format + "' must be text or json", NETRA_LOG_FORMAT);
        }
      }

      DatabaseSettings database = database(deployed);
      PoolSettings pool = new PoolSettings(
          integer(DB_POOL_SIZE, 5, 1, 1000),
          integer(DB_POOL_MAX_OVERFLOW, 0, 0, 1000),
          integer(MAX_INSTANCES, 1, 1, 10_000),
          integer(DB_MAX_CONNECTIONS, 0, 1, 1_000_000));

      String redisUrl = get(REDIS_URL);
      if (redisUrl != null) {
        try {
          URI uri = URI.create(redisUrl);
          if (!"redis".equals(uri.getScheme()) && !"rediss".equals(uri.getScheme()) || uri.getHost() == null) {
            problem("REDIS_URL must look like redis://host:6379 or rediss://host:6380 (scheme and host)", REDIS_URL);
            redisUrl = null;
          }
        } catch (IllegalArgumentException e) {
          problem("REDIS_URL is not a valid URL", REDIS_URL);
          redisUrl = null;
        }
      } else if (deployed) {
        problem("REDIS_URL is required in " + environment.label() + " (instances share events and rate limits through Redis)",
            REDIS_URL);
      }

      String redisKeyPrefix = getOr(REDIS_KEY_PREFIX, "netra:");

      AuthSettings auth = auth(environment);
      String jwtSecret = get(JWT_SECRET_KEY);
      if (jwtSecret != null && jwtSecret.getBytes(StandardCharsets.UTF_8).length < MIN_JWT_SECRET_BYTES) {
        problem("JWT_SECRET_KEY is too short for HS256: it needs at least " + MIN_JWT_SECRET_BYTES + " bytes", JWT_SECRET_KEY);
        jwtSecret = null;
      } else if (jwtSecret == null && deployed && get(AUTH_JWKS_URL) == null) {
        problem("JWT_SECRET_KEY is required in " + environment.label() + " unless AUTH_JWKS_URL names an identity"
            + " provider's keys", JWT_SECRET_KEY, AUTH_JWKS_URL);
      }

      LlmSettings llm = llm(deployed, environment);
      List<String> origins = origins();
      Path priceCatalogFile = priceCatalogFile();
      StartupSettings startup = startup(environment, platform);
      ChatSettings chat = new ChatSettings(integer(CHAT_RUNS_PER_USER, 2, 1, 100),
          integer(CHAT_SOCKETS_PER_USER, 20, 1, 10_000));
      return new Settings(environment, port, dataDir, logFormat, database, pool, redisUrl, redisKeyPrefix, jwtSecret, llm,
          origins, priceCatalogFile, startup, platform, chat, limits(), auth,
          new IngestSettings(getOr(OTLP_FEATURE_ATTRIBUTE, IngestSettings.DEFAULT.featureAttribute()),
              getOr(OTLP_PROMPT_HASH_ATTRIBUTE, IngestSettings.DEFAULT.promptHashAttribute())),
          problems, env);
    }

    private LimitSettings limits() {
      LimitSettings d = LimitSettings.DEFAULT;
      return new LimitSettings(
          integer(AGENT_TOOL_CALLS_PER_TURN, d.toolCallsPerTurn(), 1, 100),
          integer(API_REQUESTS_BURST, d.apiBurst(), 1, 100_000),
          integer(API_REQUESTS_PER_S, d.apiPerSecond(), 1, 100_000),
          integer(USAGE_UPLOADS_PER_USER, d.uploadsPerUser(), 1, 100),
          integer(USAGE_UPLOADS_AT_ONCE, d.uploadsAtOnce(), 1, 100),
          integer(USAGE_UPLOAD_MIN_BYTES_PER_S, d.uploadMinBytesPerSecond(), 1, 1 << 30),
          Duration.ofSeconds(integer(USAGE_UPLOAD_RATE_WINDOW_S, (int) d.uploadRateWindow().toSeconds(), 1, 3600)));
    }

    /**
     * The identity provider: AUTH_JWKS_URL with AUTH_ISSUER and AUTH_AUDIENCE, all three or none. Keys fetched
     * over plain http could be swapped on the way, so outside development the URL must be https (a loopback
     * host excepted).
     */
    private AuthSettings auth(Environment environment) {
      Duration maxLifetime = Duration.ofSeconds(integer(AUTH_MAX_TOKEN_LIFETIME_S,
          (int) AuthSettings.DEFAULT_MAX_TOKEN_LIFETIME.toSeconds(), 60, 365 * 86_400));
      String url = get(AUTH_JWKS_URL);
      String issuer = get(AUTH_ISSUER);
      String audience = get(AUTH_AUDIENCE);
      Set<String> audiences = new LinkedHashSet<>();
      if (audience != null) {
        for (String a : audience.split(",")) {
          if (!a.isBlank()) {
            audiences.add(a.trim());
          }
        }
      }
      if (url == null) {
        if (issuer != null || audience != null) {
          problem((issuer != null ? AUTH_ISSUER : AUTH_AUDIENCE) + " is set but AUTH_JWKS_URL is not: set the identity"
              + " provider's JWKS URL too, or remove it", AUTH_JWKS_URL);
        }
        return new AuthSettings(null, null, Set.of(), maxLifetime);
      }
      URI jwks = null;
      try {
        URI uri = new URI(url);
        boolean https = "https".equalsIgnoreCase(uri.getScheme());
        boolean http = "http".equalsIgnoreCase(uri.getScheme());
        if (!https && !http || uri.getHost() == null) {
          problem("AUTH_JWKS_URL must be an https:// URL, the provider's jwks_uri (for example"
              + " https://YOUR_TENANT.auth0.com/.well-known/jwks.json)", AUTH_JWKS_URL);
        } else if (http && environment != Environment.DEVELOPMENT && !loopback(uri.getHost())) {
          problem("AUTH_JWKS_URL must use https in " + environment.label() + ": keys fetched over plain http could be"
              + " replaced on the way, and with them anyone could sign in as anyone", AUTH_JWKS_URL);
        } else {
          jwks = uri;
        }
      } catch (java.net.URISyntaxException e) {
        problem("AUTH_JWKS_URL is not a valid URL", AUTH_JWKS_URL);
      }
      List<String> missing = new ArrayList<>();
      if (issuer == null) {
        missing.add(AUTH_ISSUER);
      }
      if (audiences.isEmpty()) {
        missing.add(AUTH_AUDIENCE);
      }
      if (!missing.isEmpty()) {
        problem("AUTH_JWKS_URL is set but " + String.join(" and ", missing) + (missing.size() == 1 ? " is" : " are")
            + " missing: without them a token the provider issued for another application would be accepted",
            missing.toArray(String[]::new));
      }
      return new AuthSettings(jwks, issuer, audiences, maxLifetime);
    }

    private static boolean loopback(String host) {
      return host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]") || host.equals("::1");
    }

    private DatabaseSettings database(boolean deployed) {
      String url = get(DATABASE_URL);
      String host = get(POSTGRES_HOST);
      if (url != null) {
        return fromUrl(url);
      }
      if (host == null) {
        if (deployed) {
          problem("a database is required outside development: set DATABASE_URL, or POSTGRES_HOST with POSTGRES_DB,"
              + " POSTGRES_USER and POSTGRES_PASSWORD", DATABASE_URL, POSTGRES_HOST);
        }
        return null;
      }
      String db = get(POSTGRES_DB);
      String user = get(POSTGRES_USER);
      String password = getOr(POSTGRES_PASSWORD, "");
      List<String> missing = new ArrayList<>();
      if (db == null) {
        missing.add(POSTGRES_DB);
      }
      if (user == null) {
        missing.add(POSTGRES_USER);
      }
      if (deployed && password.isEmpty()) {
        missing.add(POSTGRES_PASSWORD);
      }
      if (!missing.isEmpty()) {
        problem("POSTGRES_HOST is set but " + String.join(", ", missing) + (missing.size() == 1 ? " is" : " are") + " missing",
            missing.toArray(String[]::new));
      }
      int port = integer(POSTGRES_PORT, 5432, 1, 65535);
      return new DatabaseSettings(host, port, db == null ? "netra" : db, user == null ? "netra" : user, password,
          host.startsWith("/"), get(POSTGRES_SSLMODE), "POSTGRES_*");
    }

    /** {@code postgres://USER:PASSWORD@HOST:PORT/DB?k=v}; the host may be empty with {@code ?host=/socket/folder}. */
    private static final java.util.regex.Pattern POSTGRES_URL = java.util.regex.Pattern.compile(
        "postgres(?:ql)?://(?:([^:@/]*)(?::([^@/]*))?@)?([^/:?]*)(?::(\\d{1,5}))?/([^?]+)(?:\\?(.*))?");

    private DatabaseSettings fromUrl(String url) {
      String plain = url.startsWith("jdbc:") ? url.substring(5) : url;
      java.util.regex.Matcher m = POSTGRES_URL.matcher(plain);
      Map<String, String> query = m.matches() ? query(m.group(6)) : Map.of();
      String host = m.matches() ? query.getOrDefault("host", decode(m.group(3))) : "";
      String user = m.matches() ? query.getOrDefault("user", m.group(1) == null ? "" : decode(m.group(1))) : "";
      if (!m.matches() || host.isEmpty() || user.isEmpty()) {
        problem("DATABASE_URL must look like postgres://USER:PASSWORD@HOST:5432/DB"
            + " (or postgres://USER:PASSWORD@/DB?host=/cloudsql/PROJECT:REGION:INSTANCE)", DATABASE_URL);
        return null;
      }
      String password = query.getOrDefault("password", m.group(2) == null ? "" : decode(m.group(2)));
      int port = m.group(4) == null ? 5432 : Integer.parseInt(m.group(4));
      return new DatabaseSettings(host, port, decode(m.group(5)), user, password, host.startsWith("/"), query.get("sslmode"),
          DATABASE_URL);
    }

    private LlmSettings llm(boolean deployed, Environment environment) {
      String model = get(LLM_MODEL);
      String baseUrl = get(LLM_BASE_URL);
      String apiKey = get(LLM_API_KEY);
      if (model == null && baseUrl == null) {
        if (deployed) {
          problem("LLM_MODEL is required in " + environment.label() + ": a model name with LLM_BASE_URL and LLM_API_KEY,"
              + " or 'offline' for the offline model", LLM_MODEL);
        }
        return new LlmSettings(null, null, LlmSettings.OFFLINE);
      }
      if (LlmSettings.OFFLINE.equals(model)) {
        return new LlmSettings(null, null, LlmSettings.OFFLINE);
      }
      List<String> missing = new ArrayList<>();
      if (model == null) {
        missing.add(LLM_MODEL);
      }
      if (baseUrl == null) {
        missing.add(LLM_BASE_URL);
      } else if (!baseUrl.startsWith("http://") && !baseUrl.startsWith("https://")) {
        problem("LLM_BASE_URL must start with http:// or https://", LLM_BASE_URL);
      }
      if (apiKey == null && deployed) {
        missing.add(LLM_API_KEY);
      }
      if (!missing.isEmpty()) {
        problem("an LLM endpoint needs LLM_MODEL, LLM_BASE_URL and LLM_API_KEY; missing: " + String.join(", ", missing),
            missing.toArray(String[]::new));
      }
      String fallback = get(LLM_FALLBACK);
      boolean offlineFallback = LlmSettings.OFFLINE.equals(fallback);
      if (fallback != null && !offlineFallback && !fallback.equals("none")) {
        problem("LLM_FALLBACK='" + fallback + "' must be offline or none", LLM_FALLBACK);
      }
      return new LlmSettings(baseUrl, apiKey, model == null ? "" : model, offlineFallback);
    }

    private List<String> origins() {
      String value = get(ALLOWED_ORIGINS);
      if (value == null) {
        return List.of();
      }
      List<String> origins = new ArrayList<>();
      for (String origin : value.split(",")) {
        String o = origin.trim();
        if (o.isEmpty()) {
          continue;
        }
        if (!o.matches("https?://[^/\\s]+")) {
          problem("ALLOWED_ORIGINS entry '" + o + "' must be an origin like https://app.example.com (scheme and host, no path)",
              ALLOWED_ORIGINS);
          continue;
        }
        origins.add(o);
      }
      return origins;
    }

    /** An operator's price catalog: checked here to be a readable file; its content is checked when it is loaded. */
    private Path priceCatalogFile() {
      String value = get(PRICE_CATALOG_FILE);
      if (value == null) {
        return null;
      }
      Path file;
      try {
        file = Path.of(value);
      } catch (java.nio.file.InvalidPathException e) {
        problem("PRICE_CATALOG_FILE is not a valid path: " + e.getReason(), PRICE_CATALOG_FILE);
        return null;
      }
      if (!java.nio.file.Files.isRegularFile(file) || !java.nio.file.Files.isReadable(file)) {
        problem("PRICE_CATALOG_FILE=" + value + " is not a readable file (a CSV with the header"
            + " provider,model,input_usd_per_mtok,output_usd_per_mtok,effective_from)", PRICE_CATALOG_FILE);
        return null;
      }
      return file;
    }

    private StartupSettings startup(Environment environment, Platform platform) {
      int maxBudget = platform.kind() == Platform.Kind.CLOUD_RUN ? CLOUD_RUN_MAX_BUDGET_S : 3600;
      double budgetS = decimal(STARTUP_TOTAL_BUDGET_S, DEFAULT_BUDGET_S, 1, maxBudget);
      double multiplier = decimal(STARTUP_TIMEOUT_MULTIPLIER, 1.0, 0.1, 20);
      double margin = decimal(STARTUP_SAFETY_MARGIN, 1.0, 1.0, 5);
      Map<String, Duration> base = new TreeMap<>();
      for (String name : new TreeMap<>(env).keySet()) {
        if (name.startsWith(SettingNames.STARTUP_TIMEOUT_PREFIX) && name.endsWith("_S")
            && !name.equals(STARTUP_TIMEOUT_MULTIPLIER)) {
          String component = name.substring(SettingNames.STARTUP_TIMEOUT_PREFIX.length(), name.length() - 2).toLowerCase(Locale.ROOT);
          if (component.isEmpty()) {
            continue;
          }
          double seconds = decimal(name, 0, 0.01, 3600);
          if (seconds > 0) {
            base.put(component, Duration.ofMillis(Math.round(seconds * 1000)));
          }
        }
      }
      Set<String> degraded = new LinkedHashSet<>();
      String allow = get(STARTUP_ALLOW_DEGRADED);
      if (allow != null) {
        for (String c : allow.split(",")) {
          String component = c.trim().toLowerCase(Locale.ROOT);
          if (component.isEmpty()) {
            continue;
          }
          if (!DEGRADABLE.contains(component)) {
            problem("STARTUP_ALLOW_DEGRADED names '" + component + "', which cannot run degraded; allowed: "
                + String.join(", ", DEGRADABLE.stream().sorted().toList()), STARTUP_ALLOW_DEGRADED);
          } else {
            degraded.add(component);
          }
        }
      }
      String bypass = getOr(BYPASS_STARTUP_VALIDATION, "false").toLowerCase(Locale.ROOT);
      if (!bypass.equals("true") && !bypass.equals("false")) {
        problem("BYPASS_STARTUP_VALIDATION must be true or false, was '" + bypass + "'", BYPASS_STARTUP_VALIDATION);
      }
      return new StartupSettings(Duration.ofMillis(Math.round(budgetS * 1000)), multiplier, margin, base, degraded,
          bypass.equals("true"));
    }

    private Map<String, String> query(String raw) {
      Map<String, String> out = new LinkedHashMap<>();
      if (raw == null) {
        return out;
      }
      for (String pair : raw.split("&")) {
        String[] kv = pair.split("=", 2);
        out.put(decode(kv[0]), kv.length > 1 ? decode(kv[1]) : "");
      }
      return out;
    }

    private static String decode(String s) {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private String get(String name) {
      String value = env.get(name);
      return value == null || value.isBlank() ? null : value.trim();
    }

    private String getOr(String name, String fallback) {
      String value = get(name);
      return value == null ? fallback : value;
    }

    private int integer(String name, int fallback, int min, int max) {
      String value = get(name);
      if (value == null) {
        return fallback;
      }
      try {
        int parsed = Integer.parseInt(value);
        if (parsed >= min && parsed <= max) {
          return parsed;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      problem(name + "='" + value + "' must be a whole number from " + min + " to " + max, name);
      return fallback;
    }

    private double decimal(String name, double fallback, double min, double max) {
      String value = get(name);
      if (value == null) {
        return fallback;
      }
      try {
        double parsed = Double.parseDouble(value);
        if (parsed >= min && parsed <= max) {
          return parsed;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      problem(name + "='" + value + "' must be a number from " + trim(min) + " to " + trim(max), name);
      return fallback;
    }

    private static String trim(double d) {
      return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }

    private void problem(String message, String... settings) {
      problems.add(new Problem(Arrays.asList(settings), message));
    }
  }
}

package ai.netra.cli;

import static ai.netra.config.SettingNames.JWT_SECRET_KEY;
import static ai.netra.config.SettingNames.NETRA_DATA_DIR;
import static ai.netra.config.SettingNames.NETRA_ENV;

import ai.netra.boot.ExitCode;
import ai.netra.auth.SigningKey;
import ai.netra.auth.Tokens;
import ai.netra.config.Settings;
import ai.netra.startup.ConfigurationException;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code netra token}: prints a token signed with the key the server uses, for curl, wscat and tests. */
@Command(name = "token", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = {"Prints a JWT for a user, signed with the key that `netra serve` uses.",
        "",
        "The key is JWT_SECRET_KEY, or in development the key file under NETRA_DATA_DIR (default ./data, created if"
            + " absent; ./netra uses the project's data folder wherever it is run from). Only the token goes to stdout,"
            + " so TOKEN=$(netra token --user u1) works; the key file used is named on stderr.",
        ""})
public final class TokenCommand implements Callable<Integer> {

  /** Longer lifetimes are a key rotation problem waiting to happen; mint a new token instead. */
  static final Duration MAX_TTL = Duration.ofDays(365);
  /** The settings the signing key depends on; a problem with any other setting does not stop a token. */
  private static final Set<String> KEY_SETTINGS = Set.of(NETRA_ENV, JWT_SECRET_KEY, NETRA_DATA_DIR,
      ai.netra.config.SettingNames.AUTH_MAX_TOKEN_LIFETIME_S);
  private static final Pattern TTL_PART = Pattern.compile("(\\d{1,9})([smhd])");

  @Option(names = "--user", required = true, paramLabel = "ID", description = "the user id the token speaks for (sub)")
  String user;

  @Option(names = "--ttl", defaultValue = "12h", paramLabel = "DURATION",
      description = "lifetime: 30m, 12h, 7d, 1h30m or ISO-8601 (PT45M); default ${DEFAULT-VALUE}, at most 365d")
  String ttl;

  @Spec
  CommandSpec spec;

  private final Map<String, String> env;

  public TokenCommand() {
    this(Settings.processEnvironment());
  }

  TokenCommand(Map<String, String> env) {
    this.env = Objects.requireNonNull(env, "env");
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Duration lifetime;
    try {
      lifetime = parseTtl(ttl);
    } catch (IllegalArgumentException e) {
      return fail(err, ExitCode.INVALID, e.getMessage());
    }
    if (user == null || user.isBlank()) {
      return fail(err, ExitCode.INVALID, "--user must not be blank");
    }
    Settings settings = Settings.read(env);
    List<String> keyProblems = settings.problemsWith(KEY_SETTINGS);
    if (!keyProblems.isEmpty()) {
      // Serve would refuse to start with these, so a token minted around them would be for a key it never uses.
      return fail(err, ExitCode.INVALID, String.join("; ", keyProblems));
    }
    SigningKey key;
    try {
      key = SigningKey.load(settings);
    } catch (ConfigurationException e) {
      return fail(err, ExitCode.INVALID, e.withHint());
    } catch (IOException e) {
      return fail(err, ExitCode.FAILED, "cannot read or create the development signing key under " + settings.dataDir()
          + ": " + e + " (check NETRA_DATA_DIR and its permissions)");
    }
    String token;
    try {
      token = new Tokens(key, java.time.Clock.systemUTC(), settings.auth().maxTokenLifetime()).mint(user, lifetime);
    } catch (IllegalArgumentException e) {
      return fail(err, ExitCode.INVALID, e.getMessage());
    }
    out.println(token);
    out.flush();
    String source = key.source().equals(JWT_SECRET_KEY) ? "JWT_SECRET_KEY"
        : "the key file " + java.nio.file.Path.of(key.source()).toAbsolutePath().normalize();
    err.println("netra token: user " + user + ", valid for " + describe(lifetime) + ", signed with " + source
        + " (" + settings.environment().label() + ")");
    err.flush();
    return ExitCode.OK.code();
  }

  private static int fail(PrintWriter err, ExitCode code, String message) {
    err.println("netra token: " + message);
    err.flush();
    return code.code();
  }

  /**
   * A lifetime written as {@code 30m}, {@code 12h}, {@code 7d}, {@code 90s}, a sequence such as
   * {@code 1h30m}, or ISO-8601 ({@code PT45M}, {@code P7D}).
   *
   * @throws IllegalArgumentException naming the value when it is unreadable, not positive or above {@link #MAX_TTL}
   */
  static Duration parseTtl(String text) {
    String value = text == null ? "" : text.strip();
    if (value.isEmpty()) {
      throw new IllegalArgumentException("--ttl is empty; use e.g. 30m, 12h or 7d");
    }
    Duration parsed = value.toUpperCase(Locale.ROOT).startsWith("P") ? iso(value) : compact(value);
    if (parsed.isNegative() || parsed.isZero()) {
      throw new IllegalArgumentException("--ttl '" + value + "' must be longer than zero");
    }
    if (parsed.compareTo(MAX_TTL) > 0) {
      throw new IllegalArgumentException("--ttl '" + value + "' is longer than the maximum of 365d");
    }
    return parsed;
  }

  private static Duration iso(String value) {
    try {
      return Duration.parse(value.toUpperCase(Locale.ROOT));
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("--ttl '" + value + "' is not an ISO-8601 duration like PT45M or P7D");
    }
  }

  private static Duration compact(String value) {
    Matcher m = TTL_PART.matcher(value.toLowerCase(Locale.ROOT));
    Duration total = Duration.ZERO;
    int end = 0;
    while (m.find() && m.start() == end) {
      long amount = Long.parseLong(m.group(1));
      total = total.plus(switch (m.group(2)) {
        case "s" -> Duration.ofSeconds(amount);
        case "m" -> Duration.ofMinutes(amount);
        case "h" -> Duration.ofHours(amount);
        default -> Duration.ofDays(amount);
      });
      end = m.end();
    }
    if (end == 0 || end != value.length()) {
      throw new IllegalArgumentException("--ttl '" + value + "' is not a duration; use e.g. 30m, 12h, 7d, 1h30m or PT45M");
    }
    return total;
  }

  private static String describe(Duration d) {
    return d.toString().substring(2).toLowerCase(Locale.ROOT);
  }
}

package ai.netra.deploy.check;

import static ai.netra.config.SettingNames.DATABASE_URL;
import static ai.netra.config.SettingNames.NETRA_ENV;
import static ai.netra.config.SettingNames.REDIS_URL;

import ai.netra.config.Settings;
import ai.netra.deploy.EnvFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The environment a deployment gives the service: the {@code KEY=VALUE} lines of an env file, or
 * (without one) this process's environment, with {@code NETRA_ENV} set as asked. An env file is
 * read instead of the process environment, never on top of it, so what is checked and planned is
 * exactly what the file says, whatever the shell running the command holds.
 *
 * <p>A secret may be given as a Secret Manager reference ({@link SecretRef}, {@code sm://NAME}).
 * Its value is not known here: {@link #settings()} reads a stand-in of the right shape in its place.
 */
public final class DeployEnv {

  /** Stands in for a secret kept in Secret Manager: long enough for every length check. */
  static final String SECRET_STAND_IN = "secret-manager-value-not-read-here-0123456789abcdef";

  private final Map<String, String> values;
  private final Map<String, SecretRef> refs;
  private final String source;
  private final boolean fromFile;

  private DeployEnv(Map<String, String> values, String source, boolean fromFile) {
    this.values = Collections.unmodifiableMap(new TreeMap<>(values));
    this.source = source;
    this.fromFile = fromFile;
    Map<String, SecretRef> found = new TreeMap<>();
    values.forEach((name, value) -> SecretRef.parse(value).ifPresent(ref -> found.put(name, ref)));
    this.refs = Collections.unmodifiableMap(found);
  }

  /**
   * Reads an env file ({@link EnvFile}: {@code KEY=VALUE} lines, comments, {@code export}, quotes).
   *
   * @param environment {@code NETRA_ENV} to use, or null to keep the file's
   * @throws IOException when the file cannot be read
   * @throws IllegalArgumentException naming the file and every line that is not {@code KEY=VALUE}, or a bad reference
   */
  public static DeployEnv fromFile(Path file, String environment) throws IOException {
    return of(EnvFile.read(file), environment, "env file " + file, true, file + ": ");
  }

  /** The process environment (normally {@link System#getenv()}), with {@code NETRA_ENV} set when {@code environment} is not null. */
  public static DeployEnv fromProcess(Map<String, String> env, String environment) {
    return of(env, environment, "the process environment", false, "");
  }

  private static DeployEnv of(Map<String, String> values, String environment, String source, boolean fromFile, String where) {
    Map<String, String> all = new LinkedHashMap<>(values);
    if (environment != null) {
      all.put(NETRA_ENV, environment.toLowerCase(Locale.ROOT));
    }
    for (Map.Entry<String, String> e : all.entrySet()) {
      try {
        SecretRef.parse(e.getValue());
      } catch (IllegalArgumentException bad) {
        throw new IllegalArgumentException(where + e.getKey() + ": " + bad.getMessage(), bad);
      }
    }
    return new DeployEnv(all, source, fromFile);
  }

  /** Where the values came from, for the first line of a report. */
  public String source() {
    return source;
  }

  /** True when the values came from an env file (every key in it is meant for the service). */
  public boolean fromFile() {
    return fromFile;
  }

  /** Every value as given, Secret Manager references included. */
  public Map<String, String> values() {
    return values;
  }

  /** The Secret Manager reference {@code name} holds, if it holds one. */
  public Optional<SecretRef> ref(String name) {
    return Optional.ofNullable(refs.get(name));
  }

  /** Every setting given as a Secret Manager reference, by name. */
  public Map<String, SecretRef> refs() {
    return refs;
  }

  /** The settings the service would read, references replaced by stand-ins (see the class comment). */
  public Settings settings() {
    Map<String, String> readable = new TreeMap<>(values);
    refs.keySet().forEach(name -> readable.put(name, standIn(name)));
    return Settings.read(readable);
  }

  /** Every literal secret value given (never a reference), so output can be checked for them. */
  public List<String> secretValues() {
    return values.entrySet().stream()
        .filter(e -> Settings.isSecret(e.getKey()) && !refs.containsKey(e.getKey()))
        .map(Map.Entry::getValue)
        .filter(v -> v != null && v.length() >= 4)
        .toList();
  }

  /** A value of the shape the setting needs, so the rest of it can still be checked. */
  private static String standIn(String name) {
    return switch (name) {
      case DATABASE_URL -> "postgres://secret-manager:" + SECRET_STAND_IN + "@secret-manager.invalid:5432/netra";
      case REDIS_URL -> "rediss://secret-manager.invalid:6380";
      default -> SECRET_STAND_IN;
    };
  }

  @Override
  public String toString() {
    return "DeployEnv[" + source + ", " + values.size() + " values]"; // never the values: they may hold secrets
  }
}

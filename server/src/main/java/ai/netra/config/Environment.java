package ai.netra.config;

import java.util.Locale;

/** Where the service runs: {@code NETRA_ENV}. */
public enum Environment {
  DEVELOPMENT,
  STAGING,
  PRODUCTION;

  /** Lower-case name, as written in {@code NETRA_ENV}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  static Environment parse(String value) {
    for (Environment e : values()) {
      if (e.label().equals(value.trim().toLowerCase(Locale.ROOT))) {
        return e;
      }
    }
    throw new IllegalArgumentException("must be development, staging or production");
  }
}

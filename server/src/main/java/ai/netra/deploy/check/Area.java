package ai.netra.deploy.check;

import java.util.Locale;

/** What a finding is about; check reports the areas in this order. */
public enum Area {
  SETTINGS("settings"),
  TIMEOUTS("timeout policy"),
  STARTUP("recorded startup"),
  PROBE("startup probe and scaling"),
  POOL("database pool"),
  RESOURCES("resources");

  private final String title;

  Area(String title) {
    this.title = title;
  }

  /** The heading operators read. */
  public String title() {
    return title;
  }

  /** The name in JSON output. */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }
}

package ai.netra.startup;

import java.util.List;

/** The configuration is missing, invalid or unsafe; the start fails with exit code 2. */
public final class ConfigurationException extends StartupException {

  public ConfigurationException(String message, String hint, List<String> settings) {
    super(message, hint, settings, null);
  }

  public ConfigurationException(String message, String hint, List<String> settings, Throwable cause) {
    super(message, hint, settings, cause);
  }
}

package ai.netra.boot;

import ai.netra.config.Settings;
import ai.netra.startup.Step;
import java.util.List;

/**
 * A component installed beside the service (found with {@link java.util.ServiceLoader}) that adds
 * steps to the startup plan. A broken extension (a class that cannot load, a provider that throws)
 * never stops the start: it shows as a failed optional step {@code extensions} in FINALIZE.
 */
public interface StartupExtension {

  /** The steps to add, each to the end of its phase. */
  List<Contribution> steps(Settings settings);

  /** One step for {@code phase}. */
  record Contribution(StartupPhase phase, Step step) { }
}

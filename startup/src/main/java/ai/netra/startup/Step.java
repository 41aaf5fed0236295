package ai.netra.startup;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One unit of startup work: a name unique in the plan, the component whose timeout applies, its
 * criticality, retry, and what the operator needs when it fails (the settings involved and a hint).
 *
 * <p>A {@code validation} step checks rather than builds; {@code BYPASS_STARTUP_VALIDATION} skips it
 * outside production. A {@code placeholder} step stands in for a component that does not exist yet
 * and says so in the report. {@code expected} is the duration the step is known to need, which the
 * timeout policy checks its timeout against. A step that {@code waits} on something outside the
 * process (a server, a lock, a child process) may use its whole timeout when that is slow, so the
 * timeout model counts its whole timeout on the slowest start it allows; a step that only computes
 * counts what it needs.
 */
public record Step(
    String name,
    String component,
    Criticality criticality,
    Retry retry,
    boolean validation,
    List<String> settings,
    String hint,
    Optional<Duration> expected,
    boolean waits,
    Optional<String> placeholder,
    StepAction action) {

  public Step {
    if (name == null || !name.matches("[a-z][a-z0-9-]*")) {
      throw new IllegalArgumentException("step name must be lower-case words joined by '-', was '" + name + "'");
    }
    if (component == null || !component.matches("[a-z][a-z0-9_]*")) {
      throw new IllegalArgumentException("step " + name + ": component must be lower-case, was '" + component + "'");
    }
    Objects.requireNonNull(criticality, "criticality");
    Objects.requireNonNull(retry, "retry");
    Objects.requireNonNull(action, "action");
    settings = List.copyOf(settings);
    hint = hint == null ? "" : hint;
  }

  /** Starts a critical step with no retry, no settings and no hint. */
  public static Builder critical(String name, String component) {
    return new Builder(name, component, Criticality.CRITICAL);
  }

  /** Starts an optional step with no retry, no settings and no hint. */
  public static Builder optional(String name, String component) {
    return new Builder(name, component, Criticality.OPTIONAL);
  }

  /** Builds a {@link Step}; every method returns this builder. */
  public static final class Builder {
    private final String name;
    private final String component;
    private final Criticality criticality;
    private Retry retry = Retry.NONE;
    private boolean validation;
    private List<String> settings = List.of();
    private String hint = "";
    private Duration expected;
    private boolean waits;

    private Builder(String name, String component, Criticality criticality) {
      this.name = name;
      this.component = component;
      this.criticality = criticality;
    }

    /** Retries within the timeout; a step that retries waits on something, see {@link #waits()}. */
    public Builder retry(Retry retry) {
      this.retry = retry;
      this.waits |= retry != Retry.NONE;
      return this;
    }

    /** Marks the step as waiting on something outside the process, which may take its whole timeout. */
    public Builder waits() {
      this.waits = true;
      return this;
    }

    /** Marks the step as a check that {@code BYPASS_STARTUP_VALIDATION} may skip outside production. */
    public Builder validation() {
      this.validation = true;
      return this;
    }

    public Builder settings(String... names) {
      this.settings = List.of(names);
      return this;
    }

    public Builder settings(List<String> names) {
      this.settings = List.copyOf(names);
      return this;
    }

    public Builder hint(String hint) {
      this.hint = hint;
      return this;
    }

    /** The duration the step is known to need; the timeout policy rejects a timeout below it. */
    public Builder expects(Duration expected) {
      this.expected = expected;
      return this;
    }

    public Step run(StepAction action) {
      return new Step(name, component, criticality, retry, validation, settings, hint,
          Optional.ofNullable(expected), waits, Optional.empty(), action);
    }

    /** A step that does no work yet and reports {@code PLACEHOLDER} with {@code why}. */
    public Step placeholder(String why) {
      return new Step(name, component, criticality, Retry.NONE, validation, settings, hint,
          Optional.ofNullable(expected), false, Optional.of(why), context -> { });
    }
  }
}

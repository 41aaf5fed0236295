package ai.netra.boot;

import ai.netra.startup.DependencyException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The component one startup step builds: set once, by that step, and read by the steps after it and
 * by the {@link Application}. It stays empty when its step failed and the environment allows that
 * (degraded), or when the step had nothing to build from.
 */
final class Built<T> {

  private final String what;
  private volatile T value;

  /** @param what the component, for messages: "the database pool" */
  Built(String what) {
    this.what = what;
  }

  /** @throws IllegalStateException when it was built already: each component has one step */
  synchronized T set(T component) {
    if (value != null) {
      throw new IllegalStateException(what + " was built twice");
    }
    value = Objects.requireNonNull(component, what);
    return component;
  }

  Optional<T> optional() {
    return Optional.ofNullable(value);
  }

  /**
   * The component, for a step that cannot do without it.
   *
   * @throws DependencyException when its step failed or runs degraded
   */
  T require() {
    T current = value;
    if (current == null) {
      throw new DependencyException("not built: " + what + " (its step failed or runs degraded)", "", List.of(), null);
    }
    return current;
  }
}

package ai.netra.boot;

/** The seven phases of the backend's start, in the order they run. */
public enum StartupPhase {
  INIT(false),
  /** Its steps are independent of each other and run at once. */
  DEPENDENCIES(true),
  DATABASE(false),
  CACHE(false),
  /** In order: the supervisor needs the model and the tools. */
  SERVICES(false),
  /** In order: the chat needs the event bus. */
  WEBSOCKET(false),
  FINALIZE(false);

  private final boolean concurrent;

  StartupPhase(boolean concurrent) {
    this.concurrent = concurrent;
  }

  /** True when the phase's steps run at once rather than in plan order. */
  public boolean concurrent() {
    return concurrent;
  }
}

package ai.netra.testing;

import ai.netra.boot.StartupExtension;
import ai.netra.boot.StartupPhase;
import ai.netra.config.Settings;
import ai.netra.startup.Step;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A startup extension, on the test classpath only, that adds the faults named in
 * {@code NETRA_TEST_FAULTS} to the real service's plan: {@code kind:PHASE:component:criticality[:ms]}
 * separated by commas, where kind is {@code slow} (sleeps ms then succeeds), {@code fail} (throws
 * an IOException), {@code ncdfe} (throws NoClassDefFoundError), {@code hang} (ignores interrupts
 * for ms) or {@code npe}.
 */
public final class FaultInjection implements StartupExtension {

  @Override
  public List<Contribution> steps(Settings settings) {
    String spec = System.getenv("NETRA_TEST_FAULTS");
    List<Contribution> out = new ArrayList<>();
    if (spec == null || spec.isBlank()) {
      return out;
    }
    for (String fault : spec.split(",")) {
      String[] p = fault.trim().split(":");
      String kind = p[0];
      StartupPhase phase = StartupPhase.valueOf(p[1]);
      String component = p[2];
      boolean critical = p[3].equals("critical");
      long ms = p.length > 4 ? Long.parseLong(p[4]) : 0;
      Step.Builder builder = critical ? Step.critical("injected-" + kind + "-" + component, component)
          : Step.optional("injected-" + kind + "-" + component, component);
      builder.settings("NETRA_TEST_FAULTS").hint("this fault was injected by the test suite");
      out.add(new Contribution(phase, builder.run(context -> {
        switch (kind) {
          case "slow" -> Thread.sleep(ms);
          case "fail" -> throw new IOException("connection refused (injected fault)");
          case "ncdfe" -> throw new NoClassDefFoundError("com/example/optional/MissingClass");
          case "npe" -> throw new NullPointerException("injected defect");
          case "hang" -> {
            long end = System.nanoTime() + ms * 1_000_000;
            while (System.nanoTime() < end) {
              Thread.onSpinWait(); // ignores interruption on purpose: a black-holed call
            }
          }
          default -> throw new IllegalArgumentException("unknown fault kind " + kind);
        }
      })));
    }
    return out;
  }
}

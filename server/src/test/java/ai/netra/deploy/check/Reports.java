package ai.netra.deploy.check;

import ai.netra.deploy.RecordedStartup;
import ai.netra.deploy.StartupReportJson;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Startup reports in the /health/startup wire shape, built for a test. */
final class Reports {

  private final List<Map<String, Object>> steps = new ArrayList<>();
  private long at = 500;
  private String outcome = "READY";
  private final Map<String, Object> resources = new LinkedHashMap<>();

  static Reports start() {
    return new Reports();
  }

  /** A critical step of {@code component} that took {@code ms} after the previous one. */
  Reports step(String name, String component, long ms, int attempts) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("name", name);
    s.put("component", component);
    s.put("criticality", "CRITICAL");
    s.put("status", "OK");
    s.put("attempts", attempts);
    s.put("start_ms", at);
    s.put("end_ms", at + ms);
    s.put("error", null);
    steps.add(s);
    at += ms;
    return this;
  }

  Reports failedAt(String name, String component, String error) {
    step(name, component, 100, 3);
    steps.get(steps.size() - 1).put("status", "FAILED");
    steps.get(steps.size() - 1).put("error", error);
    outcome = "FAILED";
    return this;
  }

  Reports resources(double cpus, long memoryMiB, Long peakRssMiB) {
    resources.put("cpus", cpus);
    resources.put("memory_limit_mib", memoryMiB);
    if (peakRssMiB != null) {
      resources.put("peak_rss_mib", peakRssMiB);
    }
    return this;
  }

  RecordedStartup build() {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("outcome", outcome);
    root.put("phase", "FINALIZE");
    root.put("elapsed_ms", at + 20);
    root.put("budget_ms", 240000);
    root.put("phases", List.of(Map.of("name", "ALL", "status", "OK", "steps", steps)));
    if (!resources.isEmpty()) {
      root.put("resources", resources);
    }
    return StartupReportJson.recorded(ai.netra.json.Json.write(root), "test-report.json");
  }
}

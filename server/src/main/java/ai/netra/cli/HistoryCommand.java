package ai.netra.cli;

import ai.netra.boot.ExitCode;
import ai.netra.config.Settings;
import ai.netra.deploy.DurationText;
import ai.netra.deploy.check.DeployEnv;
import ai.netra.history.HistoryFilter;
import ai.netra.history.StartStats;
import ai.netra.json.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code netra history}: what the kept starts say, per step and for the whole start, by revision. */
@Command(name = "history", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class, sortOptions = false,
    description = {"Reads the kept starts of the service and prints, per step and for the whole start (JVM start to"
            + " READY), count, p50, p95, p99 and max; the failures by step and error kind; and the trend by revision.",
        "",
        "SOURCE is db (the default: the service's database, from the environment or --env-file, as netra check reads"
            + " them; nothing is migrated) or a file: a Cloud Logging export (gcloud logging read"
            + " 'jsonPayload.netra_startup_report=true' --format=json) or the service's own JSON log lines.",
        "",
        "netra check --history and netra plan --history size timeouts and the startup probe from the same starts.",
        ""})
public final class HistoryCommand implements Callable<Integer> {

  private static final DateTimeFormatter MINUTE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);

  @Parameters(index = "0", arity = "0..1", defaultValue = "db", paramLabel = "SOURCE",
      description = "db (default) or an export file")
  String source;

  @Mixin
  Inputs.DeploySettings settings = new Inputs.DeploySettings();

  @Option(names = "--since", paramLabel = "WHEN", description = "only starts since WHEN: a time ago (7d, 12h, 30m) or a"
      + " date or instant (2026-12-01, 2026-12-01T08:00:00Z)")
  String since;

  @Option(names = "--revision", paramLabel = "NAME", description = "only the starts of this revision (K_REVISION, else"
      + " the version)")
  String revision;

  @Mixin
  Inputs.JsonOutput json = new Inputs.JsonOutput();

  @Spec
  CommandSpec spec;

  private final Map<String, String> processEnv;

  public HistoryCommand() {
    this(Settings.processEnvironment());
  }

  HistoryCommand(Map<String, String> processEnv) {
    this.processEnv = Objects.requireNonNull(processEnv, "processEnv");
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    HistorySource.Starts read;
    HistoryFilter filter;
    DeployEnv env;
    try {
      filter = new HistoryFilter(since == null ? null : since(since, Instant.now()), revision);
      env = settings.read(processEnv);
      read = HistorySource.read(source, env.settings(), filter);
    } catch (IOException e) {
      return Inputs.usage(err, "history", "cannot read " + e.getMessage());
    } catch (IllegalArgumentException e) {
      return Inputs.usage(err, "history", e.getMessage());
    } catch (HistorySource.HistoryUnavailableException e) {
      err.println("netra history: " + e.getMessage());
      err.flush();
      return ExitCode.UNAVAILABLE.code();
    }
    StartStats stats = StartStats.of(read.starts());
    String text;
    if (json.enabled) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("source", read.from());
      body.put("since", filter.since());
      body.put("revision", filter.revision());
      body.put("stats", stats);
      text = Json.writePretty(body);
    } else {
      text = toText(stats, read.from());
    }
    out.println(Inputs.scrub(text, env.secretValues()));
    out.flush();
    return ExitCode.OK.code();
  }

  /**
   * The instant {@code text} names: a time ago ({@code 7d} and the durations options take), a date (midnight UTC) or
   * an instant.
   *
   * @throws IllegalArgumentException when it is none of them
   */
  static Instant since(String text, Instant now) {
    String value = text.strip();
    try {
      if (value.matches("\\d{1,5}d")) {
        return now.minus(Long.parseLong(value.substring(0, value.length() - 1)), ChronoUnit.DAYS);
      }
      if (value.matches("\\d{4}-\\d{2}-\\d{2}")) {
        return LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant();
      }
      if (value.contains("T")) {
        return Instant.parse(value);
      }
      return now.minus(DurationText.parse(value));
    } catch (DateTimeParseException | IllegalArgumentException e) {
      throw new IllegalArgumentException("--since '" + text + "' is neither a time ago (7d, 12h, 30m) nor a date"
          + " (2026-12-01) or an instant (2026-12-01T08:00:00Z)");
    }
  }

  static String toText(StartStats stats, String from) {
    StringBuilder text = new StringBuilder();
    text.append(String.format(Locale.ROOT, "netra history: %d starts (%d failed) from %s%n", stats.starts(),
        stats.failedStarts(), from));
    if (stats.starts() == 0) {
      return text.append("no starts kept yet").toString();
    }
    String row = "  %-34s %5s %9s %9s %9s %9s%n";
    text.append(String.format(Locale.ROOT, "%nwhole start%n"));
    text.append(String.format(Locale.ROOT, row, "", "count", "p50", "p95", "p99", "max"));
    distribution(text, row, "JVM start to READY", stats.ready());
    distribution(text, row, "JVM boot (to the first step)", stats.boot());
    text.append(String.format(Locale.ROOT, "%nper step (the starts where it succeeded)%n"));
    text.append(String.format(Locale.ROOT, row, "", "count", "p50", "p95", "p99", "max"));
    for (StartStats.StepStats s : stats.steps()) {
      distribution(text, row, s.phase() + " / " + s.step(), s.took());
    }
    text.append(String.format(Locale.ROOT, "%nfailures%n"));
    if (stats.failures().isEmpty()) {
      text.append("  none\n");
    }
    for (StartStats.FailureCount f : stats.failures()) {
      text.append(String.format(Locale.ROOT, "  %-34s %-13s %5d%n", f.step(), f.kind() == null ? "-" : f.kind(), f.count()));
    }
    text.append(String.format(Locale.ROOT, "%ntrend by revision (first started first)%n"));
    text.append(String.format(Locale.ROOT, "  %-28s %-17s %6s %6s %9s %9s%n", "revision", "first start (UTC)", "starts",
        "failed", "READY p50", "READY p95"));
    for (StartStats.RevisionStats r : stats.revisions()) {
      text.append(String.format(Locale.ROOT, "  %-28s %-17s %6d %6d %9s %9s%n", r.revision(),
          MINUTE.format(r.first()), r.starts(),
          r.failedStarts(), ms(r.ready().count(), r.ready().p50()), ms(r.ready().count(), r.ready().p95())));
    }
    if (stats.peakRssBytes() != null) {
      text.append(String.format(Locale.ROOT, "%npeak RSS: %d MiB at most%n", stats.peakRssBytes() / (1024 * 1024)));
    }
    return text.toString().stripTrailing();
  }

  private static void distribution(StringBuilder text, String row, String label, StartStats.Distribution d) {
    text.append(String.format(Locale.ROOT, row, label, d.count(), ms(d.count(), d.p50()), ms(d.count(), d.p95()),
        ms(d.count(), d.p99()), ms(d.count(), d.max())));
  }

  /** Milliseconds as people read them: {@code 840 ms}, {@code 12.4 s}; a dash when nothing was measured. */
  static String ms(int count, long ms) {
    if (count == 0) {
      return "-";
    }
    return ms < 1000 ? ms + " ms" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
  }
}

package ai.netra.http;

import ai.netra.health.CheckStatus;
import ai.netra.startup.PhaseReport;
import ai.netra.startup.StartupFailure;
import ai.netra.startup.StartupReport;
import ai.netra.startup.StepReport;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What the public health endpoints may show of a report or a check: components, statuses, timings and the kinds of
 * errors, without the infrastructure behind them. Addresses (URLs, host:port, IP addresses), file paths, database
 * and user names are replaced by a placeholder; the log keeps them whole for the operator.
 */
final class Scrubbed {

  // Every quantifier is possessive or bounded: these run on every probe, over text a dependency may have written.
  private static final Pattern URL = Pattern.compile("\\b[a-zA-Z][a-zA-Z0-9+.-]{0,20}+://[^\\s,;)\"']++");
  private static final Pattern NAMED = Pattern.compile(
      "\\b(user|db|database|dbname|host|role|password|username)(=|: ?)[^\\s,;)\"']++", Pattern.CASE_INSENSITIVE);
  private static final Pattern QUOTED_USER = Pattern.compile("\\b(user|role|database) \"[^\"]{0,200}+\"",
      Pattern.CASE_INSENSITIVE);
  private static final Pattern HOST_PORT = Pattern.compile(
      "\\[[0-9a-fA-F:.]{2,45}+\\](?::\\d{1,5}+)?|\\b(?:\\d{1,3}+\\.){3}+\\d{1,3}+(?::\\d{1,5}+)?\\b"
          + "|\\b[A-Za-z][A-Za-z0-9-]{0,62}+(?:\\.[A-Za-z0-9-]{1,63}+){0,10}+:\\d{1,5}+\\b|\\blocalhost\\b");
  private static final Pattern PATH = Pattern.compile("(?<![\\w.:/])/(?!health\\b|api\\b|ws\\b)[^\\s,;)\"']++");

  private Scrubbed() { }

  /** {@code text} without addresses, paths or names; null stays null. */
  static String text(String text) {
    if (text == null) {
      return null;
    }
    String s = URL.matcher(text).replaceAll("<url>");
    s = QUOTED_USER.matcher(s).replaceAll("$1 <name>");
    s = NAMED.matcher(s).replaceAll("$1$2<hidden>");
    s = HOST_PORT.matcher(s).replaceAll("<host>");
    return PATH.matcher(s).replaceAll("<path>");
  }

  static StartupReport report(StartupReport r) {
    List<PhaseReport> phases = r.phases().stream().map(p -> new PhaseReport(p.name(), p.status(),
        p.steps().stream().map(Scrubbed::step).toList())).toList();
    StartupFailure f = r.failure();
    StartupFailure failure = f == null ? null : new StartupFailure(f.phase(), f.step(), f.component(), f.kind(),
        f.exitCode(), f.cause().stream().map(Scrubbed::text).toList(), f.settings(), text(f.hint()), f.elapsedMs(),
        f.budgetMs());
    return new StartupReport(r.outcome(), r.phase(), r.elapsedMs(), r.budgetMs(), phases, failure);
  }

  private static StepReport step(StepReport s) {
    return new StepReport(s.name(), s.component(), s.criticality(), s.status(), s.attempts(), s.startMs(), s.endMs(),
        text(s.error()), text(s.detail()));
  }

  static List<CheckStatus> checks(List<CheckStatus> checks) {
    return checks.stream().map(c -> new CheckStatus(c.name(), c.critical(), c.healthy(), text(c.message()),
        c.checkedAtMs())).toList();
  }
}

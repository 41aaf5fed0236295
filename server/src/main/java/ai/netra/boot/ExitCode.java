package ai.netra.boot;

import ai.netra.startup.ConfigurationException;
import ai.netra.startup.DependencyException;
import ai.netra.startup.FailureKind;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;

/** Every exit code of the {@code netra} command line: what each means, decided here and listed in every {@code --help}. */
public enum ExitCode {
  OK(0, "success: the work is done, the verdict passed, or the service stopped cleanly after SIGTERM"),
  FAILED(1, "the verdict is FAIL, or the work was refused or could not be done (a file, a port); nothing else"
      + " below applies"),
  INVALID(2, "usage or configuration error: a bad option or input file, missing or invalid settings, an unsafe"
      + " timeout policy"),
  UNAVAILABLE(3, "a critical dependency (the database, Redis, the LLM endpoint) was unavailable within its budget"),
  DEFECT(4, "internal startup defect: an unexpected exception, a class that cannot load");

  /** The codes each subcommand can end with; the root lists them all. */
  private static final Map<String, Set<ExitCode>> BY_COMMAND = Map.of(
      "serve", EnumSet.allOf(ExitCode.class),
      "token", EnumSet.of(OK, FAILED, INVALID),
      "check", EnumSet.of(OK, FAILED, INVALID, UNAVAILABLE),
      "plan", EnumSet.of(OK, FAILED, INVALID, UNAVAILABLE),
      "history", EnumSet.of(OK, INVALID, UNAVAILABLE),
      "import", EnumSet.of(OK, FAILED, INVALID, UNAVAILABLE),
      "simulate", EnumSet.of(OK, FAILED, INVALID),
      "verify", EnumSet.of(OK, FAILED, INVALID));

  private final int code;
  private final String meaning;

  ExitCode(int code, String meaning) {
    this.code = code;
    this.meaning = meaning;
  }

  public int code() {
    return code;
  }

  /** The code of a failed start of this kind; the startup engine's {@link FailureKind#exitCode()} agrees. */
  public static ExitCode of(FailureKind kind) {
    return switch (kind) {
      case CONFIGURATION -> INVALID;
      case DEPENDENCY -> UNAVAILABLE;
      case DEFECT -> DEFECT;
    };
  }

  /** The code of an exception no command turned into a result: picocli's {@link CommandLine.IExitCodeExceptionMapper}. */
  static int of(Throwable failure) {
    if (failure instanceof ConfigurationException || failure instanceof CommandLine.ParameterException) {
      return INVALID.code;
    }
    return failure instanceof DependencyException ? UNAVAILABLE.code : FAILED.code;
  }

  /** Sets the exit codes of {@code cli} and its subcommands: the exception mapper, and the list in each {@code --help}. */
  public static CommandLine install(CommandLine cli) {
    cli.setExitCodeExceptionMapper(ExitCode::of);
    list(cli, BY_COMMAND.getOrDefault(cli.getCommandName(), EnumSet.allOf(ExitCode.class)));
    cli.getSubcommands().forEach((name, sub) -> list(sub, BY_COMMAND.getOrDefault(name, EnumSet.allOf(ExitCode.class))));
    return cli;
  }

  private static void list(CommandLine command, Set<ExitCode> codes) {
    Map<String, String> lines = new LinkedHashMap<>();
    codes.forEach(c -> lines.put(Integer.toString(c.code), c.meaning));
    command.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(lines);
  }
}

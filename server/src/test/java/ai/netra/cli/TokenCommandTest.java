package ai.netra.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.netra.auth.SigningKey;
import ai.netra.auth.Tokens;
import ai.netra.config.Settings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class TokenCommandTest {

  @Test
  void ttlAcceptsMinutesHoursDaysAndIso8601() {
    assertThat(TokenCommand.parseTtl("30m")).as("30m").isEqualTo(Duration.ofMinutes(30));
    assertThat(TokenCommand.parseTtl("12h")).as("12h").isEqualTo(Duration.ofHours(12));
    assertThat(TokenCommand.parseTtl("7d")).as("7d").isEqualTo(Duration.ofDays(7));
    assertThat(TokenCommand.parseTtl("90s")).as("90s").isEqualTo(Duration.ofSeconds(90));
    assertThat(TokenCommand.parseTtl("1h30m")).as("1h30m").isEqualTo(Duration.ofMinutes(90));
    assertThat(TokenCommand.parseTtl(" 12H ")).as("upper case, surrounding spaces").isEqualTo(Duration.ofHours(12));
    assertThat(TokenCommand.parseTtl("PT45M")).as("ISO-8601 PT45M").isEqualTo(Duration.ofMinutes(45));
    assertThat(TokenCommand.parseTtl("pt2h")).as("ISO-8601 in lower case").isEqualTo(Duration.ofHours(2));
    assertThat(TokenCommand.parseTtl("P7D")).as("ISO-8601 P7D").isEqualTo(Duration.ofDays(7));
    assertThat(TokenCommand.parseTtl("365d")).as("the maximum").isEqualTo(Duration.ofDays(365));
  }

  @Test
  void ttlRefusesUnreadableZeroNegativeAndTooLongValuesNamingThem() {
    for (String bad : new String[] {"", "12", "h", "12 h", "12x", "1.5h", "-1h", "0m", "PT0S", "PT-5M", "P1Y", "366d",
        "h12", "1h 30m"}) {
      assertThatThrownBy(() -> TokenCommand.parseTtl(bad)).as("--ttl '%s'", bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("--ttl");
    }
    assertThatThrownBy(() -> TokenCommand.parseTtl("12x")).as("the message names the value").hasMessageContaining("'12x'");
    assertThatThrownBy(() -> TokenCommand.parseTtl(null)).as("null").isInstanceOf(IllegalArgumentException.class);
  }

  private record Run(int exit, String out, String err) { }

  private static Run run(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new TokenCommand(env));
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void developmentTokenIsSignedWithTheKeyFileServeUses(@TempDir Path dataDir) throws Exception {
    Map<String, String> env = Map.of("NETRA_DATA_DIR", dataDir.toString());
    Run run = run(env, "--user", "u1", "--ttl", "30m");
    assertThat(run.exit()).as("exit code; stderr: %s", run.err()).isZero();
    assertThat(run.out()).as("stdout is the token and a newline only").matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\n");
    assertThat(Files.exists(dataDir.resolve("dev-jwt-secret"))).as("the development key file was created").isTrue();
    Tokens serverSide = new Tokens(SigningKey.load(Settings.read(env)));
    assertThat(serverSide.verify(run.out().strip()).userId()).as("the server's key accepts the token").isEqualTo("u1");
    assertThat(run.err()).as("stderr names where the key came from").contains("dev-jwt-secret");
  }

  /** Issue 16: with lifetimes capped, a development token from ./netra token must still be accepted by serve's checks. */
  @Test
  void developmentTokenPassesTheClaimChecksAndTokensOverTheCapAreNotMinted(@TempDir Path dataDir) throws Exception {
    Map<String, String> env = Map.of("NETRA_DATA_DIR", dataDir.toString());
    Run run = run(env, "--user", "dev");
    assertThat(run.exit()).as("the default 12 h; stderr: %s", run.err()).isZero();
    Tokens serverSide = new Tokens(SigningKey.load(Settings.read(env)), java.time.Clock.systemUTC(),
        Settings.read(env).auth().maxTokenLifetime());
    assertThat(serverSide.verify(run.out().strip()).userId()).isEqualTo("dev");

    Run week = run(env, "--user", "dev", "--ttl", "7d");
    assertThat(week.exit()).as("7 days is over the 24 h the service accepts").isEqualTo(2);
    assertThat(week.err()).contains("AUTH_MAX_TOKEN_LIFETIME_S").doesNotContain("\n ");
    Map<String, String> longer = Map.of("NETRA_DATA_DIR", dataDir.toString(), "AUTH_MAX_TOKEN_LIFETIME_S", "604800");
    assertThat(run(longer, "--user", "dev", "--ttl", "7d").exit()).as("allowed once the cap is raised").isZero();

    Run forged = run(env, "--user", "eve\nINFO forged");
    assertThat(forged.exit()).as("a user id with a newline").isEqualTo(2);
    assertThat(forged.out()).isEmpty();
  }

  @Test
  void jwtSecretKeyIsUsedWhenSet(@TempDir Path dataDir) throws Exception {
    String secret = "a-deployed-secret-of-at-least-32-bytes!!";
    Map<String, String> env = Map.of("NETRA_ENV", "production", "JWT_SECRET_KEY", secret, "NETRA_DATA_DIR", dataDir.toString());
    Run run = run(env, "--user", "ops");
    assertThat(run.exit()).as("exit code; stderr: %s", run.err()).isZero();
    assertThat(new Tokens(SigningKey.load(Settings.read(env))).verify(run.out().strip()).userId()).isEqualTo("ops");
    assertThat(run.out() + run.err()).as("the secret is never printed").doesNotContain(secret);
    assertThat(Files.exists(dataDir.resolve("dev-jwt-secret"))).as("no development key outside development").isFalse();
  }

  @Test
  void missingJwtSecretOutsideDevelopmentExitsTwoWithOneLine(@TempDir Path dataDir) {
    Run run = run(Map.of("NETRA_ENV", "production", "NETRA_DATA_DIR", dataDir.toString()), "--user", "u1");
    assertThat(run.exit()).as("configuration error").isEqualTo(2);
    assertThat(run.out()).as("nothing on stdout").isEmpty();
    assertThat(run.err().strip()).as("one line naming the setting").contains("JWT_SECRET_KEY").doesNotContain("\n");
  }

  @Test
  void tooShortJwtSecretInDevelopmentExitsTwoInsteadOfFallingBackToTheKeyFile(@TempDir Path dataDir) {
    Run run = run(Map.of("JWT_SECRET_KEY", "short-secret", "NETRA_DATA_DIR", dataDir.toString()), "--user", "u1");
    assertThat(run.exit()).as("serve would refuse this key, so token does too").isEqualTo(2);
    assertThat(run.err()).contains("JWT_SECRET_KEY").doesNotContain("short-secret");
  }

  @Test
  void badTtlExitsTwoWithOneLine(@TempDir Path dataDir) {
    Run run = run(Map.of("NETRA_DATA_DIR", dataDir.toString()), "--user", "u1", "--ttl", "forever");
    assertThat(run.exit()).as("usage error").isEqualTo(2);
    assertThat(run.out()).as("nothing on stdout").isEmpty();
    assertThat(run.err().strip()).as("one line").contains("'forever'").doesNotContain("\n");
  }

  @Test
  void missingUserIsAUsageError(@TempDir Path dataDir) {
    Run run = run(Map.of("NETRA_DATA_DIR", dataDir.toString()));
    assertThat(run.exit()).as("picocli usage error").isEqualTo(2);
    assertThat(run.out()).as("nothing on stdout").isEmpty();
    assertThat(run.err()).contains("--user");
  }
}

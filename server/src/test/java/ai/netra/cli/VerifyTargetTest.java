package ai.netra.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which URL {@code netra verify} checks when Cloud Deploy runs it: the list Cloud Deploy gives a verify
 * container, and the canary revision's own tag URL rather than the service's traffic split (which at
 * 10 % would mostly answer from the old revision).
 */
class VerifyTargetTest {

  private static final String HASH_URL = "https://netra-abc123xyz-ew.a.run.app";
  private static final String DETERMINISTIC_URL = "https://netra-123456789012.europe-west1.run.app";
  private static final Map<String, String> CLOUD_DEPLOY = Map.of("CLOUD_RUN_SERVICE_URLS", DETERMINISTIC_URL + "," + HASH_URL);

  @Test
  void theFirstUrlOfCloudDeploysListIsVerified() {
    assertThat(VerifyCommand.target(null, "CLOUD_RUN_SERVICE_URLS", null, CLOUD_DEPLOY)).hasToString(DETERMINISTIC_URL);
  }

  @Test
  void aRevisionTagAddressesThatRevisionAtItsOwnRunAppUrl() {
    assertThat(VerifyCommand.target(null, "CLOUD_RUN_SERVICE_URLS", "candidate", CLOUD_DEPLOY))
        .hasToString("https://candidate---netra-123456789012.europe-west1.run.app");
    assertThat(VerifyCommand.target(HASH_URL + "/", null, "candidate", Map.of()))
        .hasToString("https://candidate---netra-abc123xyz-ew.a.run.app/");
  }

  @Test
  void aTaggedUrlAlreadyInTheListIsUsedAsItIs() {
    Map<String, String> env = Map.of("URLS", "https://chat.example.com, https://candidate---netra-abc123xyz-ew.a.run.app ,"
        + HASH_URL);
    assertThat(VerifyCommand.target(null, "URLS", "candidate", env)).hasToString("https://candidate---netra-abc123xyz-ew.a.run.app");
  }

  @Test
  void aCustomDomainAloneCannotCarryARevisionTag() {
    assertThatThrownBy(() -> VerifyCommand.target(null, "URLS", "candidate", Map.of("URLS", "https://chat.example.com")))
        .hasMessageContaining("run.app").hasMessageContaining("URLS (--url-env) gave https://chat.example.com");
  }

  @Test
  void aMissingOrContradictoryUrlIsAUsageErrorWithExit2() {
    CommandRun unset = CommandRun.of(new VerifyCommand(Map.of()), "--url-env", "CLOUD_RUN_SERVICE_URLS");
    assertThat(unset.exit()).as("exit; stderr:\n%s", unset.err()).isEqualTo(2);
    assertThat(unset.err()).contains("CLOUD_RUN_SERVICE_URLS is not set");
    CommandRun both = CommandRun.of(new VerifyCommand(CLOUD_DEPLOY), "--url", HASH_URL, "--url-env", "CLOUD_RUN_SERVICE_URLS");
    assertThat(both.exit()).isEqualTo(2);
    assertThat(both.err()).contains("not both");
    CommandRun badTag = CommandRun.of(new VerifyCommand(CLOUD_DEPLOY), "--url-env", "CLOUD_RUN_SERVICE_URLS",
        "--revision-tag", "Canary_1");
    assertThat(badTag.exit()).isEqualTo(2);
    assertThat(badTag.err()).contains("--revision-tag 'Canary_1' is not a Cloud Run tag");
    CommandRun notAUrl = CommandRun.of(new VerifyCommand(Map.of("URLS", "netra.example.com")), "--url-env", "URLS");
    assertThat(notAUrl.exit()).isEqualTo(2);
    assertThat(notAUrl.err()).contains("URLS (--url-env):").contains("https://");
  }
}

package ai.netra.deploy.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeployEnvTest {

  @Test
  void envFilesReadKeyValueLinesWithCommentsExportAndQuotes(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("staging.env");
    Files.writeString(file, """
        # staging
        export NETRA_ENV=production

        ALLOWED_ORIGINS="https://a.example.com,https://b.example.com"
        LLM_MODEL='offline'
        JWT_SECRET_KEY=sm://netra-jwt:7
        EMPTY=
        """);
    DeployEnv env = DeployEnv.fromFile(file, "staging");
    assertThat(env.values()).containsEntry("NETRA_ENV", "staging").as("--env wins over the file")
        .containsEntry("ALLOWED_ORIGINS", "https://a.example.com,https://b.example.com")
        .containsEntry("LLM_MODEL", "offline").containsEntry("EMPTY", "");
    assertThat(env.ref("JWT_SECRET_KEY")).contains(new SecretRef("netra-jwt", "7"));
    assertThat(env.fromFile()).isTrue();
    assertThat(env.source()).contains(file.toString());
    assertThat(env.settings().jwtSecret()).as("a reference reads as a stand-in long enough for HS256").hasSizeGreaterThan(32);
  }

  @Test
  void aBadLineIsNamedByNumberWithoutShowingItsContent(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bad.env");
    Files.writeString(file, "NETRA_ENV=staging\nJWT_SECRET_KEY: hunter2-is-the-secret\n");
    assertThatThrownBy(() -> DeployEnv.fromFile(file, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("line 2").hasMessageContaining("KEY=VALUE")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
  }

  @Test
  void aMalformedReferenceIsRefusedNamingTheSetting() {
    assertThatThrownBy(() -> DeployEnv.fromProcess(Map.of("JWT_SECRET_KEY", "sm://bad name"), null))
        .hasMessageContaining("JWT_SECRET_KEY").hasMessageContaining("sm://NAME");
  }

  @Test
  void secretValuesAreTheLiteralSecretsOnly() {
    DeployEnv env = DeployEnv.fromProcess(Map.of("JWT_SECRET_KEY", "literal-secret-value", "POSTGRES_PASSWORD", "sm://pg",
        "POSTGRES_HOST", "db.internal"), "staging");
    assertThat(env.secretValues()).containsExactly("literal-secret-value");
    assertThat(env.toString()).doesNotContain("literal-secret-value");
  }
}

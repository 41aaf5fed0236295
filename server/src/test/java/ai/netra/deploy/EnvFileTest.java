package ai.netra.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvFileTest {

  @Test
  void readsSettingsCommentsExportsAndQuotes() {
    Map<String, String> env = EnvFile.parse("staging.env", String.join("\n",
        "# staging",
        "",
        "NETRA_ENV=staging",
        "export REDIS_URL=redis://10.0.0.3:6379",
        "DATABASE_URL = postgres://app:p#ss=w0rd@10.0.0.2:5432/netra",
        "LLM_MODEL=\"offline\"",
        "QUOTED='single # kept'",
        "EMPTY="));
    assertThat(env).containsEntry("NETRA_ENV", "staging")
        .containsEntry("REDIS_URL", "redis://10.0.0.3:6379")
        .as("a # inside a value is part of it (passwords)")
        .containsEntry("DATABASE_URL", "postgres://app:p#ss=w0rd@10.0.0.2:5432/netra")
        .containsEntry("LLM_MODEL", "offline")
        .containsEntry("QUOTED", "single # kept")
        .containsEntry("EMPTY", "");
  }

  @Test
  void badLinesAreAllNamedByNumberWithoutTheirValues() {
    assertThatThrownBy(() -> EnvFile.parse("prod.env", "GOOD=1\nthis is not a setting\nJWT_SECRET_KEY=\"s3cret-value\nX=2"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("prod.env")
        .hasMessageContaining("line 2")
        .hasMessageContaining("line 3 (JWT_SECRET_KEY)")
        .as("a value may be a secret: never in the message").hasMessageNotContaining("s3cret");
  }
}

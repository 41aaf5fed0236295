package ai.netra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Expected outputs kept as files under {@code server/src/test/resources/deploy/golden/}. After an
 * intended change, regenerate them with {@code -Dnetra.golden.update=true} on the test run and
 * review the diff before committing it.
 */
final class Golden {

  static final String UPDATE = "netra.golden.update";
  /** Tests run in the module folder (server/). */
  private static final Path FOLDER = Path.of("src", "test", "resources", "deploy", "golden");

  private Golden() { }

  static void assertMatches(String name, String actual) {
    Path file = FOLDER.resolve(name);
    try {
      if (Boolean.getBoolean(UPDATE)) {
        Files.createDirectories(file.getParent());
        Files.writeString(file, actual, StandardCharsets.UTF_8);
        return;
      }
      assertThat(Files.exists(file)).as("golden file %s exists (create it with -D%s=true)", file.toAbsolutePath(), UPDATE).isTrue();
      assertThat(actual).as("output against the golden file %s (regenerate with -D%s=true and review the diff)", file, UPDATE)
          .isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

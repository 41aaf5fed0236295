package ai.netra.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Settings from a {@code KEY=VALUE} file, the format of {@code docker run --env-file} and
 * {@code .env} files: one setting a line, {@code #} comment lines, an optional {@code export}
 * prefix, and values optionally in single or double quotes. Values are taken literally otherwise
 * (a {@code #} inside a password stays part of it).
 */
public final class EnvFile {

  private static final Pattern LINE = Pattern.compile("(?:export\\s+)?([A-Za-z_][A-Za-z0-9_]*)\\s*=(.*)");

  private EnvFile() { }

  /**
   * Reads {@code file}.
   *
   * @throws IllegalArgumentException naming the file and every bad line (never a value: it may be a secret)
   * @throws IOException when the file cannot be read
   */
  public static Map<String, String> read(Path file) throws IOException {
    return parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
  }

  /** {@link #read} for text already in memory; {@code source} names it in messages. */
  public static Map<String, String> parse(String source, String text) {
    Map<String, String> values = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    String[] lines = text.split("\\R", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      Matcher m = LINE.matcher(line);
      if (!m.matches()) {
        problems.add("line " + (i + 1) + " is not KEY=VALUE");
        continue;
      }
      String raw = m.group(2).strip();
      String value;
      if (raw.length() >= 2 && (raw.startsWith("\"") && raw.endsWith("\"") || raw.startsWith("'") && raw.endsWith("'"))) {
        value = raw.substring(1, raw.length() - 1);
        if (raw.startsWith("\"")) {
          value = value.replace("\\n", "\n").replace("\\\"", "\"").replace("\\\\", "\\");
        }
      } else if (raw.startsWith("\"") || raw.startsWith("'")) {
        problems.add("line " + (i + 1) + " (" + m.group(1) + ") opens a quote it does not close");
        continue;
      } else {
        value = raw;
      }
      values.put(m.group(1), value);
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(source + ": " + String.join("; ", problems)
          + " (one KEY=VALUE a line, KEY made of letters, digits and _, not starting with a digit; # starts a comment line)");
    }
    return values;
  }
}

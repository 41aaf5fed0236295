package ai.netra.deploy;

import ai.netra.json.Json;
import ai.netra.startup.StartupReport;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The {@code /health/startup} wire shape read from and written to text and files, the same JSON the service serves. */
public final class StartupReportJson {

  /** A newer service may add fields; a report is still readable by an older tool. */
  private static final ObjectReader READER = Json.mapper().readerFor(StartupReport.class)
      .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private StartupReportJson() { }

  /**
   * The report in {@code json}.
   *
   * @throws IllegalArgumentException when it is not a startup report, naming what is wrong
   */
  public static StartupReport parse(String json) {
    try {
      StartupReport report = READER.readValue(json);
      if (report == null || report.outcome() == null || report.phases() == null) {
        throw new IllegalArgumentException("not a startup report: it has no outcome or no phases");
      }
      return report;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a startup report: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * The report in {@code file}.
   *
   * @throws IllegalArgumentException naming the file when it is not a startup report
   * @throws IOException when it cannot be read
   */
  public static StartupReport read(Path file) throws IOException {
    try {
      return parse(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + " is " + e.getMessage(), e);
    }
  }

  /** Writes {@code report} to {@code file}, pretty-printed. */
  public static void write(StartupReport report, Path file) throws IOException {
    Files.writeString(file, Json.writePretty(report) + "\n", StandardCharsets.UTF_8);
  }
}

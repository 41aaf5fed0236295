package ai.netra.cli;

import ai.netra.deploy.DurationText;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads a duration option ({@code 500ms}, {@code 20s}, {@code 4m}, {@code 1m30s}, ISO-8601) for picocli. */
public final class DurationConverter implements ITypeConverter<Duration> {

  @Override
  public Duration convert(String value) {
    try {
      return DurationText.parse(value);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }
}

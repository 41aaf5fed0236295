package ai.netra.cli;

import ai.netra.deploy.MemorySize;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads a memory option ({@code 512Mi}, {@code 1Gi}, {@code 500M}) for picocli. */
public final class MemoryConverter implements ITypeConverter<MemorySize> {

  @Override
  public MemorySize convert(String value) {
    try {
      return MemorySize.parse(value);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }
}

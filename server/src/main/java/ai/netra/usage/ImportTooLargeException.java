package ai.netra.usage;

/**
 * An upload went over a hard limit (bytes or rows) and was refused as soon as the limit was passed,
 * without reading the rest; nothing of it was stored.
 */
public final class ImportTooLargeException extends RuntimeException {

  private final String code;

  ImportTooLargeException(String code, String message) {
    super(message);
    this.code = code;
  }

  /** {@code too_large} (bytes) or {@code too_many_rows}. */
  public String code() {
    return code;
  }
}

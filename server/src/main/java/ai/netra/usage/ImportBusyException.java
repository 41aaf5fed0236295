package ai.netra.usage;

/** Too many imports run at once in this process (each holds its rows in memory until it stores them); retry shortly. */
public final class ImportBusyException extends RuntimeException {

  ImportBusyException(String message) {
    super(message);
  }
}

package ai.netra.usage;

/** The database failed while storing or reading usage; the message names the operation and SQLState, never row values. */
public final class UsageStorageException extends RuntimeException {

  UsageStorageException(String message, Throwable cause) {
    super(message, cause);
  }
}

package ai.netra.chat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Where the chat keeps threads, messages, agent runs and run events (PostgreSQL, in {@code ai.netra.db}).
 *
 * <p>Every method that takes a user id checks that the thread belongs to that user, and reports a
 * thread of someone else exactly like a missing one ({@link ThreadNotFoundException}). Methods
 * without a user id are for the server acting on a run it started for a user it already checked.
 * A storage failure surfaces as {@link StorageException}, whose message names the operation, never
 * row values.
 */
public interface ChatStore {

  /** The longest message content accepted, in UTF-16 chars ({@link String#length()}). */
  int MAX_CONTENT_CHARS = 32_000;

  /** Where a user's message went: its thread (new or existing) and its id. */
  record SavedMessage(UUID threadId, long messageId, boolean newThread) { }

  /** One persisted event of a thread, numbered 1, 2, 3, ... per thread; {@code payloadJson} as stored. */
  record StoredEvent(UUID threadId, long eventId, UUID runId, String type, Instant timestamp, String payloadJson) { }

  /** A thread as listed to its owner; {@code lastEventId} is the id of its newest event, 0 when none. */
  record ThreadSummary(UUID id, String title, Instant createdAt, Instant updatedAt, long lastEventId) { }

  /** One message of a thread. */
  record StoredMessage(long id, String role, String content, Instant createdAt) { }

  /** Who runs a run and by when it must have ended: past either, any instance's sweeper ends it. */
  record RunOwner(String instanceId, Instant deadline) { }

  /** A run begun with its user's message, in one transaction: the message, the run, and its stored first event. */
  record BegunRun(SavedMessage message, UUID runId, StoredEvent started) { }

  /** A run the sweeper ended, with its user and the stored event that ended it. */
  record SweptRun(String userId, StoredEvent end) { }

  /** The user already has as many runs going as allowed; nothing was written. */
  final class BusyException extends RuntimeException {
    public BusyException(String message) {
      super(message);
    }
  }

  /** The storage failed; the message names the operation and SQLState, never row values. */
  final class StorageException extends RuntimeException {
    public StorageException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Persists a user's message: creates the thread when {@code threadIdOrNull} is null (titled after
   * the message), otherwise checks that the thread is the user's and marks it updated.
   *
   * @throws ThreadNotFoundException when the given thread does not exist or is another user's; nothing is written
   * @throws IllegalArgumentException for a blank user id, or content that is blank, too long or holds a NUL char
   */
  SavedMessage saveUserMessage(String userId, UUID threadIdOrNull, String content);

  /**
   * Records a new run of the agent on the user's thread, status {@code running}, and returns its id.
   *
   * @throws ThreadNotFoundException when the thread does not exist or is another user's
   */
  UUID startRun(String userId, UUID threadId);

  /**
   * Ends a running run with {@code status} (completed, failed, stopped or interrupted); a run that
   * already ended keeps its first outcome.
   *
   * @throws IllegalArgumentException for another status, or a run id that was never started
   */
  void finishRun(UUID runId, String status, String errorOrNull);

  /**
   * Persists an event of a thread under the thread's next event id (1, 2, 3, ... without gaps or
   * duplicates) and returns it as stored: the timestamp kept to the microsecond, the payload as the
   * stored JSON (keys may be reordered, spaces dropped).
   *
   * @throws ThreadNotFoundException when the thread does not exist
   * @throws IllegalArgumentException when the payload is not JSON that can be stored, or the run does not exist
   */
  default StoredEvent appendEvent(UUID threadId, UUID runIdOrNull, String type, Instant timestamp, String payloadJson) {
    return appendEvents(threadId, runIdOrNull, List.of(new NewEvent(type, timestamp, payloadJson))).getFirst();
  }

  /** An event to be stored: its type, when it happened, and its payload as JSON. */
  record NewEvent(String type, Instant timestamp, String payloadJson) { }

  /**
   * Persists events of a thread in one transaction, all or none, under the thread's next event ids in
   * their order, and returns them as stored (see {@link #appendEvent}), in that order.
   *
   * @throws ThreadNotFoundException when the thread does not exist
   * @throws IllegalArgumentException when there is no event, a payload is not JSON that can be stored, or the run
   *     does not exist
   */
  List<StoredEvent> appendEvents(UUID threadId, UUID runIdOrNull, List<NewEvent> events);

  /**
   * Begins a run with the user's message, all or nothing: persists the message (in a new thread
   * when {@code threadIdOrNull} is null), records the run as running under {@code owner}, and
   * appends its first event ({@code startedType}, with the payload {@code startedPayload} makes of
   * the saved message).
   *
   * @param maxRunning how many runs of this user may be running at once, this one included
   * @throws BusyException when the user already has {@code maxRunning} runs going; nothing is written
   * @throws ThreadNotFoundException when the given thread does not exist or is another user's; nothing is written
   * @throws IllegalArgumentException for a blank user id, or content that is blank, too long or holds a NUL char
   */
  BegunRun beginRun(String userId, UUID threadIdOrNull, String content, RunOwner owner, int maxRunning,
      String startedType, java.util.function.Function<SavedMessage, String> startedPayload, Instant timestamp);

  /**
   * Ends a running run, all or nothing: sets its status, appends its last event, and keeps the
   * agent's answer as the thread's next message when there is one. A run that has already ended
   * (the sweeper was faster, or an earlier try) keeps its first end, and nothing is written.
   *
   * @return the stored last event, or empty when the run had already ended
   * @throws IllegalArgumentException for a status that is not final, or a run that was never started
   */
  java.util.Optional<StoredEvent> endRun(UUID runId, String status, String errorOrNull, String type, Instant timestamp,
      String payloadJson, String answerOrNull);

  /** Records that {@code instanceId} is alive now; its runs are not swept while it keeps doing so. */
  void heartbeat(String instanceId);

  /** Forgets {@code instanceId} (a clean shutdown): its runs still going are swept at once by the others. */
  void leave(String instanceId);

  /**
   * Ends, with an event of {@code type} and {@code payloadJson}, up to {@code limit} running runs whose
   * deadline passed, whose instance has not reported for {@code silentFor}, or that are
   * {@code instanceId}'s own but not among its {@code running} ones (begun by a transaction whose
   * answer was lost, for example) and older than {@code silentFor}. Instances sweeping at the same
   * time never end the same run twice.
   */
  java.util.List<SweptRun> sweep(Duration silentFor, String instanceId, java.util.Collection<UUID> running, int limit,
      String type, String payloadJson, Instant timestamp);

  /**
   * The events of the user's threads stored at or after {@code since}, by thread and then id, at most
   * {@code limit}: what a socket may have missed while the event bus was away.
   */
  java.util.List<StoredEvent> recentEvents(String userId, Instant since, int limit);

  /**
   * Persists the agent's answer on a thread and marks the thread updated.
   *
   * @throws ThreadNotFoundException when the thread does not exist
   */
  void saveAssistantMessage(UUID threadId, String content);

  /** The user's threads, most recently updated first, at most {@code limit}. */
  default List<ThreadSummary> threads(String userId, int limit) {
    return threads(userId, null, limit);
  }

  /**
   * The user's threads that come after {@code after} (null: from the start) when listed most recently updated
   * first, at most {@code limit}.
   */
  List<ThreadSummary> threads(String userId, ThreadPosition after, int limit);

  /** Where a thread stands in the list of threads, most recently updated first: a page of threads ends there. */
  record ThreadPosition(Instant updatedAt, UUID id) {
    public ThreadPosition {
      java.util.Objects.requireNonNull(updatedAt, "updatedAt");
      java.util.Objects.requireNonNull(id, "id");
    }
  }

  /** The longest title a thread may be given, in UTF-16 chars; a title made from a first message is cut to it. */
  int MAX_TITLE_CHARS = 80;

  /**
   * Gives the user's thread a new title; its place in the list (when it was last updated) stays.
   *
   * @throws ThreadNotFoundException when it does not exist or is another user's; nothing is written
   * @throws IllegalArgumentException for a title that is blank, longer than {@value #MAX_TITLE_CHARS} chars or holds
   *     a control char
   */
  ThreadSummary renameThread(String userId, UUID threadId, String title);

  /**
   * Deletes the user's thread with its messages, runs and events, all in one transaction.
   *
   * @throws ThreadNotFoundException when it does not exist or is another user's
   */
  void deleteThread(String userId, UUID threadId);

  /**
   * The messages of the user's thread with ids above {@code afterId}, oldest first, at most {@code limit}.
   *
   * @throws ThreadNotFoundException when it does not exist or is another user's
   */
  List<StoredMessage> messages(String userId, UUID threadId, long afterId, int limit);

  /**
   * The events of the user's thread with ids above {@code afterEventId}, ascending, at most
   * {@code limit}: what a client that saw {@code afterEventId} missed.
   *
   * @throws ThreadNotFoundException when it does not exist or is another user's
   */
  List<StoredEvent> events(String userId, UUID threadId, long afterEventId, int limit);
}

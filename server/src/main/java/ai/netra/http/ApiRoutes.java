package ai.netra.http;

import ai.netra.auth.Identity;
import ai.netra.auth.InvalidTokenException;
import ai.netra.auth.PresentedToken;
import ai.netra.auth.TokenVerifier;
import ai.netra.auth.Tokens;
import ai.netra.cache.RateLimiter;
import ai.netra.chat.ChatStore;
import ai.netra.chat.ChatStore.StorageException;
import ai.netra.chat.ChatStore.StoredEvent;
import ai.netra.chat.ChatStore.StoredMessage;
import ai.netra.chat.ChatStore.ThreadPosition;
import ai.netra.chat.ChatStore.ThreadSummary;
import ai.netra.chat.ThreadNotFoundException;
import ai.netra.json.Json;
import ai.netra.usage.ImportBusyException;
import ai.netra.usage.ImportRejectedException;
import ai.netra.usage.ImportTooLargeException;
import ai.netra.usage.OtlpReceiver;
import ai.netra.usage.UsageFormat;
import ai.netra.usage.UsageImport;
import ai.netra.usage.UsageStorageException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API under {@code /api/}: the caller's identity, threads, messages and events, and uploads of the caller's
 * LLM usage, authenticated by JWT and open to the browser origins in {@code ALLOWED_ORIGINS}.
 */
public final class ApiRoutes extends Handler.Abstract {

  // Handler.Abstract (not NonBlocking) declares the blocking invocation type: every request here does JDBC, so
  // Jetty must run it on its own (virtual) thread, never on a selector thread.

  /** Items of a list reply (threads, messages, events) when the caller gives no {@code limit}. */
  static final int PAGE_DEFAULT_LIMIT = 100;
  /** The most items one list reply holds; a larger {@code limit} is a 400, so no reply is ever built unbounded. */
  static final int PAGE_MAX_LIMIT = 500;
  /** Seconds a client should wait before retrying after a storage failure. */
  static final String STORAGE_RETRY_AFTER_S = "2";
  /** Seconds a client should wait before retrying an upload refused because others were running. */
  static final String BUSY_RETRY_AFTER_S = "5";
  /** How long a refused upload's connection stays open after the 413 is written, so the client reads it. */
  static final Duration LINGER_AFTER_REFUSAL = Duration.ofSeconds(1);

  private static final Logger LOG = LoggerFactory.getLogger(ApiRoutes.class);
  private static final String PREFIX = "/api";
  private static final String USAGE_PATH = "/api/usage";
  private static final Pattern THREAD_PATH = Pattern.compile("/api/threads/([^/]*)/(messages|events)");
  /** A rename's body is {@code {"title": "..."}}: a title is 80 chars, this leaves room for escapes. */
  private static final int MAX_RENAME_BYTES = 4_096;
  private static final Pattern ONE_THREAD_PATH = Pattern.compile("/api/threads/([^/]+)");
  /** The canonical 8-4-4-4-12 form only: {@link UUID#fromString} also takes "1-2-3-4-5". */
  private static final Pattern UUID_TEXT =
      Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  private static final Pattern DIGITS = Pattern.compile("[0-9]{1,18}");

  private final TokenVerifier tokens;
  private final ChatStore chats;
  private final UsageImport usage;
  private final OriginPolicy origins;
  private final OtlpTraces traces;
  private final Limits limit;

  /**
   * What one user may ask of the API: {@code burst} requests at once, then {@code perSecond}, counted by
   * {@code limiter} (Redis's, shared by every instance, or this process's); and uploads that arrive at
   * {@code uploadMinBytesPerSecond} at least, over every {@code uploadRateWindow}.
   */
  public record Limits(RateLimiter limiter, int burst, int perSecond, int uploadMinBytesPerSecond, Duration uploadRateWindow) {
    public Limits {
      Objects.requireNonNull(limiter, "limiter");
      if (burst < 1 || perSecond < 1 || uploadMinBytesPerSecond < 1 || !uploadRateWindow.isPositive()) {
        throw new IllegalArgumentException("API limits must be positive, were burst " + burst + ", " + perSecond
            + "/s, uploads at " + uploadMinBytesPerSecond + " bytes/s over " + uploadRateWindow);
      }
    }
  }

  /** @param origins which browser origins may call the API (the same policy as the chat socket's) */
  public ApiRoutes(TokenVerifier tokens, ChatStore chats, UsageImport usage, OtlpReceiver otlp, OriginPolicy origins,
      Limits limit) {
    this.traces = new OtlpTraces(Objects.requireNonNull(otlp, "otlp"));
    this.tokens = Objects.requireNonNull(tokens, "tokens");
    this.chats = Objects.requireNonNull(chats, "chats");
    this.usage = Objects.requireNonNull(usage, "usage");
    this.origins = Objects.requireNonNull(origins, "origins");
    this.limit = Objects.requireNonNull(limit, "limit");
  }

  /** The routes, each its method and path as /openapi.json writes them; a method here is the handler of a known path. */
  enum Route {
    ME("GET", "/api/me"),
    THREADS("GET", "/api/threads"),
    DELETE_THREAD("DELETE", "/api/threads/{id}"),
    RENAME_THREAD("PATCH", "/api/threads/{id}"),
    MESSAGES("GET", "/api/threads/{id}/messages"),
    EVENTS("GET", "/api/threads/{id}/events"),
    USAGE("POST", USAGE_PATH),
    TRACES("POST", OtlpTraces.PATH);

    final String method;
    final String path;

    Route(String method, String path) {
      this.method = method;
      this.path = path;
    }
  }

  /** A known path: its route, and the thread id the path names (null for the others). */
  private record Matched(Route route, String threadId) {
    /** Every method the route's path answers, as an Allow header lists them. */
    String methods() {
      return java.util.Arrays.stream(Route.values()).filter(r -> r.path.equals(route.path)).map(r -> r.method)
          .collect(java.util.stream.Collectors.joining(", "));
    }
  }

  /** The API in order: CORS, the route and its method, the token, the caller's rate, then the route's answer, or a failure's. */
  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    String path = Request.getPathInContext(request);
    if (!path.equals(PREFIX) && !path.startsWith(PREFIX + "/") && !path.equals(OtlpTraces.PATH)) {
      return false;
    }
    String method = request.getMethod();
    String origin = request.getHeaders().get(HttpHeader.ORIGIN);
    boolean allowedOrigin = cors(request, response, origin);
    if (HttpMethod.OPTIONS.is(method) && origin != null
        && request.getHeaders().contains(HttpHeader.ACCESS_CONTROL_REQUEST_METHOD)) {
      Matched asked = match(path, request.getHeaders().get(HttpHeader.ACCESS_CONTROL_REQUEST_METHOD));
      return preflight(response, callback, allowedOrigin, asked == null ? "GET" : asked.methods());
    }
    Matched matched = match(path, method);
    if (matched == null) {
      return Replies.error(response, callback, 404, "not_found", "no API route " + method + " " + path);
    }
    if (!matched.route().method.equalsIgnoreCase(method)) {
      response.getHeaders().put(HttpHeader.ALLOW, matched.methods());
      return Replies.error(response, callback, 405, "method_not_allowed",
          path + " answers " + matched.methods() + " only, not " + method);
    }
    Optional<Identity> identity = authenticate(request, response, callback);
    if (identity.isEmpty()) {
      return true; // answered 401
    }
    if (!limit.limiter().tryAcquire("api:" + identity.get().userId())) {
      // A token refills every 1/perSecond s; a whole second covers every rate the setting allows.
      response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
      return Replies.error(response, callback, 429, "rate_limited", "too many requests; at most " + limit.perSecond()
          + " a second after a burst of " + limit.burst() + "; retry after the time in Retry-After");
    }
    try {
      return answer(matched, request, response, callback, identity.get());
    } catch (RuntimeException e) {
      return failed(e, method + " " + path, response, callback);
    }
  }

  /**
   * Sets the CORS headers of an allowed browser origin (every answer varies by Origin) and says whether it is
   * allowed; a request without an Origin is not a browser's and is judged by its token alone.
   */
  private boolean cors(Request request, Response response, String origin) {
    boolean allowed = origin != null && origins.allows(origin, request.getHeaders().get(HttpHeader.HOST));
    response.getHeaders().add(HttpHeader.VARY, "Origin");
    if (allowed) {
      response.getHeaders().put(HttpHeader.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
      response.getHeaders().put(HttpHeader.ACCESS_CONTROL_EXPOSE_HEADERS, "Retry-After, WWW-Authenticate");
    }
    return allowed;
  }

  /** The route of {@code path} (of {@code method} where the path has several), or null when the API has none. */
  private static Matched match(String path, String method) {
    Matcher threadPath = THREAD_PATH.matcher(path);
    Matcher oneThread = ONE_THREAD_PATH.matcher(path);
    return switch (path) {
      case "/api/me" -> new Matched(Route.ME, null);
      case "/api/threads" -> new Matched(Route.THREADS, null);
      case USAGE_PATH -> new Matched(Route.USAGE, null);
      case OtlpTraces.PATH -> new Matched(Route.TRACES, null);
      default -> threadPath.matches()
          ? new Matched(threadPath.group(2).equals("messages") ? Route.MESSAGES : Route.EVENTS, threadPath.group(1))
          : oneThread.matches()
              ? new Matched(HttpMethod.PATCH.is(method) ? Route.RENAME_THREAD : Route.DELETE_THREAD, oneThread.group(1))
              : null;
    };
  }

  /** The caller's identity from its Bearer token; empty when it answered 401 itself. */
  private Optional<Identity> authenticate(Request request, Response response, Callback callback) {
    Optional<PresentedToken> presented =
        Tokens.fromRequest(request.getHeaders().get(HttpHeader.AUTHORIZATION), List.of());
    if (presented.isEmpty()) {
      response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
      Replies.error(response, callback, 401, "missing_token", "send the token in an Authorization: Bearer <token> header");
      return Optional.empty();
    }
    try {
      return Optional.of(tokens.verify(presented.get().token()));
    } catch (InvalidTokenException e) {
      // The exception's message is safe by contract: it never quotes the token or the key.
      response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"");
      Replies.error(response, callback, 401, e.code(), e.getMessage());
      return Optional.empty();
    }
  }

  private boolean answer(Matched matched, Request request, Response response, Callback callback, Identity identity) {
    Fields query = query(request);
    return switch (matched.route()) {
      case ME -> Replies.json(response, callback, 200, new Me(identity.userId(), identity.expiresAt()));
      case THREADS -> threads(response, callback, identity, query);
      case DELETE_THREAD -> deleteThread(response, callback, identity, threadId(matched.threadId()));
      case RENAME_THREAD -> renameThread(request, response, callback, identity, threadId(matched.threadId()));
      case MESSAGES -> messages(response, callback, identity, threadId(matched.threadId()), query);
      case EVENTS -> events(response, callback, identity, threadId(matched.threadId()), query);
      case USAGE -> usage(request, response, callback, identity);
      case TRACES -> traces.handle(request, response, callback, identity);
    };
  }

  /** A route's failure in the API's shape, with the CORS headers already set so a browser page can show it. */
  private static boolean failed(RuntimeException failure, String request, Response response, Callback callback) {
    return switch (failure) {
      case BadParameter e -> Replies.error(response, callback, 400, "bad_request", e.getMessage(),
          Map.of("parameter", e.parameter));
      // The same answer for a missing thread and another user's: only the id the caller sent.
      case ThreadNotFoundException e -> Replies.error(response, callback, 404, "not_found", "no thread " + e.threadId());
      case StorageException e -> {
        LOG.warn("{} failed: chat storage unavailable: {}", request, e.getMessage(), e);
        response.getHeaders().put(HttpHeader.RETRY_AFTER, STORAGE_RETRY_AFTER_S);
        yield Replies.error(response, callback, 503, "storage_unavailable",
            "chat storage is unavailable right now; retry in a few seconds");
      }
      case UsageStorageException e -> {
        LOG.warn("{} failed: usage storage unavailable: {}", request, e.getMessage(), e);
        response.getHeaders().put(HttpHeader.RETRY_AFTER, STORAGE_RETRY_AFTER_S);
        yield Replies.error(response, callback, 503, "storage_unavailable",
            "usage storage is unavailable right now; nothing was imported; retry in a few seconds");
      }
      default -> { // a defect here, not the caller's fault
        LOG.error("{} failed unexpectedly", request, failure);
        yield Replies.error(response, callback, 500, "internal_error", "the server failed to handle this request");
      }
    };
  }

  private boolean preflight(Response response, Callback callback, boolean allowedOrigin, String method) {
    if (!allowedOrigin) {
      return Replies.error(response, callback, 403, "origin_not_allowed",
          "this origin is not allowed to call the API (ALLOWED_ORIGINS)");
    }
    response.setStatus(204);
    response.getHeaders().put(HttpHeader.ACCESS_CONTROL_ALLOW_METHODS, method + ", OPTIONS");
    response.getHeaders().put(HttpHeader.ACCESS_CONTROL_ALLOW_HEADERS, "Authorization, Content-Type");
    response.getHeaders().put(HttpHeader.ACCESS_CONTROL_MAX_AGE, "600");
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    callback.succeeded();
    return true;
  }

  // Every list is read one item past the page: that item's presence, not a second query, says whether a next page
  // exists, so next_cursor is null exactly on the last page.

  private boolean threads(Response response, Callback callback, Identity identity, Fields query) {
    int limit = limit(query);
    ThreadPosition after = query.getValuesOrEmpty("cursor").isEmpty() ? null : ThreadCursor.parse(single(query, "cursor"));
    List<ThreadSummary> found = chats.threads(identity.userId(), after, limit + 1);
    List<ThreadJson> threads = new ArrayList<>();
    for (ThreadSummary t : found.subList(0, Math.min(limit, found.size()))) {
      threads.add(new ThreadJson(t.id(), t.title(), t.createdAt(), t.updatedAt(), t.lastEventId()));
    }
    ThreadSummary last = found.size() > limit ? found.get(limit - 1) : null;
    return Replies.json(response, callback, 200,
        new Threads(threads, last == null ? null : ThreadCursor.of(new ThreadPosition(last.updatedAt(), last.id()))));
  }

  /** {@code DELETE /api/threads/{id}}: the caller's thread with everything in it; another user's is not found. */
  private boolean deleteThread(Response response, Callback callback, Identity identity, UUID threadId) {
    chats.deleteThread(identity.userId(), threadId);
    LOG.info("DELETE /api/threads/{} by its owner {}", threadId, identity.userId());
    response.setStatus(204);
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    callback.succeeded();
    return true;
  }

  /** {@code PATCH /api/threads/{id}} with {@code {"title": "..."}}: the caller's thread, renamed. */
  private boolean renameThread(Request request, Response response, Callback callback, Identity identity, UUID threadId) {
    String title;
    try (java.io.InputStream body = Content.Source.asInputStream(request)) {
      byte[] read = body.readNBytes(MAX_RENAME_BYTES + 1);
      if (read.length > MAX_RENAME_BYTES) {
        return Replies.error(response, callback, 413, "too_large", "a rename is a small JSON object: {\"title\": \"...\"}");
      }
      JsonNode node = Json.mapper().readTree(read);
      title = node != null && node.path("title").isTextual() ? node.path("title").asText() : null;
    } catch (java.io.IOException e) {
      title = null;
    }
    if (title == null) {
      return Replies.error(response, callback, 400, "bad_request", "send a JSON object {\"title\": \"...\"}");
    }
    ThreadSummary t;
    try {
      t = chats.renameThread(identity.userId(), threadId, title);
    } catch (IllegalArgumentException e) {
      return Replies.error(response, callback, 400, "invalid_title", e.getMessage());
    }
    return Replies.json(response, callback, 200, new ThreadJson(t.id(), t.title(), t.createdAt(), t.updatedAt(),
        t.lastEventId()));
  }

  private boolean messages(Response response, Callback callback, Identity identity, UUID threadId, Fields query) {
    int limit = limit(query);
    long after = number(query, "cursor", 0, 0, Long.MAX_VALUE);
    List<StoredMessage> found = chats.messages(identity.userId(), threadId, after, limit + 1);
    List<MessageJson> messages = new ArrayList<>();
    for (StoredMessage m : found.subList(0, Math.min(limit, found.size()))) {
      messages.add(new MessageJson(m.id(), m.role(), m.content(), m.createdAt()));
    }
    String next = found.size() > limit ? String.valueOf(found.get(limit - 1).id()) : null;
    return Replies.json(response, callback, 200, new Messages(threadId, messages, next));
  }

  private boolean events(Response response, Callback callback, Identity identity, UUID threadId, Fields query) {
    if (!query.getValuesOrEmpty("after").isEmpty() && !query.getValuesOrEmpty("cursor").isEmpty()) {
      throw new BadParameter("cursor", "give after or cursor, not both: they are the same position");
    }
    long after = number(query, query.getValuesOrEmpty("cursor").isEmpty() ? "after" : "cursor", 0, 0, Long.MAX_VALUE);
    int limit = limit(query);
    List<StoredEvent> found = chats.events(identity.userId(), threadId, after, limit + 1);
    List<EventJson> events = new ArrayList<>();
    for (StoredEvent e : found.subList(0, Math.min(limit, found.size()))) {
      events.add(new EventJson(e.type(), e.eventId(), e.runId(), e.threadId(), e.timestamp(), payload(e)));
    }
    String next = found.size() > limit ? String.valueOf(found.get(limit - 1).eventId()) : null;
    return Replies.json(response, callback, 200, new Events(threadId, events, next));
  }

  private static int limit(Fields query) {
    return (int) number(query, "limit", PAGE_DEFAULT_LIMIT, 1, PAGE_MAX_LIMIT);
  }

  /**
   * The opaque cursor of the thread list: where the last thread of a page stands (its update time and id),
   * base64url so callers pass it back unchanged and do not build it.
   */
  static final class ThreadCursor {
    private ThreadCursor() { }

    static String of(ThreadPosition position) {
      String text = position.updatedAt() + "|" + position.id();
      return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    static ThreadPosition parse(String cursor) {
      try {
        if (cursor.length() > 120) {
          throw new IllegalArgumentException("too long");
        }
        String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        int bar = text.indexOf('|');
        String id = text.substring(bar + 1);
        if (bar < 0 || !UUID_TEXT.matcher(id).matches()) {
          throw new IllegalArgumentException("no id");
        }
        return new ThreadPosition(Instant.parse(text.substring(0, bar)), UUID.fromString(id));
      } catch (RuntimeException e) {
        throw new BadParameter("cursor", "cursor is not one this API gave: pass next_cursor of the previous page unchanged");
      }
    }
  }

  /**
   * Imports the caller's usage rows from the body, all or none. The size limit is checked against Content-Length
   * before anything is read, and again while reading, for uploads that do not declare their length.
   */
  private boolean usage(Request request, Response response, Callback callback, Identity identity) {
    String contentType = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
    Optional<UsageFormat> format = UsageFormat.fromContentType(contentType);
    if (format.isEmpty()) {
      return Replies.error(response, callback, 415, "unsupported_media_type", (contentType == null ? "no Content-Type"
          : "Content-Type " + cut(contentType, 60) + " is not accepted") + "; send " + UsageFormat.ACCEPTED_TYPES
          + " (UTF-8)");
    }
    long maxBytes = usage.limits().maxBytes();
    long declared = request.getLength();
    if (declared > maxBytes) {
      return tooLarge(request, response, callback, "too_large", "the upload has " + declared
          + " bytes; one import takes at most " + maxBytes + " bytes; split it into several files");
    }
    try (InputStream body = new PacedUpload(request, limit.uploadMinBytesPerSecond(), limit.uploadRateWindow())) {
      UsageImport.Imported imported = usage.importFrom(identity.userId(), body, format.get());
      LOG.info("imported {} usage rows for user {}", imported.imported(), identity.userId());
      return Replies.json(response, callback, 200, new UsageImported(imported.imported(), imported.first(), imported.last()));
    } catch (ImportRejectedException e) {
      Map<String, Object> rows = new LinkedHashMap<>();
      rows.put("rows", e.problems());
      rows.put("total_problems", e.totalProblems());
      return Replies.error(response, callback, 422, "invalid_rows", e.getMessage(), rows);
    } catch (ImportTooLargeException e) {
      return tooLarge(request, response, callback, e.code(), e.getMessage());
    } catch (ImportBusyException e) {
      response.getHeaders().put(HttpHeader.RETRY_AFTER, BUSY_RETRY_AFTER_S);
      return Replies.error(response, callback, 429, "too_many_imports", e.getMessage());
    } catch (PacedUpload.TooSlow e) {
      LOG.info("POST /api/usage for user {} cut off: {}", identity.userId(), e.getMessage());
      return refuseAndClose(request, response, callback, 408, "upload_too_slow", e.getMessage());
    } catch (IOException e) {
      LOG.info("POST /api/usage for user {}: the upload could not be read: {}", identity.userId(), e.toString());
      return Replies.error(response, callback, 400, "unreadable_upload",
          "the upload could not be read to its end; nothing was imported");
    }
  }

  /**
   * 413, and the connection is closed: the rest of the upload is not worth reading. See {@link #refuseAndClose}.
   */
  private static boolean tooLarge(Request request, Response response, Callback callback, String code, String message) {
    return refuseAndClose(request, response, callback, 413, code, message);
  }

  /**
   * An upload refused before its end, and the connection closed: the rest is not worth reading. The close waits
   * {@link #LINGER_AFTER_REFUSAL} once the answer is written: closing a socket with upload bytes still
   * unread makes the kernel send a reset, and a reset that overtakes the answer leaves the client with
   * a broken connection instead of the reason.
   */
  private static boolean refuseAndClose(Request request, Response response, Callback callback, int status, String code,
      String message) {
    response.getHeaders().put(HttpHeader.CONNECTION, "close");
    Scheduler scheduler = request.getComponents().getScheduler();
    Callback lingering = Callback.from(
        () -> scheduler.schedule(callback::succeeded, LINGER_AFTER_REFUSAL.toMillis(), TimeUnit.MILLISECONDS),
        callback::failed);
    return Replies.error(response, lingering, status, code, message);
  }

  private static String cut(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "...";
  }

  /** The stored payload as JSON. It was stored as jsonb, so it parses; if not, one event loses its payload, not the thread its history. */
  private static JsonNode payload(StoredEvent e) {
    try {
      return Json.mapper().readTree(e.payloadJson());
    } catch (JsonProcessingException | RuntimeException x) {
      LOG.warn("event {} of thread {} has a payload that does not parse as JSON; sent with payload null ({})",
          e.eventId(), e.threadId(), x.getClass().getSimpleName());
      return null;
    }
  }

  private static Fields query(Request request) {
    try {
      return Request.extractQueryParameters(request, StandardCharsets.UTF_8);
    } catch (RuntimeException e) {
      throw new BadParameter("query", "the query string is not valid URL-encoded UTF-8");
    }
  }

  private static UUID threadId(String text) {
    if (!UUID_TEXT.matcher(text).matches()) {
      throw new BadParameter("thread_id", "the thread id in the path must be a UUID like 123e4567-e89b-12d3-a456-426614174000");
    }
    return UUID.fromString(text);
  }

  private static String single(Fields query, String name) {
    List<String> values = query.getValuesOrEmpty(name);
    if (values.size() > 1) {
      throw new BadParameter(name, name + " is given " + values.size() + " times; give it once");
    }
    return values.get(0);
  }

  private static long number(Fields query, String name, long fallback, long min, long max) {
    if (query.getValuesOrEmpty(name).isEmpty()) {
      return fallback;
    }
    String text = single(query, name).strip();
    String range = max == Long.MAX_VALUE ? "a whole number of at least " + min : "a whole number from " + min + " to " + max;
    if (!DIGITS.matcher(text).matches()) {
      throw new BadParameter(name, name + " must be " + range);
    }
    long value = Long.parseLong(text);
    if (value < min || value > max) {
      throw new BadParameter(name, name + " must be " + range + ", not " + value);
    }
    return value;
  }

  /** A query or path parameter the caller got wrong; the message names it and never echoes long input. */
  private static final class BadParameter extends RuntimeException {
    private final String parameter;

    BadParameter(String parameter, String message) {
      super(message, null, false, false);
      this.parameter = parameter;
    }
  }

  // Wire shapes, written by the snake_case mapper.

  record Me(String userId, Instant tokenExpiresAt) { }

  record UsageImported(int imported, Instant first, Instant last) { }

  // next_cursor is written even when null: null is how a client knows it has the last page.

  record Threads(List<ThreadJson> threads, String nextCursor) { }

  record ThreadJson(UUID id, String title, Instant createdAt, Instant updatedAt, long lastEventId) { }

  record Messages(UUID threadId, List<MessageJson> messages, String nextCursor) { }

  record MessageJson(long id, String role, String content, Instant createdAt) { }

  record Events(UUID threadId, List<EventJson> events, String nextCursor) { }

  record EventJson(String type, long eventId, UUID runId, UUID threadId, Instant timestamp, JsonNode payload) { }
}

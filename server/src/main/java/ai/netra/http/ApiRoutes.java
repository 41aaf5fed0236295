package ai.netra.http;

import ai.netra.auth.Identity;
import ai.netra.auth.InvalidTokenException;
import ai.netra.auth.PresentedToken;
import ai.netra.auth.Tokens;
import ai.netra.chat.ChatStore;
import ai.netra.chat.ChatStore.StorageException;
import ai.netra.chat.ChatStore.StoredEvent;
import ai.netra.chat.ChatStore.StoredMessage;
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

  static final int THREADS_DEFAULT_LIMIT = 50;
  static final int THREADS_MAX_LIMIT = 200;
  static final int EVENTS_DEFAULT_LIMIT = 500;
  static final int EVENTS_MAX_LIMIT = 1000;
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
  /** The canonical 8-4-4-4-12 form only: {@link UUID#fromString} also takes "1-2-3-4-5". */
  private static final Pattern UUID_TEXT =
      Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  private static final Pattern DIGITS = Pattern.compile("[0-9]{1,18}");

  private final Tokens tokens;
  private final ChatStore chats;
  private final UsageImport usage;
  private final OriginPolicy origins;
  private final OtlpTraces traces;

  /** @param origins which browser origins may call the API (the same policy as the chat socket's) */
  public ApiRoutes(Tokens tokens, ChatStore chats, UsageImport usage, OtlpReceiver otlp, OriginPolicy origins) {
    this.traces = new OtlpTraces(Objects.requireNonNull(otlp, "otlp"));
    this.tokens = Objects.requireNonNull(tokens, "tokens");
    this.chats = Objects.requireNonNull(chats, "chats");
    this.usage = Objects.requireNonNull(usage, "usage");
    this.origins = Objects.requireNonNull(origins, "origins");
  }

  /** The routes; a method here is the handler of a known path. */
  private enum Route { ME, THREADS, MESSAGES, EVENTS, USAGE, TRACES }

  /** A known path: its route, and the thread id the path names (null for the others). */
  private record Matched(Route route, String threadId) {
    String method() {
      return route == Route.USAGE || route == Route.TRACES ? "POST" : "GET";
    }
  }

  /** The API in order: CORS, the route and its method, the token, then the route's answer, or a failure's. */
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
      return preflight(response, callback, allowedOrigin, path.equals(USAGE_PATH) || path.equals(OtlpTraces.PATH) ? "POST" : "GET");
    }
    Matched matched = match(path);
    if (matched == null) {
      return Replies.error(response, callback, 404, "not_found", "no API route " + method + " " + path);
    }
    if (!matched.method().equalsIgnoreCase(method)) {
      response.getHeaders().put(HttpHeader.ALLOW, matched.method());
      return Replies.error(response, callback, 405, "method_not_allowed",
          path + " answers " + matched.method() + " only, not " + method);
    }
    Optional<Identity> identity = authenticate(request, response, callback);
    if (identity.isEmpty()) {
      return true; // answered 401
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

  /** The route of {@code path}, or null when the API has none. */
  private static Matched match(String path) {
    Matcher threadPath = THREAD_PATH.matcher(path);
    return switch (path) {
      case "/api/me" -> new Matched(Route.ME, null);
      case "/api/threads" -> new Matched(Route.THREADS, null);
      case USAGE_PATH -> new Matched(Route.USAGE, null);
      case OtlpTraces.PATH -> new Matched(Route.TRACES, null);
      default -> threadPath.matches()
          ? new Matched(threadPath.group(2).equals("messages") ? Route.MESSAGES : Route.EVENTS, threadPath.group(1))
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
      case MESSAGES -> messages(response, callback, identity, threadId(matched.threadId()));
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

  private boolean threads(Response response, Callback callback, Identity identity, Fields query) {
    int limit = (int) number(query, "limit", THREADS_DEFAULT_LIMIT, 1, THREADS_MAX_LIMIT);
    List<ThreadJson> threads = new ArrayList<>();
    for (ThreadSummary t : chats.threads(identity.userId(), limit)) {
      threads.add(new ThreadJson(t.id(), t.title(), t.createdAt(), t.updatedAt(), t.lastEventId()));
    }
    return Replies.json(response, callback, 200, new Threads(threads));
  }

  private boolean messages(Response response, Callback callback, Identity identity, UUID threadId) {
    List<MessageJson> messages = new ArrayList<>();
    for (StoredMessage m : chats.messages(identity.userId(), threadId)) {
      messages.add(new MessageJson(m.id(), m.role(), m.content(), m.createdAt()));
    }
    return Replies.json(response, callback, 200, new Messages(threadId, messages));
  }

  private boolean events(Response response, Callback callback, Identity identity, UUID threadId, Fields query) {
    long after = number(query, "after", 0, 0, Long.MAX_VALUE);
    int limit = (int) number(query, "limit", EVENTS_DEFAULT_LIMIT, 1, EVENTS_MAX_LIMIT);
    List<EventJson> events = new ArrayList<>();
    for (StoredEvent e : chats.events(identity.userId(), threadId, after, limit)) {
      events.add(new EventJson(e.type(), e.eventId(), e.runId(), e.threadId(), e.timestamp(), payload(e)));
    }
    return Replies.json(response, callback, 200, new Events(threadId, events));
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
    try (InputStream body = Content.Source.asInputStream(request)) {
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
    } catch (IOException e) {
      LOG.info("POST /api/usage for user {}: the upload could not be read: {}", identity.userId(), e.toString());
      return Replies.error(response, callback, 400, "unreadable_upload",
          "the upload could not be read to its end; nothing was imported");
    }
  }

  /**
   * 413, and the connection is closed: the rest of the upload is not worth reading. The close waits
   * {@link #LINGER_AFTER_REFUSAL} once the answer is written: closing a socket with upload bytes still
   * unread makes the kernel send a reset, and a reset that overtakes the answer leaves the client with
   * a broken connection instead of the reason.
   */
  private static boolean tooLarge(Request request, Response response, Callback callback, String code, String message) {
    response.getHeaders().put(HttpHeader.CONNECTION, "close");
    Scheduler scheduler = request.getComponents().getScheduler();
    Callback lingering = Callback.from(
        () -> scheduler.schedule(callback::succeeded, LINGER_AFTER_REFUSAL.toMillis(), TimeUnit.MILLISECONDS),
        callback::failed);
    return Replies.error(response, lingering, 413, code, message);
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

  private static long number(Fields query, String name, long fallback, long min, long max) {
    List<String> values = query.getValuesOrEmpty(name);
    if (values.isEmpty()) {
      return fallback;
    }
    if (values.size() > 1) {
      throw new BadParameter(name, name + " is given " + values.size() + " times; give it once");
    }
    String text = values.get(0).strip();
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

  record Threads(List<ThreadJson> threads) { }

  record ThreadJson(UUID id, String title, Instant createdAt, Instant updatedAt, long lastEventId) { }

  record Messages(UUID threadId, List<MessageJson> messages) { }

  record MessageJson(long id, String role, String content, Instant createdAt) { }

  record Events(UUID threadId, List<EventJson> events) { }

  record EventJson(String type, long eventId, UUID runId, UUID threadId, Instant timestamp, JsonNode payload) { }
}

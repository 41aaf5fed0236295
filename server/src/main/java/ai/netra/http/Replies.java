package ai.netra.http;

import ai.netra.json.Json;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** Writes JSON replies, and errors in the one shape the API uses: {@code {"error": {"code", "message"}}}. */
public final class Replies {

  /** Tells browsers to take the declared type at its word: a JSON reply is never run as a script or a page. */
  static final String NOSNIFF = "X-Content-Type-Options";

  private Replies() { }

  /** Writes {@code body} as JSON with {@code status}, never cached, and completes {@code callback}. */
  public static boolean json(Response response, Callback callback, int status, Object body) {
    return jsonText(response, callback, status, Json.write(body));
  }

  /** Writes {@code json}, a JSON text, with {@code status}, never cached, and completes {@code callback}. */
  static boolean jsonText(Response response, Callback callback, int status, String json) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.getHeaders().put(NOSNIFF, "nosniff");
    Content.Sink.write(response, true, json, callback);
    return true;
  }

  /** Writes {@code {"error": {"code", "message"}}} plus any {@code extra} top-level fields. */
  public static boolean error(Response response, Callback callback, int status, String code, String message,
      Map<String, Object> extra) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", Map.of("code", code, "message", message));
    body.putAll(extra);
    return json(response, callback, status, body);
  }

  public static boolean error(Response response, Callback callback, int status, String code, String message) {
    return error(response, callback, status, code, message, Map.of());
  }

  /** The request path without the query. */
  public static String path(Request request) {
    return request.getHttpURI().getPath();
  }
}

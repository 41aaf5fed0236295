package ai.netra.chat;

import ai.netra.auth.Identity;
import ai.netra.auth.InvalidTokenException;
import ai.netra.auth.PresentedToken;
import ai.netra.auth.Tokens;
import ai.netra.http.Replies;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.websocket.server.ServerUpgradeRequest;
import org.eclipse.jetty.websocket.server.ServerUpgradeResponse;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * {@code /ws/chat} (and {@code /ws}, the original frontend's path): checks the Origin and the token
 * before the upgrade, so a refused client gets a plain HTTP 403 or 401 with the reason, and sets
 * the socket limits (frame size, idle timeout, server pings).
 */
public final class ChatEndpoint {

  /** Frames above this close the socket with 1009. */
  public static final int MAX_FRAME_BYTES = 64 * 1024;
  /**
   * Bytes read from a socket at a time, and the capacity of the buffer Jetty allocates for every
   * text message whatever its size: its default of 4 KiB was more than half of what answering a
   * ping allocated. A frame larger than this takes more than one read.
   */
  static final int INPUT_BUFFER_BYTES = 1024;
  /** A socket with no frame at all (not even a pong) for this long is dropped. */
  public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);
  /** The server pings every socket this often, so a live client always answers within the idle timeout. */
  public static final Duration PING_INTERVAL = Duration.ofSeconds(20);
  /**
   * Jetty's switch for how it calls a socket's methods. By default it binds its method handles to
   * each new socket, and the JVM then generates and compiles new invocation code for every
   * connection: on one CPU, with connections coming and going, that compiling took a sixth of the
   * server's CPU. Unbound, all sockets share handles that are compiled once.
   */
  static final String JETTY_METHOD_BINDING = "jetty.websocket.methodholder.binding";
  /** Chat floods: this many user messages at once, then this many a second, per user. */
  public static final int MESSAGES_BURST = 20;
  public static final double MESSAGES_PER_SECOND = 5;

  private ChatEndpoint() { }

  /**
   * The upgrade handler, wrapping {@code next} for every request that is not a chat upgrade.
   *
   * @param chat the chat once the WEBSOCKET phase built it; the starting gate keeps upgrades out before that
   */
  public static Handler handler(Server server, Supplier<ChatService> chat, Supplier<Tokens> tokens, OriginPolicy origins,
      Handler next) {
    if (System.getProperty(JETTY_METHOD_BINDING) == null) { // read once, when Jetty first calls a socket
      System.setProperty(JETTY_METHOD_BINDING, "false");
    }
    WebSocketUpgradeHandler upgrades = WebSocketUpgradeHandler.from(server, container -> {
      container.setMaxTextMessageSize(MAX_FRAME_BYTES);
      container.setMaxBinaryMessageSize(MAX_FRAME_BYTES);
      container.setIdleTimeout(IDLE_TIMEOUT);
      container.setInputBufferSize(INPUT_BUFFER_BYTES);
      for (String path : List.of("/ws/chat", "/ws")) {
        container.addMapping(path, (request, response, callback) -> {
          ChatService service = chat.get();
          if (service == null) {
            Replies.error(response, callback, 503, "starting", "the chat is not ready yet");
            return null;
          }
          if (!origins.allows(request.getHeaders().get(HttpHeader.ORIGIN), request.getHeaders().get(HttpHeader.HOST))) {
            Replies.error(response, callback, 403, "origin_not_allowed",
                "this origin may not open the chat socket (ALLOWED_ORIGINS)");
            return null;
          }
          Optional<Identity> identity = authenticate(request, response, callback, tokens.get());
          if (identity.isEmpty()) {
            return null;
          }
          return new ChatSocket(service, identity.get().userId());
        });
      }
    });
    upgrades.setHandler(next);
    return upgrades;
  }

  /** Verifies the token and selects {@code jwt-auth} when offered; answers 401 itself when the token is not good. */
  private static Optional<Identity> authenticate(ServerUpgradeRequest request, ServerUpgradeResponse response,
      org.eclipse.jetty.util.Callback callback, Tokens tokens) {
    Optional<PresentedToken> presented = Tokens.fromRequest(request.getHeaders().get(HttpHeader.AUTHORIZATION),
        request.getSubProtocols());
    if (presented.isEmpty()) {
      response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
      Replies.error(response, callback, 401, "missing_token",
          "send a token: Authorization: Bearer <jwt>, or Sec-WebSocket-Protocol: jwt-auth, jwt.<jwt>");
      return Optional.empty();
    }
    try {
      Identity identity = tokens.verify(presented.get().token());
      presented.get().subprotocol().ifPresent(response::setAcceptedSubProtocol);
      return Optional.of(identity);
    } catch (InvalidTokenException e) {
      response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"");
      Replies.error(response, callback, 401, e.code(), e.getMessage(), Map.of());
      return Optional.empty();
    }
  }
}

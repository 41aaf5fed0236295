package ai.netra.http;

import ai.netra.auth.Identity;
import ai.netra.auth.InvalidTokenException;
import ai.netra.auth.PresentedToken;
import ai.netra.auth.TokenVerifier;
import ai.netra.auth.Tokens;
import ai.netra.chat.ChatLimits;
import ai.netra.chat.ChatService;
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

  /**
   * Bytes read from a socket at a time, and the capacity of the buffer Jetty allocates for every
   * text message whatever its size: its default of 4 KiB was more than half of what answering a
   * ping allocated. A frame larger than this takes more than one read.
   */
  static final int INPUT_BUFFER_BYTES = 1024;

  private ChatEndpoint() { }

  /**
   * The upgrade handler, wrapping {@code next} for every request that is not a chat upgrade.
   *
   * @param chat the chat, empty when the service runs without one (no database); the starting gate keeps upgrades
   *     out until the start completed
   */
  public static Handler handler(Server server, Supplier<Optional<ChatService>> chat, Supplier<? extends TokenVerifier> tokens,
      OriginPolicy origins, Handler next) {
    WebSocketUpgradeHandler upgrades = WebSocketUpgradeHandler.from(server, container -> {
      container.setMaxTextMessageSize(ChatLimits.MAX_FRAME_BYTES);
      container.setMaxBinaryMessageSize(ChatLimits.MAX_FRAME_BYTES);
      container.setIdleTimeout(ChatLimits.IDLE_TIMEOUT);
      container.setInputBufferSize(INPUT_BUFFER_BYTES);
      for (String path : List.of("/ws/chat", "/ws")) {
        container.addMapping(path, (request, response, callback) -> {
          ChatService service = chat.get().orElse(null);
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
          if (!service.mayConnect(identity.get().userId())) {
            Replies.error(response, callback, 429, "too_many_sockets", "this user already has "
                + service.limits().socketsPerUser() + " chat sockets open here (CHAT_SOCKETS_PER_USER); close one first");
            return null;
          }
          return service.connect(identity.get().userId());
        });
      }
    });
    upgrades.setHandler(next);
    return upgrades;
  }

  /** Verifies the token and selects {@code jwt-auth} when offered; answers 401 itself when the token is not good. */
  private static Optional<Identity> authenticate(ServerUpgradeRequest request, ServerUpgradeResponse response,
      org.eclipse.jetty.util.Callback callback, TokenVerifier tokens) {
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

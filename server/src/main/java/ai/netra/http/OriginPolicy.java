package ai.netra.http;

import java.net.URI;
import java.util.List;
import java.util.Locale;

/**
 * Which browser origins may open the chat socket and call the API: the listed ones
 * ({@code ALLOWED_ORIGINS}; {@code http://localhost:*} matches any port), else the service's own
 * origin, plus any localhost origin in development. Cross-site WebSocket hijacking is a browser
 * opening a socket for another site with the user's credentials; browsers always send Origin, so
 * a request without one (a server, a CLI) is judged by its token alone.
 */
public final class OriginPolicy {

  private final List<String> allowed;
  private final boolean development;

  public OriginPolicy(List<String> allowed, boolean development) {
    this.allowed = List.copyOf(allowed);
    this.development = development;
  }

  /**
   * @param origin the request's {@code Origin} header, or null
   * @param host the request's {@code Host} header (the service's own authority)
   */
  public boolean allows(String origin, String host) {
    if (origin == null) {
      return true;
    }
    String o = origin.toLowerCase(Locale.ROOT);
    for (String entry : allowed) {
      if (matches(entry.toLowerCase(Locale.ROOT), o)) {
        return true;
      }
    }
    if (!allowed.isEmpty()) {
      return false;
    }
    if (host != null && authority(o).equals(host.toLowerCase(Locale.ROOT))) {
      return true; // the service's own pages
    }
    return development && (matches("http://localhost:*", o) || matches("http://127.0.0.1:*", o));
  }

  private static boolean matches(String entry, String origin) {
    if (entry.endsWith(":*")) {
      String base = entry.substring(0, entry.length() - 2);
      return origin.equals(base) || origin.startsWith(base + ":") && origin.substring(base.length() + 1).matches("[0-9]{1,5}");
    }
    return entry.equals(origin);
  }

  private static String authority(String origin) {
    try {
      String a = URI.create(origin).getRawAuthority();
      return a == null ? "" : a;
    } catch (IllegalArgumentException e) {
      return "";
    }
  }
}

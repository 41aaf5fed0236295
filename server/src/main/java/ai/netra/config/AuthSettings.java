package ai.netra.config;

import java.net.URI;
import java.time.Duration;
import java.util.Set;

/**
 * Which tokens the service accepts: its own HS256 tokens ({@code JWT_SECRET_KEY}) and, when
 * {@code AUTH_JWKS_URL} is set, an identity provider's RS256/ES256 tokens, verified against its JWKS.
 *
 * @param jwksUrl {@code AUTH_JWKS_URL}, or null when no identity provider is configured
 * @param issuer {@code AUTH_ISSUER}: the {@code iss} the provider's tokens must carry, exactly
 * @param audiences {@code AUTH_AUDIENCE}, a comma list: a provider token's {@code aud} must name one of them
 * @param maxTokenLifetime {@code AUTH_MAX_TOKEN_LIFETIME_S}: the longest any token may live, from
 *     {@code iat} to {@code exp} and from now to {@code exp}
 */
public record AuthSettings(URI jwksUrl, String issuer, Set<String> audiences, Duration maxTokenLifetime) {

  /** Tokens live at most a day unless configured; Auth0's default access token lives exactly that. */
  public static final Duration DEFAULT_MAX_TOKEN_LIFETIME = Duration.ofHours(24);

  public AuthSettings {
    audiences = Set.copyOf(audiences);
  }

  /** True when the tokens of an identity provider are accepted. */
  public boolean provider() {
    return jwksUrl != null;
  }

  /**
   * Where the keys come from as logs may show it: {@code scheme://host[:port]}, never the path or query
   * (which may carry a key of the provider's) nor user info.
   */
  public String jwksOrigin() {
    if (jwksUrl == null) {
      return "(none)";
    }
    return jwksUrl.getScheme() + "://" + jwksUrl.getHost() + (jwksUrl.getPort() < 0 ? "" : ":" + jwksUrl.getPort());
  }
}

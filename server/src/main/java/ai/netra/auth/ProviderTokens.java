package ai.netra.auth;

import static ai.netra.config.SettingNames.AUTH_JWKS_URL;

import ai.netra.auth.InvalidTokenException.Reason;
import ai.netra.config.AuthSettings;
import ai.netra.startup.ConfigurationException;
import ai.netra.startup.DependencyException;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.JWKSetParseException;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.ConfigurableJWTProcessor;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.net.MalformedURLException;
import java.net.URL;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Verifies an identity provider's RS256 and ES256 tokens (Firebase Auth / Google Identity Platform,
 * Auth0, Keycloak) against the keys its JWKS lists, with nimbus: the key set is cached, fetched
 * again when a token names an unknown {@code kid} (at most twice per {@link Timing#minRefresh()}),
 * and kept through an outage of the provider for {@link Timing#outage()}. Checks the signature,
 * {@code iss} exactly, {@code aud} among the accepted audiences, {@code exp}/{@code nbf}, the
 * presence of {@code sub}, {@code exp} and {@code iat}, then the rules every token obeys.
 */
public final class ProviderTokens implements TokenVerifier {

  /** How long the provider's keys are used before they are fetched again, and how fetches are limited. */
  record Timing(Duration cache, Duration minRefresh, Duration outage, Duration fetch) {
    Timing {
      if (minRefresh.compareTo(cache) >= 0) {
        throw new IllegalArgumentException("keys must be cached longer than the least time between fetches, were "
            + cache + " and " + minRefresh);
      }
    }
  }

  /**
   * Providers rotate keys with days of overlap: five minutes of cache, a fetch on an unknown kid at most twice
   * in 30 s (a flood of made-up kids cannot turn into a flood of fetches), six hours on the last keys while
   * the provider is down, and 2 s for a fetch a request waits on once the service serves.
   */
  static final Timing DEFAULT_TIMING = new Timing(Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofHours(6),
      Duration.ofSeconds(2));
  /** JWK sets are a few kilobytes; Google's is under 2 KB. */
  private static final int MAX_JWKS_BYTES = 64 * 1024;
  private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256);

  private final String origin;
  private final ConfigurableJWTProcessor<SecurityContext> processor;
  private final ClaimRules rules;
  private final Clock clock;
  private final int keys;

  private ProviderTokens(String origin, ConfigurableJWTProcessor<SecurityContext> processor, ClaimRules rules, Clock clock,
      int keys) {
    this.origin = origin;
    this.processor = processor;
    this.rules = rules;
    this.clock = clock;
    this.keys = keys;
  }

  /**
   * Fetches the provider's keys once, every wait of it (connect, each read) bounded by {@code within}, and
   * returns the verifier that uses them.
   *
   * @throws DependencyException when the keys cannot be fetched in time (exit code 3: the provider may answer later)
   * @throws ConfigurationException when {@code AUTH_JWKS_URL} answers something that is not a JWK set, or a set
   *     without an RS256 or ES256 signing key (exit code 2: the URL must change)
   * @throws IllegalArgumentException when {@code auth} names no identity provider
   */
  public static ProviderTokens open(AuthSettings auth, Duration within) {
    return open(auth, within, Clock.systemUTC(), DEFAULT_TIMING);
  }

  static ProviderTokens open(AuthSettings auth, Duration within, Clock clock, Timing timing) {
    if (!auth.provider()) {
      throw new IllegalArgumentException("AUTH_JWKS_URL is not set: there is no identity provider to fetch keys from");
    }
    String origin = auth.jwksOrigin();
    String at = "the identity provider's keys at " + origin;
    if (within.toMillis() < 1) {
      throw new DependencyException("no time was left to fetch " + at, hint(), List.of(AUTH_JWKS_URL), null);
    }
    // A little less than the step has left, so that the fetch's own timeout, with its reason, comes first.
    int startupWait = (int) Math.min(Integer.MAX_VALUE, within.toMillis() > 350 ? within.toMillis() - 250 : within.toMillis());
    DefaultResourceRetriever retriever = new DefaultResourceRetriever(startupWait, startupWait, MAX_JWKS_BYTES);
    URL url;
    try {
      url = auth.jwksUrl().toURL();
    } catch (MalformedURLException | IllegalArgumentException e) {
      throw new ConfigurationException("AUTH_JWKS_URL cannot be read as a URL", "set AUTH_JWKS_URL to the provider's"
          + " jwks_uri", List.of(AUTH_JWKS_URL));
    }
    JWKSource<SecurityContext> source = JWKSourceBuilder.create(url, retriever)
        .cache(timing.cache().toMillis(), timing.fetch().toMillis() * 2 + 1000)
        .refreshAheadCache(false)
        .rateLimited(timing.minRefresh().toMillis())
        .outageTolerant(timing.outage().toMillis())
        .build();
    List<JWK> listed;
    try {
      listed = source.get(new JWKSelector(new JWKMatcher.Builder().build()), null);
    } catch (JWKSetParseException e) {
      throw new ConfigurationException(at + " answered with something that is not a JWK set",
          "set AUTH_JWKS_URL to the provider's jwks_uri (a JSON document {\"keys\": [...]}), not its discovery document"
              + " or sign-in page", List.of(AUTH_JWKS_URL));
    } catch (KeySourceException e) {
      throw new DependencyException(at + " could not be fetched: " + describe(e, auth), hint(), List.of(AUTH_JWKS_URL),
          null);
    }
    int usable = (int) listed.stream().filter(ProviderTokens::signs).count();
    if (usable == 0) {
      throw new ConfigurationException(at + " lists " + listed.size() + " keys, none of them an RSA or EC P-256 signing"
          + " key for RS256 or ES256", "set AUTH_JWKS_URL to the jwks_uri of the provider that signs the tokens",
          List.of(AUTH_JWKS_URL));
    }
    // Once serving, a request that needs fresh keys waits briefly; cached keys serve meanwhile.
    int runtimeWait = (int) Math.min(timing.fetch().toMillis(), startupWait);
    retriever.setConnectTimeout(runtimeWait);
    retriever.setReadTimeout(runtimeWait);

    DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT, new JOSEObjectType("at+jwt"),
        null));
    processor.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, source));
    DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(auth.audiences(),
        new JWTClaimsSet.Builder().issuer(auth.issuer()).build(), Set.of("sub", "exp", "iat"), null) {
      @Override
      protected Date currentTime() {
        return Date.from(clock.instant());
      }
    };
    claims.setMaxClockSkew((int) Tokens.CLOCK_SKEW.toSeconds());
    processor.setJWTClaimsSetVerifier(claims);
    return new ProviderTokens(origin, processor, new ClaimRules(auth.maxTokenLifetime()), clock, usable);
  }

  /** How many RS256/ES256 signing keys the provider listed when the keys were first fetched. */
  public int keys() {
    return keys;
  }

  /**
   * The identity {@code token} speaks for; the algorithm must be RS256 or ES256, and the key one the
   * provider lists.
   *
   * @throws InvalidTokenException with the first check that failed
   */
  @Override
  public Identity verify(String token) {
    Tokens.requirePresentAndBounded(token);
    JWTClaimsSet claims;
    try {
      claims = processor.process(token, null);
    } catch (ParseException e) {
      throw new InvalidTokenException(Reason.MALFORMED);
    } catch (BadJWTException e) {
      throw refusal(e.getMessage());
    } catch (RateLimitReachedException e) {
      throw new InvalidTokenException(Reason.UNKNOWN_KEY, Reason.UNKNOWN_KEY.message()
          + "; the keys were fetched again moments ago");
    } catch (KeySourceException e) {
      throw new InvalidTokenException(Reason.KEYS_UNAVAILABLE);
    } catch (BadJOSEException e) {
      String message = String.valueOf(e.getMessage());
      if (message.contains("no matching key")) {
        throw new InvalidTokenException(Reason.UNKNOWN_KEY);
      }
      if (message.contains("typ")) {
        throw new InvalidTokenException(Reason.MALFORMED, "the token's header names a type (typ) other than JWT");
      }
      throw new InvalidTokenException(Reason.BAD_SIGNATURE, "the token's signature does not match the identity"
          + " provider's key");
    } catch (JOSEException | RuntimeException e) {
      throw new InvalidTokenException(Reason.BAD_SIGNATURE, "the token's signature does not match the identity"
          + " provider's key");
    }
    Instant now = clock.instant();
    Instant issued = claims.getIssueTime().toInstant();
    if (issued.isAfter(now.plus(Tokens.CLOCK_SKEW))) {
      throw new InvalidTokenException(Reason.NOT_YET_VALID, "the token was issued in the future (" + issued
          + "); check the clocks");
    }
    String subject;
    try {
      subject = claims.getStringClaim("sub");
    } catch (ParseException e) {
      throw new InvalidTokenException(Reason.INVALID_SUBJECT, "the token's user (sub claim) is not a string");
    }
    return rules.identity(subject, issued, claims.getExpirationTime().toInstant(), now, Tokens.CLOCK_SKEW);
  }

  /**
   * The reason of a claims refusal, from nimbus's fixed messages (they quote no claim value; {@code
   * ProviderTokensTest} pins each of them, so a change in nimbus fails a test rather than a user).
   */
  private static InvalidTokenException refusal(String nimbusMessage) {
    String m = String.valueOf(nimbusMessage);
    if (m.equals("Expired JWT")) {
      return new InvalidTokenException(Reason.EXPIRED);
    }
    if (m.equals("JWT before use time")) {
      return new InvalidTokenException(Reason.NOT_YET_VALID);
    }
    if (m.startsWith("JWT iss claim")) {
      return new InvalidTokenException(Reason.WRONG_ISSUER);
    }
    if (m.contains(" aud claim")) {
      return new InvalidTokenException(Reason.WRONG_AUDIENCE);
    }
    if (m.startsWith("JWT missing required claims")) {
      return m.contains("sub") ? new InvalidTokenException(Reason.NO_SUBJECT)
          : new InvalidTokenException(Reason.MALFORMED, "the token lacks a required claim: exp and iat must be present");
    }
    return new InvalidTokenException(Reason.MALFORMED, "the token's claims were refused");
  }

  /** An RSA key, or an EC key on P-256, that may sign (no {@code use}, or {@code sig}). */
  private static boolean signs(JWK key) {
    boolean signing = key.getKeyUse() == null || KeyUse.SIGNATURE.equals(key.getKeyUse());
    return signing && (key instanceof RSAKey || key instanceof ECKey ec && Curve.P_256.equals(ec.getCurve()));
  }

  /** The failure's root, without the URL's path or query (which may carry a key), for the failure record. */
  private static String describe(Throwable failure, AuthSettings auth) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String text = root == failure ? String.valueOf(failure.getMessage()) : root.getClass().getName() + ": "
        + root.getMessage();
    String full = auth.jwksUrl().toString();
    text = text.replace(full, auth.jwksOrigin());
    if (auth.jwksUrl().getRawQuery() != null) {
      text = text.replace(auth.jwksUrl().getRawQuery(), "…");
    }
    if (auth.jwksUrl().getRawPath() != null && auth.jwksUrl().getRawPath().length() > 1) {
      text = text.replace(auth.jwksUrl().getRawPath(), "/…");
    }
    return text.toLowerCase(Locale.ROOT).contains("timed out") ? text + " (the step's timeout bounds each wait)" : text;
  }

  private static String hint() {
    return "check that this instance reaches the identity provider (egress, proxy, DNS) and that AUTH_JWKS_URL is its"
        + " jwks_uri; STARTUP_TIMEOUT_JWKS_S gives the fetch more time";
  }

  @Override
  public String toString() {
    return "ProviderTokens[RS256/ES256, keys from " + origin + ", " + keys + " signing keys]";
  }
}

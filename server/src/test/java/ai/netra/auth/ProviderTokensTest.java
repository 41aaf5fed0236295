package ai.netra.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ai.netra.config.AuthSettings;
import ai.netra.startup.ConfigurationException;
import ai.netra.startup.DependencyException;
import ai.netra.testing.IdentityProvider;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Tokens of an identity provider (issue 16) against a local JWKS endpoint serving keys the test generates:
 * what is accepted, what is refused and why, key rotation, and the endpoint down at start and later.
 */
class ProviderTokensTest {

  /** Short enough for a test to outlive: cache 1.5 s, a forced fetch at most twice per 0.5 s. */
  private static final ProviderTokens.Timing FAST = new ProviderTokens.Timing(Duration.ofMillis(1500),
      Duration.ofMillis(500), Duration.ofHours(1), Duration.ofSeconds(2));

  private final IdentityProvider idp = IdentityProvider.start();

  @AfterEach
  void stop() {
    idp.close();
  }

  private AuthSettings settings(String url) {
    return new AuthSettings(URI.create(url), IdentityProvider.ISSUER, Set.of(IdentityProvider.AUDIENCE, "other-api"),
        AuthSettings.DEFAULT_MAX_TOKEN_LIFETIME);
  }

  private ProviderTokens open(ProviderTokens.Timing timing) {
    return ProviderTokens.open(settings(idp.jwksUrl()), Duration.ofSeconds(5), Clock.systemUTC(), timing);
  }

  private static void refused(ProviderTokens tokens, String token, String code, String why) {
    assertThatThrownBy(() -> tokens.verify(token)).as(why)
        .isInstanceOfSatisfying(InvalidTokenException.class, e -> {
          assertThat(e.code()).as(why + ": the reason code (%s)", e.getMessage()).isEqualTo(code);
          assertThat(e.getMessage()).as("the refusal never quotes the token").doesNotContain(token.split("\\.")[1]);
        });
  }

  @Test
  void rs256AndEs256TokensOfTheProviderAreAccepted() {
    ProviderTokens tokens = open(ProviderTokens.DEFAULT_TIMING);
    assertThat(tokens.keys()).as("both published keys can sign").isEqualTo(2);
    assertThat(tokens.verify(idp.rs256("firebase-uid-Qm7")).userId()).isEqualTo("firebase-uid-Qm7");
    assertThat(tokens.verify(idp.es256("auth0|64b1f0")).userId()).isEqualTo("auth0|64b1f0");
    assertThat(tokens.verify(idp.rs256("u2", c -> c.audience(java.util.List.of("other-api", "x")))).userId())
        .as("aud as a list naming one accepted audience").isEqualTo("u2");
  }

  @Test
  void wrongIssuerWrongAudienceExpiredAndForgedTokensAreRefusedWithTheirReason() throws Exception {
    ProviderTokens tokens = open(ProviderTokens.DEFAULT_TIMING);
    refused(tokens, idp.rs256("u1", c -> c.issuer("https://evil.example/")), "wrong_issuer", "another issuer");
    refused(tokens, idp.rs256("u1", c -> c.audience("someone-elses-app")), "wrong_audience", "another audience");
    refused(tokens, idp.rs256("u1", c -> c.audience((String) null)), "wrong_audience", "no audience");
    Instant past = Instant.now().minus(Duration.ofHours(2));
    refused(tokens, idp.rs256("u1", c -> c.issueTime(Date.from(past)).expirationTime(Date.from(past.plusSeconds(600)))),
        "expired", "expired an hour and fifty minutes ago");
    refused(tokens, idp.rs256("u1", c -> c.issueTime(null)), "malformed", "no iat");
    refused(tokens, idp.rs256(null), "no_subject", "no sub");
    RSAKey impostor = new RSAKeyGenerator(2048).keyID(idp.rsa.getKeyID()).generate();
    refused(tokens, IdentityProvider.sign(impostor, IdentityProvider.claims("u1").build()), "bad_signature",
        "signed by another key under the provider's kid");
  }

  /** Issue 16: a sub with a newline forged log lines and could confuse the event bus's framing. */
  @Test
  void aSubjectThatIsNotAPrintableIdentifierOrALifetimeOverTheCapIsRefused() {
    ProviderTokens tokens = open(ProviderTokens.DEFAULT_TIMING);
    refused(tokens, idp.rs256("alice\nFAKE LOG LINE"), "invalid_subject", "a newline in sub");
    refused(tokens, idp.rs256("alice\u202Eevil"), "invalid_subject", "a right-to-left override in sub");
    refused(tokens, idp.rs256("alice bob"), "invalid_subject", "a space in sub");
    refused(tokens, idp.rs256("x".repeat(129)), "invalid_subject", "129 characters");
    assertThat(tokens.verify(idp.rs256("é".repeat(128))).userId()).as("128 characters, not ASCII").hasSize(128);
    Instant now = Instant.now();
    refused(tokens, idp.rs256("u1", c -> c.issueTime(Date.from(now)).expirationTime(Date.from(now.plus(Duration.ofHours(25))))),
        "lifetime_too_long", "25 h from iat to exp");
    refused(tokens, idp.rs256("u1", c -> c.issueTime(Date.from(now.minus(Duration.ofHours(30))))
        .expirationTime(Date.from(now.plus(Duration.ofHours(1))))), "lifetime_too_long", "31 h from iat to exp, 1 h left");
    assertThat(tokens.verify(idp.rs256("u1", c -> c.issueTime(Date.from(now))
        .expirationTime(Date.from(now.plus(Duration.ofHours(24)))))).userId()).as("exactly 24 h, as Auth0 issues").isEqualTo("u1");
  }

  /** An unknown kid fetches the keys again, rate-limited; once the provider publishes the new key it is accepted. */
  @Test
  void anUnknownKidIsRefusedUntilTheProviderPublishesTheKeyThenAcceptedAfterARateLimitedRefresh() throws Exception {
    Duration interval = Duration.ofSeconds(2);
    ProviderTokens tokens = open(new ProviderTokens.Timing(Duration.ofSeconds(10), interval, Duration.ofHours(1),
        Duration.ofSeconds(2)));
    ECKey rotated = new ECKeyGenerator(Curve.P_256).keyID("ec-2").keyUse(KeyUse.SIGNATURE).generate();
    String token = IdentityProvider.sign(rotated, IdentityProvider.claims("rotated-user").build());
    int before = idp.requests();
    long start = System.nanoTime();
    for (int i = 0; i < 50; i++) {
      refused(tokens, token, "unknown_key", "a kid the provider does not list");
    }
    long windows = Duration.ofNanos(System.nanoTime() - start).toMillis() / interval.toMillis() + 2; // the start's window too
    assertThat(idp.requests() - before).as("50 unknown-kid tokens fetch the keys at most twice per 2 s")
        .isLessThanOrEqualTo((int) (2 * windows)).isLessThan(50);

    idp.publish(idp.rsa, idp.ec, rotated);
    await("the rotated key accepted once the keys are fetched again").atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(100)).ignoreException(InvalidTokenException.class)
        .until(() -> tokens.verify(token).userId().equals("rotated-user"));
    assertThat(tokens.verify(idp.rs256("u1")).userId()).as("the old keys still work").isEqualTo("u1");
  }

  /** Issue 16: the provider down later must not sign everyone out: the cached keys keep working. */
  @Test
  void whenTheEndpointGoesDownLaterTheCachedKeysKeepWorkingPastTheCacheLifetime() {
    ProviderTokens tokens = open(FAST);
    String token = idp.es256("steady");
    assertThat(tokens.verify(token).userId()).isEqualTo("steady");
    idp.down(true);
    // Each poll verifies (a refusal fails the test at once); it ends once the cache expired and a fetch failed.
    await("a failed fetch of the expired cache").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
        .until(() -> {
          assertThat(tokens.verify(token).userId()).as("accepted while the provider is down").isEqualTo("steady");
          return idp.failedRequests() > 0;
        });
    assertThat(tokens.verify(idp.rs256("another")).userId()).as("after the failed fetch, on the last keys").isEqualTo("another");
  }

  /** Past the outage allowance the last keys are dropped: a token is refused as unverifiable, not as forged. */
  @Test
  void pastTheOutageAllowanceTokensAreRefusedAsKeysUnavailable() {
    ProviderTokens tokens = open(new ProviderTokens.Timing(Duration.ofMillis(1000), Duration.ofMillis(200),
        Duration.ofMillis(1500), Duration.ofSeconds(1)));
    String token = idp.rs256("patient");
    assertThat(tokens.verify(token).userId()).isEqualTo("patient");
    idp.down(true);
    await("the last keys dropped after the outage allowance").atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(200)).until(() -> {
          try {
            tokens.verify(token);
            return false;
          } catch (InvalidTokenException e) {
            assertThat(e.code()).as("why, once the keys are gone (%s)", e.getMessage()).isEqualTo("keys_unavailable");
            return true;
          }
        });
  }

  @Test
  void theEndpointDownAtStartIsADependencyFailureNamingOnlyTheHost() throws Exception {
    idp.down(true);
    assertThatThrownBy(() -> open(ProviderTokens.DEFAULT_TIMING)).isInstanceOfSatisfying(DependencyException.class, e -> {
      assertThat(e.getMessage()).contains("http://127.0.0.1:", "503").doesNotContain("/keys", IdentityProvider.URL_SECRET);
      assertThat(e.settings()).containsExactly("AUTH_JWKS_URL");
    });
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    String refused = "http://127.0.0.1:" + closed + "/keys?" + IdentityProvider.URL_SECRET;
    assertThatThrownBy(() -> ProviderTokens.open(settings(refused), Duration.ofSeconds(2)))
        .isInstanceOfSatisfying(DependencyException.class, e -> assertThat(e.getMessage())
            .contains("127.0.0.1:" + closed, "Connection refused").doesNotContain(IdentityProvider.URL_SECRET));
  }

  @Test
  void aUrlThatAnswersSomethingOtherThanSigningKeysIsAConfigurationError() throws Exception {
    idp.publish(new RSAKeyGenerator(2048).keyID("enc").keyUse(KeyUse.ENCRYPTION).generate());
    assertThatThrownBy(() -> open(ProviderTokens.DEFAULT_TIMING)).isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("none of them an RSA or EC P-256 signing key");
  }

  /** HS256 and the provider's tokens side by side, picked by alg: neither is ever tried with the other's key. */
  @Test
  void theAuthenticatorPicksTheVerifierByAlgorithm() throws Exception {
    ProviderTokens provider = open(ProviderTokens.DEFAULT_TIMING);
    Tokens own = new Tokens(SigningKey.load(ai.netra.config.Settings.read(java.util.Map.of("JWT_SECRET_KEY",
        "authenticator-secret-0123456789abcdefghijkl"))));
    Authenticator both = new Authenticator(Optional.of(own), Optional.of(provider));
    assertThat(both.verify(own.mint("dev", Duration.ofHours(12))).userId()).as("a development token").isEqualTo("dev");
    assertThat(both.verify(idp.rs256("idp-user")).userId()).isEqualTo("idp-user");

    Authenticator providerOnly = new Authenticator(Optional.empty(), Optional.of(provider));
    assertThatThrownBy(() -> providerOnly.verify(own.mint("dev", Duration.ofHours(1))))
        .isInstanceOfSatisfying(InvalidTokenException.class, e -> assertThat(e.getMessage())
            .isEqualTo("the token must be signed with RS256 or ES256 (was HS256)"));
    Authenticator ownOnly = new Authenticator(Optional.of(own), Optional.empty());
    assertThatThrownBy(() -> ownOnly.verify(idp.es256("idp-user")))
        .isInstanceOfSatisfying(InvalidTokenException.class, e -> assertThat(e.code()).isEqualTo("unsupported_algorithm"));
  }
}

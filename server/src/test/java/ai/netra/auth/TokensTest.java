package ai.netra.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.netra.config.Settings;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.PlainHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class TokensTest {

  /** 64 bytes, so the same key can also sign the HS512 token the verifier must refuse. */
  private static final String SECRET = "test-secret-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNO";
  private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");

  private static SigningKey key(String secret) {
    try {
      return SigningKey.load(Settings.read(Map.of("JWT_SECRET_KEY", secret)));
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  private static Tokens tokensAt(Instant now) {
    return new Tokens(key(SECRET), Clock.fixed(now, ZoneOffset.UTC));
  }

  private final Tokens tokens = tokensAt(NOW);

  private static String signed(JWSSigner signer, JWSAlgorithm alg, JWTClaimsSet claims) throws Exception {
    SignedJWT jwt = new SignedJWT(new JWSHeader(alg), claims);
    jwt.sign(signer);
    return jwt.serialize();
  }

  private static JWTClaimsSet.Builder validClaims() {
    return new JWTClaimsSet.Builder().subject("u1").issueTime(Date.from(NOW)).expirationTime(Date.from(NOW.plusSeconds(3600)));
  }

  private static String b64(String s) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  /** Asserts the refusal's code and that its message quotes neither the token nor the key. */
  private static void refused(String token, ThrowingCallable call, String code, String why) {
    assertThatThrownBy(call).as(why)
        .isInstanceOfSatisfying(InvalidTokenException.class, e -> {
          assertThat(e.code()).as(why + ": reason code").isEqualTo(code);
          assertThat(e.getMessage()).as("the refusal message never quotes the key").doesNotContain(SECRET);
          if (token != null && token.length() > 8) {
            assertThat(e.getMessage()).as("the refusal message never quotes the token").doesNotContain(token);
            for (String part : token.split("\\.")) {
              if (part.length() > 8) {
                assertThat(e.getMessage()).as("the refusal message never quotes a part of the token").doesNotContain(part);
              }
            }
          }
          assertThat(e.getCause()).as("no cause that could carry parser text").isNull();
        });
  }

  private void refusedByVerify(String token, String code, String why) {
    refused(token, () -> tokens.verify(token), code, why);
  }

  @Test
  void mintedTokenVerifiesToItsUserAndExpiry() throws Exception {
    String token = tokens.mint("user-42", Duration.ofHours(12));
    Identity identity = tokens.verify(token);
    assertThat(identity.userId()).as("user the token speaks for").isEqualTo("user-42");
    assertThat(identity.expiresAt()).as("expiry = issue time + ttl").isEqualTo(NOW.plus(Duration.ofHours(12)));

    SignedJWT parsed = SignedJWT.parse(token);
    assertThat(parsed.getHeader().getAlgorithm()).as("signing algorithm").isEqualTo(JWSAlgorithm.HS256);
    JWTClaimsSet claims = parsed.getJWTClaimsSet();
    assertThat(claims.getIssuer()).as("iss").isEqualTo("netra");
    assertThat(claims.getSubject()).as("sub").isEqualTo("user-42");
    assertThat(claims.getIssueTime().toInstant()).as("iat").isEqualTo(NOW);
    assertThat(claims.getExpirationTime().toInstant()).as("exp").isEqualTo(NOW.plus(Duration.ofHours(12)));
  }

  @Test
  void tokenVerifiesOnAnotherInstanceWithTheSameKey() {
    String token = tokens.mint("u1", Duration.ofMinutes(5));
    Tokens other = new Tokens(key(SECRET), Clock.fixed(NOW.plusSeconds(60), ZoneOffset.UTC));
    assertThat(other.verify(token).userId()).as("another instance sharing JWT_SECRET_KEY accepts the token").isEqualTo("u1");
  }

  @Test
  void mintingRefusesABlankUserOrANonPositiveLifetime() {
    assertThatThrownBy(() -> tokens.mint(" ", Duration.ofHours(1))).as("blank user").isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> tokens.mint("u1", Duration.ZERO)).as("zero ttl").isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> tokens.mint("u1", Duration.ofSeconds(-1))).as("negative ttl")
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void expiredTokenIsRefusedOnceTheClockSkewHasPassed() {
    String token = tokensAt(NOW.minus(Duration.ofHours(2))).mint("u1", Duration.ofHours(1));
    refusedByVerify(token, "expired", "a token that expired an hour ago");

    String justExpired = tokensAt(NOW.minusSeconds(70)).mint("u1", Duration.ofSeconds(60));
    assertThat(tokens.verify(justExpired).userId()).as("expired 10 s ago: within the 30 s clock skew").isEqualTo("u1");

    String expiredBeyondSkew = tokensAt(NOW.minusSeconds(100)).mint("u1", Duration.ofSeconds(60));
    refusedByVerify(expiredBeyondSkew, "expired", "expired 40 s ago: beyond the 30 s clock skew");
  }

  @Test
  void tokenFromTheFutureIsNotYetValid() throws Exception {
    String issuedLater = tokensAt(NOW.plus(Duration.ofMinutes(5))).mint("u1", Duration.ofHours(1));
    refusedByVerify(issuedLater, "not_yet_valid", "a token issued 5 min in the future (iat)");

    String notBefore = signed(new MACSigner(SECRET), JWSAlgorithm.HS256,
        validClaims().notBeforeTime(Date.from(NOW.plus(Duration.ofMinutes(5)))).build());
    refusedByVerify(notBefore, "not_yet_valid", "a token whose nbf is 5 min away");

    String slightlyAhead = tokensAt(NOW.plusSeconds(20)).mint("u1", Duration.ofHours(1));
    assertThat(tokens.verify(slightlyAhead).userId()).as("issued 20 s ahead: within the clock skew").isEqualTo("u1");
  }

  @Test
  void tamperedPayloadFailsTheSignature() {
    String token = tokens.mint("u1", Duration.ofHours(1));
    String[] parts = token.split("\\.");
    String forged = b64("{\"sub\":\"admin\",\"iss\":\"netra\",\"iat\":" + NOW.getEpochSecond() + ",\"exp\":"
        + NOW.plusSeconds(3600).getEpochSecond() + "}");
    refusedByVerify(parts[0] + "." + forged + "." + parts[2], "bad_signature", "payload swapped for another user");

    char last = parts[2].charAt(0);
    String flipped = parts[0] + "." + parts[1] + "." + (last == 'A' ? 'B' : 'A') + parts[2].substring(1);
    refusedByVerify(flipped, "bad_signature", "one signature character changed");
  }

  @Test
  void tokenSignedWithAnotherKeyFailsTheSignature() {
    String token = new Tokens(key("another-secret-that-is-long-enough-for-hs256"), Clock.fixed(NOW, ZoneOffset.UTC))
        .mint("u1", Duration.ofHours(1));
    refusedByVerify(token, "bad_signature", "token signed with a different key");
  }

  @Test
  void algNoneIsRefusedAsUnsupportedWithOrWithoutASignature() {
    String unsigned = new PlainJWT(validClaims().build()).serialize();
    assertThat(unsigned).as("a plain JWT ends with an empty signature").endsWith(".");
    refusedByVerify(unsigned, "unsupported_algorithm", "alg none, empty signature");

    String payload = unsigned.split("\\.")[1];
    String realSignature = tokens.mint("u1", Duration.ofHours(1)).split("\\.")[2];
    refusedByVerify(b64("{\"alg\":\"none\"}") + "." + payload + "." + realSignature, "unsupported_algorithm",
        "alg none with a signature copied from a real token");
    refusedByVerify(b64("{\"alg\":\"None\",\"typ\":\"JWT\"}") + "." + payload + ".", "unsupported_algorithm",
        "alg None in other capitals");
    assertThat(new PlainHeader().getAlgorithm().getName()).as("nimbus's plain header is alg none").isEqualTo("none");
  }

  @Test
  void otherAlgorithmsThanHs256AreRefused() throws Exception {
    String hs512 = signed(new MACSigner(SECRET), JWSAlgorithm.HS512, validClaims().build());
    refusedByVerify(hs512, "unsupported_algorithm", "HS512 signed with the right key");

    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    String rs256 = signed(new RSASSASigner(generator.generateKeyPair().getPrivate()), JWSAlgorithm.RS256, validClaims().build());
    refusedByVerify(rs256, "unsupported_algorithm", "RS256 (the key confusion attack's starting point)");

    String parts = tokens.mint("u1", Duration.ofHours(1));
    String noAlg = b64("{\"typ\":\"JWT\"}") + parts.substring(parts.indexOf('.'));
    refusedByVerify(noAlg, "malformed", "a header without alg");
  }

  @Test
  void tokenWithoutSubjectIsRefused() throws Exception {
    JWTClaimsSet noSub = new JWTClaimsSet.Builder().issuer("netra").issueTime(Date.from(NOW))
        .expirationTime(Date.from(NOW.plusSeconds(3600))).build();
    refusedByVerify(signed(new MACSigner(SECRET), JWSAlgorithm.HS256, noSub), "no_subject", "no sub claim");
    refusedByVerify(signed(new MACSigner(SECRET), JWSAlgorithm.HS256, validClaims().subject(" ").build()), "no_subject",
        "blank sub claim");
  }

  @Test
  void tokenWithoutExpiryIsRefusedAsMalformed() throws Exception {
    JWTClaimsSet noExp = new JWTClaimsSet.Builder().subject("u1").issueTime(Date.from(NOW)).build();
    refusedByVerify(signed(new MACSigner(SECRET), JWSAlgorithm.HS256, noExp), "malformed", "no exp claim: never expires");
  }

  @Test
  void missingAndGarbageTokensAreRefusedWithTheirOwnCodes() {
    refusedByVerify(null, "missing", "null token");
    refusedByVerify("", "missing", "empty token");
    refusedByVerify("   ", "missing", "blank token");
    refusedByVerify("not-a-token", "malformed", "no dots at all");
    refusedByVerify("a.b.c", "malformed", "three parts that are not base64url JSON");
    refusedByVerify("%%%.###.!!!", "malformed", "characters outside base64url");
    refusedByVerify(b64("{\"alg\":\"HS256\"}") + "." + b64("not json") + ".c2ln", "bad_signature",
        "unsigned payload that is not JSON: the signature is checked before the claims are read");
    refusedByVerify(b64("{\"alg\":\"HS256\"}") + ".e30", "malformed", "two parts only");
    refusedByVerify("x".repeat(Tokens.MAX_TOKEN_CHARS + 1), "malformed", "an oversized token");
  }

  @Test
  void signedPayloadThatIsNotAClaimsSetIsMalformed() throws Exception {
    com.nimbusds.jose.JWSObject notClaims = new com.nimbusds.jose.JWSObject(new JWSHeader(JWSAlgorithm.HS256),
        new com.nimbusds.jose.Payload("not json"));
    notClaims.sign(new MACSigner(SECRET));
    refusedByVerify(notClaims.serialize(), "malformed", "correctly signed, but the payload is not JSON");
  }

  @Test
  void shortKeyIsRejectedWhenTheMinterIsBuilt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path key = java.nio.file.Files.writeString(dir.resolve("dev-jwt-secret"), "short");
    java.nio.file.Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    SigningKey shortKey = SigningKey.load(Settings.read(Map.of("NETRA_DATA_DIR", dir.toString())));
    assertThatThrownBy(() -> new Tokens(shortKey)).as("a 5-byte key cannot sign HS256")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("too short")
        .hasMessageNotContaining("short\"");
  }

  // --- finding the token in a request ---

  @Test
  void bearerHeaderCarriesTheToken() {
    String token = tokens.mint("u1", Duration.ofHours(1));
    assertThat(Tokens.fromRequest("Bearer " + token, List.of())).as("Authorization: Bearer <token>")
        .hasValueSatisfying(p -> {
          assertThat(p.token()).isEqualTo(token);
          assertThat(p.subprotocol()).as("no subprotocol offered, none to select").isEmpty();
        });
    assertThat(Tokens.fromRequest("bearer  " + token + " ", null)).as("scheme is case-insensitive, spaces tolerated")
        .hasValueSatisfying(p -> assertThat(p.token()).isEqualTo(token));
    assertThat(Tokens.fromRequest("Basic dXNlcjpwYXNz", null)).as("another scheme carries no token").isEmpty();
    assertThat(Tokens.fromRequest("Bearer ", null)).as("Bearer without a token").isEmpty();
  }

  @Test
  void frontendSubprotocolsCarryTheTokenAndJwtAuthIsSelected() {
    String token = tokens.mint("u1", Duration.ofHours(1));
    assertThat(Tokens.fromRequest(null, List.of("jwt-auth, jwt." + token))).as("jwt-auth, jwt.<token> in one header")
        .hasValueSatisfying(p -> {
          assertThat(p.token()).as("token from jwt.<token>").isEqualTo(token);
          assertThat(p.subprotocol()).as("the protocol to select").contains("jwt-auth");
          assertThat(p.subprotocol().orElseThrow()).as("never the protocol that carries the token").doesNotContain(token);
        });
    assertThat(tokens.verify(Tokens.fromRequest(null, List.of("jwt-auth, jwt." + token)).orElseThrow().token()).userId())
        .as("the extracted token verifies").isEqualTo("u1");
  }

  @Test
  void base64urlWrappedTokenInTheSubprotocolIsUnwrapped() {
    String token = tokens.mint("u1", Duration.ofHours(1));
    String wrapped = b64(token);
    assertThat(wrapped).as("the wrapped form has no dots").doesNotContain(".");
    assertThat(Tokens.fromRequest(null, List.of("jwt-auth, jwt." + wrapped))).as("jwt.<base64url(token)>")
        .hasValueSatisfying(p -> {
          assertThat(p.token()).as("decoded once").isEqualTo(token);
          assertThat(p.subprotocol()).contains("jwt-auth");
        });
    String padded = Base64.getUrlEncoder().encodeToString(token.getBytes(StandardCharsets.UTF_8));
    assertThat(Tokens.fromRequest(null, List.of("jwt-auth", "jwt." + padded)).orElseThrow().token())
        .as("padded base64url is decoded too").isEqualTo(token);
    assertThat(Tokens.fromRequest(null, List.of("jwt-auth, jwt." + b64("hello world"))).orElseThrow().token())
        .as("a value that does not decode to a JWT is passed on as it is, for verify to refuse").isEqualTo(b64("hello world"));
  }

  @Test
  void subprotocolsSpreadOverSeveralHeadersAreAllRead() {
    String token = tokens.mint("u1", Duration.ofHours(1));
    assertThat(Tokens.fromRequest(null, List.of("chat.v1", "jwt." + token + " , x-other", "jwt-auth")))
        .as("three Sec-WebSocket-Protocol headers, one of them a comma list")
        .hasValueSatisfying(p -> {
          assertThat(p.token()).isEqualTo(token);
          assertThat(p.subprotocol()).contains("jwt-auth");
        });
  }

  @Test
  void bearerHeaderWinsAndJwtAuthIsStillSelectedWhenOffered() {
    String fromHeader = tokens.mint("header-user", Duration.ofHours(1));
    String fromProtocol = tokens.mint("protocol-user", Duration.ofHours(1));
    assertThat(Tokens.fromRequest("Bearer " + fromHeader, List.of("jwt-auth, jwt." + fromProtocol)))
        .as("both present: the Authorization header is used")
        .hasValueSatisfying(p -> {
          assertThat(p.token()).isEqualTo(fromHeader);
          assertThat(p.subprotocol()).as("a browser that offered jwt-auth needs it selected").contains("jwt-auth");
        });
  }

  @Test
  void noTokenAnywhereIsEmpty() {
    assertThat(Tokens.fromRequest(null, null)).as("no headers").isEmpty();
    assertThat(Tokens.fromRequest(null, List.of())).as("no protocols").isEmpty();
    assertThat(Tokens.fromRequest("", List.of("jwt-auth"))).as("jwt-auth alone carries no token").isEmpty();
    assertThat(Tokens.fromRequest(null, List.of("jwt-auth, jwt."))).as("jwt. with nothing after it").isEmpty();
    assertThat(Tokens.fromRequest(null, java.util.Arrays.asList(null, " , "))).as("null and empty values").isEmpty();
  }

  @Test
  void tokenTextNeverAppearsInThePresentedTokensToString() {
    String token = tokens.mint("u1", Duration.ofHours(1));
    assertThat(Tokens.fromRequest("Bearer " + token, null).orElseThrow().toString()).as("safe to log")
        .doesNotContain(token);
    assertThat(tokens.toString()).as("Tokens says nothing about the key").doesNotContain(SECRET);
  }

  /** Issue 16: a sub with a newline was accepted; it forged lines in text logs and could confuse the event bus's framing. */
  @Test
  void subjectWithANewlineOrControlCharacterOrOver128CharactersIsRefused() throws Exception {
    for (String sub : new String[] {"alice\nINFO forged line", "alice\r", "tab\there", "nul\u0000", "bell\u0007",
        "del\u007f", "c1\u0085", "line\u2028sep", "zero\u200bwidth", "x".repeat(129)}) {
      refusedByVerify(signed(new MACSigner(SECRET), JWSAlgorithm.HS256, validClaims().subject(sub).build()),
          "invalid_subject", "sub " + sub.replace("\n", "\\n"));
    }
    String longest = "u".repeat(128);
    assertThat(tokens.verify(signed(new MACSigner(SECRET), JWSAlgorithm.HS256, validClaims().subject(longest).build()))
        .userId()).as("128 characters").isEqualTo(longest);
    assertThat(tokens.verify(tokens.mint("auth0|64b1f0c2:ü-ok_~@example.com", Duration.ofHours(1))).userId())
        .as("provider-style ids with punctuation and letters beyond ASCII").isEqualTo("auth0|64b1f0c2:ü-ok_~@example.com");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> tokens.mint("eve\nforged", Duration.ofHours(1)))
        .as("nor is such a token minted").isInstanceOf(IllegalArgumentException.class).hasMessageContaining("U+000A");
  }

  /** Issue 16: lifetimes are capped (AUTH_MAX_TOKEN_LIFETIME_S, 24 h by default), from iat and from now. */
  @Test
  void tokenLivingLongerThanTheCapIsRefusedAndNotMinted() throws Exception {
    refusedByVerify(signed(new MACSigner(SECRET), JWSAlgorithm.HS256, validClaims()
        .expirationTime(Date.from(NOW.plus(Duration.ofHours(24)).plusSeconds(1))).build()), "lifetime_too_long",
        "24 h and 1 s from iat to exp");
    refusedByVerify(signed(new MACSigner(SECRET), JWSAlgorithm.HS256, new JWTClaimsSet.Builder().subject("u1")
        .expirationTime(Date.from(NOW.plus(Duration.ofDays(30)))).build()), "lifetime_too_long",
        "no iat, valid for 30 more days");
    assertThat(tokens.verify(signed(new MACSigner(SECRET), JWSAlgorithm.HS256, validClaims()
        .expirationTime(Date.from(NOW.plus(Duration.ofHours(24)))).build())).userId()).as("exactly 24 h").isEqualTo("u1");
    Tokens hourly = new Tokens(key(SECRET), Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofHours(1));
    String twelveHours = tokens.mint("u1", Duration.ofHours(12));
    refused(twelveHours, () -> hourly.verify(twelveHours), "lifetime_too_long", "12 h under a 1 h cap");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> hourly.mint("u1", Duration.ofHours(12)))
        .as("nor minted").isInstanceOf(IllegalArgumentException.class).hasMessageContaining("AUTH_MAX_TOKEN_LIFETIME_S");
  }

  @Test
  void refusalCodesAreTheDocumentedOnes() {
    assertThat(java.util.Arrays.stream(InvalidTokenException.Reason.values()).map(InvalidTokenException.Reason::code))
        .as("codes a client may see").containsExactly("missing", "malformed", "bad_signature", "expired", "not_yet_valid",
            "unsupported_algorithm", "no_subject", "invalid_subject", "lifetime_too_long", "wrong_issuer", "wrong_audience",
            "unknown_key", "keys_unavailable");
  }
}

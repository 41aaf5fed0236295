package ai.netra.testing;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * A stand-in identity provider for tests: keys it generates (RSA for RS256, EC P-256 for ES256), a
 * JWKS endpoint on 127.0.0.1 (JDK HTTP server) listing the public halves it is told to publish, and
 * tokens signed the way Firebase, Auth0 or Keycloak sign theirs. The endpoint can be taken down (503)
 * and brought back. Always {@link #close() closed} by the test that started it.
 */
public final class IdentityProvider implements AutoCloseable {

  public static final String ISSUER = "https://idp.test.example/realms/netra";
  public static final String AUDIENCE = "netra-api";
  /** The query of the JWKS URL: providers never need one, so a test can check it never reaches a log. */
  public static final String URL_SECRET = "sig=jwks-query-secret-7Qx";

  private final HttpServer server;
  private final List<JWK> published = new CopyOnWriteArrayList<>();
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger failedRequests = new AtomicInteger();
  private volatile boolean down;

  public final RSAKey rsa;
  public final ECKey ec;

  private IdentityProvider() throws Exception {
    rsa = new RSAKeyGenerator(2048).keyID("rsa-1").keyUse(KeyUse.SIGNATURE).generate();
    ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").keyUse(KeyUse.SIGNATURE).generate();
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/keys", exchange -> {
      requests.incrementAndGet();
      byte[] body;
      int status;
      if (down) {
        failedRequests.incrementAndGet();
        status = 503;
        body = "{\"error\":\"down for the test\"}".getBytes(StandardCharsets.UTF_8);
      } else {
        status = 200;
        body = new JWKSet(new ArrayList<>(published)).toPublicJWKSet().toString().getBytes(StandardCharsets.UTF_8);
      }
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(status, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
  }

  /** A provider publishing its RSA and EC keys. */
  public static IdentityProvider start() {
    try {
      IdentityProvider idp = new IdentityProvider();
      idp.publish(idp.rsa, idp.ec);
      return idp;
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the test identity provider", e);
    }
  }

  /** The JWKS URL, with a query that must never be logged. */
  public String jwksUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/keys?" + URL_SECRET;
  }

  /** Replaces the published keys (their public halves). */
  public void publish(JWK... keys) {
    published.clear();
    published.addAll(List.of(keys));
  }

  /** Every JWKS request so far, failed ones included. */
  public int requests() {
    return requests.get();
  }

  /** The JWKS requests answered 503 while down. */
  public int failedRequests() {
    return failedRequests.get();
  }

  /** Answers 503 from now on ({@code true}), or the keys again. */
  public void down(boolean down) {
    this.down = down;
  }

  /** Claims as the provider issues them: iss, aud, sub, iat now, exp in an hour. */
  public static JWTClaimsSet.Builder claims(String subject) {
    Instant now = Instant.now();
    return new JWTClaimsSet.Builder().issuer(ISSUER).audience(AUDIENCE).subject(subject).issueTime(Date.from(now))
        .expirationTime(Date.from(now.plus(Duration.ofHours(1))));
  }

  /** An RS256 token for {@code subject}. */
  public String rs256(String subject) {
    return sign(rsa, claims(subject).build());
  }

  /** An ES256 token for {@code subject}. */
  public String es256(String subject) {
    return sign(ec, claims(subject).build());
  }

  /** An RS256 token with the provider's claims changed by {@code change}. */
  public String rs256(String subject, UnaryOperator<JWTClaimsSet.Builder> change) {
    return sign(rsa, change.apply(claims(subject)).build());
  }

  /** {@code claims} signed by {@code key} (RS256 for RSA, ES256 for EC), the key's kid in the header. */
  public static String sign(JWK key, JWTClaimsSet claims) {
    try {
      boolean isRsa = key instanceof RSAKey;
      SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(isRsa ? JWSAlgorithm.RS256 : JWSAlgorithm.ES256)
          .keyID(key.getKeyID()).type(JOSEObjectType.JWT).build(), claims);
      jwt.sign(isRsa ? new RSASSASigner((RSAKey) key) : new ECDSASigner((ECKey) key));
      return jwt.serialize();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}

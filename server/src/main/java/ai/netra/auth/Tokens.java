package ai.netra.auth;

import ai.netra.auth.InvalidTokenException.Reason;
import ai.netra.config.AuthSettings;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/** Mints and verifies the HS256 JWTs that authenticate chat sockets and API calls. */
public final class Tokens implements TokenVerifier {

  /** The {@code iss} of every minted token. Not required on verify: the shared key is the trust. */
  public static final String ISSUER = "netra";
  /** The subprotocol a browser offers beside {@code jwt.<token>}; the only one the server selects. */
  public static final String AUTH_SUBPROTOCOL = "jwt-auth";
  /** How far apart the clocks of the minter and this instance may be. */
  public static final Duration CLOCK_SKEW = Duration.ofSeconds(30);

  static final String TOKEN_SUBPROTOCOL_PREFIX = "jwt.";
  /** Far above any real token; refuses megabyte "tokens" before any base64 or JSON work. */
  static final int MAX_TOKEN_CHARS = 8 * 1024;
  private static final Pattern LOOKS_LIKE_JWT = Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");
  private static final Pattern BASE64URL = Pattern.compile("[A-Za-z0-9_-]+={0,2}");
  private static final Pattern BEARER = Pattern.compile("(?i)bearer[ \\t]+(\\S+)[ \\t]*");

  private final MACSigner signer;
  private final MACVerifier verifier;
  private final Clock clock;
  private final ClaimRules rules;

  public Tokens(SigningKey key) {
    this(key, Clock.systemUTC());
  }

  public Tokens(SigningKey key, Clock clock) {
    this(key, clock, AuthSettings.DEFAULT_MAX_TOKEN_LIFETIME);
  }

  /**
   * @param maxLifetime the longest a token may live ({@code AUTH_MAX_TOKEN_LIFETIME_S}): longer ones are neither
   *     minted nor accepted
   * @throws IllegalArgumentException when the key is shorter than HS256's 256 bits
   */
  public Tokens(SigningKey key, Clock clock, Duration maxLifetime) {
    Objects.requireNonNull(key, "key");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.rules = new ClaimRules(maxLifetime);
    byte[] secret = key.bytes();
    try {
      this.signer = new MACSigner(secret);
      this.verifier = new MACVerifier(secret);
    } catch (JOSEException e) {
      throw new IllegalArgumentException("the signing key from " + key.source() + " is too short for HS256 ("
          + secret.length + " bytes, at least 32 needed)");
    }
  }

  /**
   * A token for {@code userId} with {@code sub}, {@code iat} (now, whole seconds), {@code exp}
   * ({@code iat + ttl}) and {@code iss} {@value #ISSUER}.
   *
   * @throws IllegalArgumentException when {@code userId} is blank or not a printable identifier, or {@code ttl}
   *     is not positive or longer than the service accepts
   */
  public String mint(String userId, Duration ttl) {
    if (userId == null || userId.isBlank()) {
      throw new IllegalArgumentException("a token needs a user id");
    }
    try {
      ClaimRules.requirePrintable(userId);
    } catch (InvalidTokenException e) {
      throw new IllegalArgumentException(e.getMessage().replace("the token's user (sub claim)", "the user id"));
    }
    if (ttl == null || ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("a token's lifetime must be positive, was " + ttl);
    }
    if (ttl.compareTo(rules.maxLifetime()) > 0) {
      throw new IllegalArgumentException("a token's lifetime of " + ttl.toSeconds() + " s is over the "
          + rules.maxLifetime().toSeconds() + " s the service accepts (AUTH_MAX_TOKEN_LIFETIME_S)");
    }
    Instant issued = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    JWTClaimsSet claims = new JWTClaimsSet.Builder()
        .subject(userId)
        .issuer(ISSUER)
        .issueTime(Date.from(issued))
        .expirationTime(Date.from(issued.plus(ttl)))
        .build();
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build(), claims);
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("HS256 signing failed", e);
    }
    return jwt.serialize();
  }

  /** The checks every verifier makes first, whoever signed the token: there is one, and it is not oversized. */
  static void requirePresentAndBounded(String token) {
    if (token == null || token.isBlank()) {
      throw new InvalidTokenException(Reason.MISSING);
    }
    if (token.length() > MAX_TOKEN_CHARS) {
      throw new InvalidTokenException(Reason.MALFORMED, "the token is longer than " + MAX_TOKEN_CHARS + " characters");
    }
  }

  /**
   * The identity {@code token} speaks for. Checks, in order: present, well formed, algorithm
   * HS256 (anything else, {@code none} included, is refused before the signature is looked at),
   * signature (constant time), {@code exp} present and not passed, {@code nbf}/{@code iat} not in
   * the future, {@code sub} a printable identifier, a lifetime within the cap; times allow {@link #CLOCK_SKEW}.
   *
   * @throws InvalidTokenException with the first check that failed
   */
  @Override
  public Identity verify(String token) {
    requirePresentAndBounded(token);
    requireHs256(token);
    SignedJWT jwt;
    JWTClaimsSet claims;
    try {
      jwt = SignedJWT.parse(token);
    } catch (ParseException e) {
      throw new InvalidTokenException(Reason.MALFORMED);
    }
    try {
      if (!jwt.verify(verifier)) {
        throw new InvalidTokenException(Reason.BAD_SIGNATURE);
      }
    } catch (JOSEException | IllegalStateException e) {
      throw new InvalidTokenException(Reason.BAD_SIGNATURE);
    }
    try {
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      throw new InvalidTokenException(Reason.MALFORMED, "the token's claims are not a valid JWT claims set");
    }
    Instant now = clock.instant();
    Date exp = claims.getExpirationTime();
    if (exp == null) {
      throw new InvalidTokenException(Reason.MALFORMED, "the token has no expiry (exp claim)");
    }
    Instant expiresAt = exp.toInstant();
    if (now.isAfter(expiresAt.plus(CLOCK_SKEW))) {
      throw new InvalidTokenException(Reason.EXPIRED, "the token expired at " + expiresAt);
    }
    Instant latestStart = now.plus(CLOCK_SKEW);
    Date nbf = claims.getNotBeforeTime();
    Date iat = claims.getIssueTime();
    if (nbf != null && nbf.toInstant().isAfter(latestStart)) {
      throw new InvalidTokenException(Reason.NOT_YET_VALID, "the token is not valid before " + nbf.toInstant());
    }
    if (iat != null && iat.toInstant().isAfter(latestStart)) {
      throw new InvalidTokenException(Reason.NOT_YET_VALID, "the token was issued in the future (" + iat.toInstant()
          + "); check the clocks");
    }
    String subject;
    try {
      subject = claims.getStringClaim("sub");
    } catch (ParseException e) {
      throw new InvalidTokenException(Reason.INVALID_SUBJECT, "the token's user (sub claim) is not a string");
    }
    return rules.identity(subject, iat == null ? null : iat.toInstant(), expiresAt, now, CLOCK_SKEW);
  }

  /**
   * Reads the header's {@code alg} without nimbus's typed parsers, which reject {@code none} as
   * "not a JWS" and would report an algorithm attack as a mere malformed token.
   */
  private static void requireHs256(String token) {
    String alg = algorithm(token);
    if (!JWSAlgorithm.HS256.getName().equals(alg)) {
      throw new InvalidTokenException(Reason.UNSUPPORTED_ALGORITHM, "the token must be signed with HS256" + shown(alg));
    }
  }

  /** {@code alg}, as the client wrote it, in a refusal: only when it is a short plain word. */
  static String shown(String alg) {
    return alg.matches("[A-Za-z0-9+_-]{1,16}") ? " (was " + alg + ")" : "";
  }

  /**
   * The {@code alg} of the token's header, unverified.
   *
   * @throws InvalidTokenException when the header cannot be read or names no algorithm
   */
  static String algorithm(String token) {
    int dot = token.indexOf('.');
    if (dot <= 0) {
      throw new InvalidTokenException(Reason.MALFORMED);
    }
    String alg;
    try {
      String header = new Base64URL(token.substring(0, dot)).decodeToString();
      Map<String, Object> json = JSONObjectUtils.parse(header);
      alg = JSONObjectUtils.getString(json, "alg");
    } catch (ParseException | RuntimeException e) {
      throw new InvalidTokenException(Reason.MALFORMED, "the token's header is not valid JSON");
    }
    if (alg == null) {
      throw new InvalidTokenException(Reason.MALFORMED, "the token's header names no algorithm (alg)");
    }
    return alg;
  }

  /**
   * The token a request presents: {@code Authorization: Bearer <token>} first, otherwise the
   * {@code jwt.<token>} entry of the offered {@code Sec-WebSocket-Protocol} values (the original
   * frontend offers {@code jwt-auth, jwt.<token>}, the token possibly base64url-encoded once more;
   * it is decoded when the decoded text looks like a JWT). Offered values may be comma-separated
   * and spread over several headers. The subprotocol to select is {@value #AUTH_SUBPROTOCOL} when
   * it was offered, whichever header carried the token, and never the entry carrying the token.
   * Nothing is verified here.
   *
   * @param authorizationHeader the {@code Authorization} header, or null
   * @param offeredProtocols every {@code Sec-WebSocket-Protocol} header value, or null
   * @return empty when no token was presented
   */
  public static Optional<PresentedToken> fromRequest(String authorizationHeader, List<String> offeredProtocols) {
    List<String> offered = splitProtocols(offeredProtocols);
    Optional<String> subprotocol = offered.contains(AUTH_SUBPROTOCOL) ? Optional.of(AUTH_SUBPROTOCOL) : Optional.empty();
    if (authorizationHeader != null) {
      var bearer = BEARER.matcher(authorizationHeader.strip());
      if (bearer.matches()) {
        return Optional.of(new PresentedToken(bearer.group(1), subprotocol));
      }
    }
    for (String protocol : offered) {
      if (protocol.startsWith(TOKEN_SUBPROTOCOL_PREFIX) && protocol.length() > TOKEN_SUBPROTOCOL_PREFIX.length()) {
        return Optional.of(new PresentedToken(unwrap(protocol.substring(TOKEN_SUBPROTOCOL_PREFIX.length())), subprotocol));
      }
    }
    return Optional.empty();
  }

  private static List<String> splitProtocols(List<String> headerValues) {
    List<String> protocols = new ArrayList<>();
    if (headerValues == null) {
      return protocols;
    }
    for (String value : headerValues) {
      if (value == null) {
        continue;
      }
      for (String part : value.split(",")) {
        String protocol = part.strip();
        if (!protocol.isEmpty()) {
          protocols.add(protocol);
        }
      }
    }
    return protocols;
  }

  /** The token itself when {@code carried} is a base64url-encoded JWT, otherwise {@code carried} unchanged. */
  private static String unwrap(String carried) {
    if (LOOKS_LIKE_JWT.matcher(carried).matches() || carried.length() > MAX_TOKEN_CHARS * 2
        || !BASE64URL.matcher(carried).matches()) {
      return carried;
    }
    try {
      String decoded = new String(Base64.getUrlDecoder().decode(stripPadding(carried)), StandardCharsets.UTF_8).strip();
      return LOOKS_LIKE_JWT.matcher(decoded).matches() ? decoded : carried;
    } catch (IllegalArgumentException e) {
      return carried;
    }
  }

  private static String stripPadding(String s) {
    int end = s.length();
    while (end > 0 && s.charAt(end - 1) == '=') {
      end--;
    }
    return s.substring(0, end);
  }

  @Override
  public String toString() {
    return "Tokens[HS256, iss=" + ISSUER + ", skew=" + CLOCK_SKEW.toSeconds() + "s]";
  }
}

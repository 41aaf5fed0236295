package ai.netra.auth;

import ai.netra.auth.InvalidTokenException.Reason;
import com.nimbusds.jose.JWSAlgorithm;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The tokens this service accepts, picked by the {@code alg} of the token's header before anything
 * else is read: {@code HS256} goes to the service's own key ({@code JWT_SECRET_KEY}, or the development
 * key), {@code RS256} and {@code ES256} to the identity provider's keys ({@code AUTH_JWKS_URL}); any
 * other algorithm, and an algorithm whose verifier is not configured, is refused. A token is never
 * tried against both, so an HS256 token cannot be made with a provider's public key as its secret.
 */
public final class Authenticator implements TokenVerifier {

  private final Optional<Tokens> selfIssued;
  private final Optional<ProviderTokens> provider;

  /** @throws IllegalArgumentException when neither verifier is given: no token could ever be accepted */
  public Authenticator(Optional<Tokens> selfIssued, Optional<ProviderTokens> provider) {
    this.selfIssued = Objects.requireNonNull(selfIssued, "selfIssued");
    this.provider = Objects.requireNonNull(provider, "provider");
    if (selfIssued.isEmpty() && provider.isEmpty()) {
      throw new IllegalArgumentException("no token verifier: set JWT_SECRET_KEY or AUTH_JWKS_URL");
    }
  }

  /** The HS256 tokens, to mint with; empty when only the identity provider's tokens are accepted. */
  public Optional<Tokens> selfIssued() {
    return selfIssued;
  }

  @Override
  public Identity verify(String token) {
    Tokens.requirePresentAndBounded(token);
    String alg = Tokens.algorithm(token);
    if (JWSAlgorithm.HS256.getName().equals(alg) && selfIssued.isPresent()) {
      return selfIssued.get().verify(token);
    }
    if ((JWSAlgorithm.RS256.getName().equals(alg) || JWSAlgorithm.ES256.getName().equals(alg)) && provider.isPresent()) {
      return provider.get().verify(token);
    }
    throw new InvalidTokenException(Reason.UNSUPPORTED_ALGORITHM, "the token must be signed with " + accepted()
        + Tokens.shown(alg));
  }

  private String accepted() {
    List<String> names = new ArrayList<>();
    selfIssued.ifPresent(t -> names.add("HS256"));
    provider.ifPresent(p -> names.addAll(List.of("RS256", "ES256")));
    return names.size() == 1 ? names.getFirst() : String.join(", ", names.subList(0, names.size() - 1)) + " or "
        + names.getLast();
  }

  @Override
  public String toString() {
    return "Authenticator[" + selfIssued.map(Tokens::toString).orElse("no HS256") + ", "
        + provider.map(ProviderTokens::toString).orElse("no identity provider") + "]";
  }
}

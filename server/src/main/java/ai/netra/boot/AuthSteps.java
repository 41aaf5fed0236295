package ai.netra.boot;

import static ai.netra.config.SettingNames.AUTH_AUDIENCE;
import static ai.netra.config.SettingNames.AUTH_ISSUER;
import static ai.netra.config.SettingNames.AUTH_JWKS_URL;
import static ai.netra.config.SettingNames.JWT_SECRET_KEY;

import ai.netra.auth.ProviderTokens;
import ai.netra.auth.SigningKey;
import ai.netra.auth.Tokens;
import ai.netra.config.AuthSettings;
import ai.netra.config.Environment;
import ai.netra.config.SettingNames;
import ai.netra.config.Settings;
import ai.netra.startup.Step;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DEPENDENCIES phase: the keys tokens are verified with. The HS256 key ({@code JWT_SECRET_KEY}, or the
 * development key), and, when {@code AUTH_JWKS_URL} is set, the identity provider's keys, fetched like any
 * dependency: critical, with its own timeout ({@code STARTUP_TIMEOUT_JWKS_S}) and retries within it.
 */
final class AuthSteps {

  private static final Logger log = LoggerFactory.getLogger(AuthSteps.class);

  /** The component of the JWKS step: its timeout is {@code STARTUP_TIMEOUT_JWKS_S}. */
  static final String JWKS = "jwks";

  private AuthSteps() { }

  static List<Step> dependencies(BackendPlan p) {
    Settings settings = p.settings;
    AuthSettings auth = settings.auth();
    List<Step> steps = new ArrayList<>();
    steps.add(Step.critical("signing-key", "auth").settings(JWT_SECRET_KEY).run(context -> {
      if (settings.jwtSecret() == null && settings.environment() != Environment.DEVELOPMENT && auth.provider()) {
        context.detail("no JWT_SECRET_KEY: HS256 tokens are refused, only the identity provider's are accepted");
        return;
      }
      SigningKey key = SigningKey.load(settings);
      p.selfIssued.set(new Tokens(key, Clock.systemUTC(), auth.maxTokenLifetime()));
      context.detail("HS256 key from " + key.source());
    }));
    if (auth.provider()) {
      steps.add(Step.critical("jwks", JWKS)
          .settings(AUTH_JWKS_URL, AUTH_ISSUER, AUTH_AUDIENCE, SettingNames.startupTimeout(JWKS))
          .retry(DependencySteps.CONNECT_RETRY)
          .run(context -> {
            ProviderTokens keys = p.provider.set(ProviderTokens.open(auth, context.remaining()));
            String count = keys.keys() + " RS256/ES256 signing key" + (keys.keys() == 1 ? "" : "s");
            // The report is public (/health/startup): where the keys come from, and for whom, goes to the log only.
            log.info("identity provider: {} from {}; tokens must carry iss {} and aud {}", count, auth.jwksOrigin(),
                auth.issuer(), String.join(" or ", auth.audiences().stream().sorted().toList()));
            context.detail(count + " from the identity provider");
          }));
    }
    return steps;
  }
}

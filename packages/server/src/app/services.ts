import type { Logger } from 'pino';
import type { AppConfig } from '../config/index.js';
import type { Database } from '../infra/db.js';
import type { Metrics } from '../infra/metrics.js';
import { SigningWorker } from '../infra/signing-worker.js';
import type { Store } from '../infra/store/index.js';
import { ClientRepo } from '../repo/clients.js';
import { ConsentRepo } from '../repo/consents.js';
import { KeyRepo } from '../repo/keys.js';
import { RefreshTokenRepo } from '../repo/refresh-tokens.js';
import { UserRepo } from '../repo/users.js';
import { Userinfo } from '../service/accounts/userinfo.js';
import { UserService } from '../service/accounts/users.js';
import { AuthorizationRequests } from '../service/authorization/authorization-request.js';
import { ClientAssertionVerifier } from '../service/clients/client-assertion.js';
import { ClientAuthentication } from '../service/clients/client-authentication.js';
import { ClientService } from '../service/clients/clients.js';
import { ConsentService } from '../service/consent/consent.js';
import { derivePurposeKeys } from '../service/crypto/purpose-keys.js';
import { DeviceRequests } from '../service/device/device-requests.js';
import { UserCodeGuesses } from '../service/device/user-code-guesses.js';
import { AuthorizationCodeGrant } from '../service/grants/authorization-code.js';
import { ClientCredentialsGrant } from '../service/grants/client-credentials.js';
import { DeviceCodeGrant } from '../service/grants/device-code.js';
import { RefreshTokenGrant } from '../service/grants/refresh-token.js';
import { GrantRegistry } from '../service/grants/registry.js';
import { CLOCK_SKEW_SECS, KEY_RELOAD_INTERVAL_SECS, KeyService } from '../service/keys/keys.js';
import { PasswordSignIn } from '../service/sign-in/password-sign-in.js';
import { claimOnce } from '../service/single-use.js';
import { AccessTokens } from '../service/tokens/access-tokens.js';
import { GrantRevocation } from '../service/tokens/grant-revocation.js';
import { IdTokenHints } from '../service/tokens/id-token-hint.js';
import { Introspection } from '../service/tokens/introspection.js';
import { RefreshTokens } from '../service/tokens/refresh-tokens.js';
import { Revocation } from '../service/tokens/revocation.js';
import { RotationGrace } from '../service/tokens/rotation-grace.js';
import { UserTokens } from '../service/tokens/user-tokens.js';

/** Every service, each built with only what it uses. */
export type Services = ReturnType<typeof createServices>;

/**
 * Builds the services over an open database and store: the one place that knows how they fit together.
 * With `metrics`, sign-ins and lockouts are counted there.
 */
export function createServices(
  config: AppConfig,
  database: Database,
  store: Store,
  logger: Logger,
  metrics?: Pick<Metrics, 'signIns' | 'signInLockouts'>,
) {
  const { issuer } = config.oauth;
  const secret = config.security.jwt_secret;
  const purposeKeys = derivePurposeKeys(secret);
  const accessTokenTtlSecs = config.oauth.access_token_ttl_secs;
  const refreshTokenTtlSecs = config.oauth.refresh_token_ttl_secs;
  const scopesSupported = config.oauth.scopes_supported;

  const keys = new KeyService(new KeyRepo(database.db), secret, {
    publishDelaySecs: config.oauth.key_publish_delay_secs,
    // Access and ID tokens share the access-token lifetime. A node may go on signing with a retired key until
    // its next reload, and retired_at is one node's clock: reload interval + clock skew on top.
    retiredKeySecs: accessTokenTtlSecs + KEY_RELOAD_INTERVAL_SECS + CLOCK_SKEW_SECS,
    onReloadError: (err) => logger.warn({ err }, 'signing key reload failed; the keys loaded before stay'),
  });
  const clients = new ClientService(new ClientRepo(database.db));
  const clientAuthentication = new ClientAuthentication(
    clients,
    new ClientAssertionVerifier({
      issuer,
      // The client id's length keeps `a:b` + `c` and `a` + `b:c` apart.
      claimJti: (clientId, jti, exp) =>
        claimOnce(store, 'client_assertion', `${clientId.length}:${clientId}:${jti}`, exp),
    }),
  );
  const users = new UserService(new UserRepo(database.db));
  const signer = new SigningWorker();
  const accessTokens = new AccessTokens(keys, store, signer, { issuer, accessTokenTtlSecs });
  const refreshTokenRepo = new RefreshTokenRepo(database.db);
  const revocation = new GrantRevocation(accessTokens, refreshTokenRepo, {
    refreshTokenTtlSecs,
    accessTokenTtlSecs,
  });
  const rotationGrace = new RotationGrace(store, config.oauth.refresh_token_reuse_grace_secs);
  const refreshTokens = new RefreshTokens(refreshTokenRepo, revocation, users, rotationGrace, {
    issuer,
    refreshTokenTtlSecs,
  });
  const userTokens = new UserTokens(users, keys, {
    issuer,
    accessTokenTtlSecs,
    sessionIdKey: purposeKeys.sessionId,
  });
  const deviceRequests = new DeviceRequests(store, { issuer, scopesSupported });
  const authorizationCodes = new AuthorizationCodeGrant(store, userTokens, refreshTokens, revocation, {
    codeTtlSecs: config.oauth.authorization_code_ttl_secs,
    grantIdKey: purposeKeys.grantId,
  });
  const idTokenHints = new IdTokenHints(keys, clients, issuer);

  return {
    purposeKeys,
    keys,
    clients,
    clientAuthentication,
    users,
    consents: new ConsentService(new ConsentRepo(database.db), store),
    accessTokens,
    refreshTokens,
    grantRevocation: revocation,
    // The token endpoint's grants, in the order the metadata lists them (grant_types_supported).
    grants: new GrantRegistry([
      new ClientCredentialsGrant(accessTokens, issuer),
      authorizationCodes,
      new RefreshTokenGrant(refreshTokens, userTokens),
      new DeviceCodeGrant(deviceRequests, userTokens, refreshTokens),
    ]),
    authorizationCodes,
    authorizationRequests: new AuthorizationRequests(clients, idTokenHints, scopesSupported),
    deviceRequests,
    userCodeGuesses: new UserCodeGuesses(store),
    introspection: new Introspection(accessTokens, refreshTokens, users),
    revocation: new Revocation(accessTokens, refreshTokens),
    userinfo: new Userinfo(accessTokens, users),
    signIn: new PasswordSignIn(
      store,
      users,
      metrics && {
        signIn: (outcome) => metrics.signIns.inc({ outcome }),
        lockout: (limit) => metrics.signInLockouts.inc({ limit }),
      },
    ),
    idTokenHints,
    /** Stops the signing worker's thread. */
    close: () => signer.close(),
  };
}

import { readEnv } from './config/env.js';
import { OPTIONAL_ENDPOINT_FIELDS, validateConfig } from './config/schema.js';
import type { OAuth2ClientConfig } from './config/types.js';
import { ConfigurationError } from './errors/index.js';
import { type AuthorizationCodeFlow, createAuthorizationCodeFlow } from './flows/authorization-code.js';
import { type ClientCredentialsFlow, createClientCredentialsFlow } from './flows/client-credentials.js';
import { createDeviceFlow, type DeviceFlow } from './flows/device.js';
import { createIntrospectionFlow, type IntrospectionFlow } from './flows/introspection.js';
import { type RefreshOptions, refreshToken, validateRefreshedIdToken } from './flows/refresh.js';
import { createRevocationFlow, type RevocationFlow } from './flows/revocation.js';
import { fetchUserinfo, type UserinfoOptions } from './flows/userinfo.js';
import type { ClientContext } from './http/context.js';
import { createFetchTransport, DEFAULT_TIMEOUT_SECS } from './http/fetch-transport.js';
import type { Transport } from './http/transport.js';
import { discover } from './oidc/discovery.js';
import type { StateStore } from './oidc/state-store.js';
import { DEFAULT_RATE_LIMIT_MAX_WAIT_MS, ifNotSentRetryBudget, withResilience } from './resilience/index.js';
import { storageFromEnv } from './storage/from-env.js';
import { MemoryTokenStorage } from './storage/memory-storage.js';
import { RedisTokenStorage } from './storage/redis-storage.js';
import { withHttpTelemetry } from './telemetry/http-telemetry.js';
import { tokenMetricsHooks } from './telemetry/token-telemetry.js';
import { TokenManager } from './token/manager.js';
import type { TokenResponse } from './token/records.js';
import { RedisTokenLock } from './token/redis-lock.js';

/** An OAuth 2 / OIDC client bound to one configuration and one transport. */
export interface OAuth2Client {
  readonly config: Readonly<OAuth2ClientConfig>;
  readonly transport: Transport;
  /** Client credentials grant (RFC 6749 §4.4). */
  clientCredentials(): ClientCredentialsFlow;
  /** Refresh token grant (RFC 6749 §6). */
  refresh(refreshToken: string, options?: RefreshOptions): Promise<TokenResponse>;
  /**
   * Validates the ID token of a refresh response (OIDC Core §12.2), for `refresh(token, { validateIdToken:
   * false })`. ProtocolError `invalid_id_token` when it is invalid; the transport's NetworkError or
   * ProviderError when the signing keys cannot be fetched.
   */
  validateRefreshedIdToken(response: TokenResponse): Promise<void>;
  /** Token introspection (RFC 7662). */
  introspection(): IntrospectionFlow;
  /** Token revocation (RFC 7009). */
  revocation(): RevocationFlow;
  /** UserInfo request (OIDC Core §5.3); pass `expectedSubject` (the ID token's `sub`) to check it (§5.3.2). */
  userinfo(accessToken: string, options?: UserinfoOptions): Promise<Record<string, unknown>>;
  /** Device authorization grant (RFC 8628). */
  deviceAuthorization(): DeviceFlow;
  /**
   * The token manager: a valid access token per key, refreshed ahead of expiry with one refresh per key
   * however many callers wait. One instance per client.
   */
  tokens(): TokenManager;
  /** Authorization code grant without PKCE (RFC 6749 §4.1), for confidential clients. */
  authorizationCode(options?: { stateStore?: StateStore }): AuthorizationCodeFlow;
  /** Authorization code grant with PKCE S256 (RFC 7636), recommended for every client (RFC 9700 §2.1.1). */
  authorizationCodePkce(options?: { stateStore?: StateStore }): AuthorizationCodeFlow;
  /**
   * Releases what the client opened itself: the Redis connection `createOAuth2ClientFromEnv` creates for
   * `OAUTH2_STORAGE_TYPE=redis`, which otherwise keeps the process alive. A storage, lock or transport
   * passed in the config is never closed. Call it once, when the client is no longer used.
   */
  close(): Promise<void>;
}

/**
 * Creates a client. The config is validated (ConfigurationError naming the field); every endpoint must
 * be HTTPS except loopback.
 */
export function createOAuth2Client(config: OAuth2ClientConfig): OAuth2Client {
  return createClient(config, async () => undefined);
}

/** {@link createOAuth2Client}, with what `close()` must release. */
function createClient(config: OAuth2ClientConfig, close: () => Promise<void>): OAuth2Client {
  validateConfig(config);
  assertDisjointRedisKeys(config);
  const transport = config.transport ?? defaultTransport(config);
  const ctx: ClientContext = { config: { ...config }, transport };
  let manager: TokenManager | undefined;
  return {
    config: ctx.config,
    transport,
    clientCredentials: () => createClientCredentialsFlow(ctx),
    refresh: (token, options) => refreshToken(ctx, token, options),
    validateRefreshedIdToken: (response) => validateRefreshedIdToken(ctx, response),
    introspection: () => createIntrospectionFlow(ctx),
    revocation: () => createRevocationFlow(ctx),
    userinfo: (accessToken, options) => fetchUserinfo(ctx, accessToken, options),
    deviceAuthorization: () => createDeviceFlow(ctx),
    tokens: () => {
      manager ??= createTokenManager(ctx);
      return manager;
    },
    authorizationCode: (options = {}) => createAuthorizationCodeFlow(ctx, { ...options, pkce: false }),
    authorizationCodePkce: (options = {}) => createAuthorizationCodeFlow(ctx, { ...options, pkce: true }),
    close,
  };
}

/**
 * A Redis storage and lock whose key prefixes overlap would share keys: the storage's SCAN (`listKeys`,
 * `clear`) would read lock keys as corrupted tokens and delete other instances' live refresh locks.
 */
function assertDisjointRedisKeys(config: OAuth2ClientConfig): void {
  const { storage, tokenLock } = config;
  if (!(storage instanceof RedisTokenStorage) || !(tokenLock instanceof RedisTokenLock)) return;
  const [a, b] = [storage.keyPrefix, tokenLock.keyPrefix];
  if (a.startsWith(b) || b.startsWith(a)) {
    throw new ConfigurationError(
      'invalid configuration: the keyPrefix of RedisTokenStorage and RedisTokenLock must not overlap (neither may start with the other)',
      { code: 'invalid_configuration' },
    );
  }
}

/**
 * platform fetch → retry → circuit breaker → concurrency limit → rate limiter (`withResilience`), with one
 * telemetry span around the whole exchange. A custom `transport` in the config replaces all of it.
 */
function defaultTransport(config: Partial<OAuth2ClientConfig>): Transport {
  const fetchTransport = createFetchTransport({
    ...(config.fetch ? { fetch: config.fetch } : {}),
    ...(config.timeoutSecs !== undefined ? { timeoutSecs: config.timeoutSecs } : {}),
    ...(config.maxResponseBytes !== undefined ? { maxResponseBytes: config.maxResponseBytes } : {}),
  });
  const resilient =
    config.resilience === false ? fetchTransport : withResilience(fetchTransport, config.resilience ?? {});
  return withHttpTelemetry(resilient, config.telemetry ?? {});
}

/**
 * The token manager of a client. A machine client (`machineClient`, by default any client without a
 * `redirectUri`) gets its tokens from the client credentials grant (RFC 6749 §4.4) instead of a refresh.
 */
function createTokenManager(ctx: ClientContext): TokenManager {
  const { config } = ctx;
  const provider = config.provider ?? config.issuer ?? new URL(config.tokenEndpoint).origin;
  const machineClient = config.machineClient ?? !config.redirectUri;
  const hooks = tokenMetricsHooks(provider, config.telemetry ?? {}, {
    ...(config.onTokenAcquired ? { onTokenAcquired: config.onTokenAcquired } : {}),
    ...(config.onTokenRefreshed ? { onTokenRefreshed: config.onTokenRefreshed } : {}),
    ...(config.onTokenExpired ? { onTokenExpired: config.onTokenExpired } : {}),
  });
  return new TokenManager({
    storage: config.storage ?? new MemoryTokenStorage(),
    endpoint: {
      // Validated apart, so that the manager keeps the rotated refresh token whatever the ID token is.
      refresh: (token) => refreshToken(ctx, token, { validateIdToken: false }),
      validateIdToken: (response) => validateRefreshedIdToken(ctx, response),
      ...(machineClient ? { clientCredentials: () => createClientCredentialsFlow(ctx).requestToken() } : {}),
      ...(config.revocationEndpoint
        ? {
            revoke: (token: string, hint: 'refresh_token' | 'access_token') =>
              createRevocationFlow(ctx).revoke({ token, tokenTypeHint: hint }),
          }
        : {}),
    },
    provider,
    hooks,
    ...(config.logger ? { logger: config.logger } : {}),
    ...(config.tokenLock
      ? { lock: config.tokenLock, lockTtlMs: config.lockTtlMs ?? refreshLockTtlMs(config) }
      : {}),
    ...(config.refreshSkewSecs !== undefined ? { skewSecs: config.refreshSkewSecs } : {}),
  });
}

/** Headroom of the derived lock lifetime over the refresh request: storage calls, JWKS, scheduling. */
const LOCK_MARGIN_MS = 10_000;

/**
 * The longest one refresh request can hold the refresh lock with the default transport: every attempt
 * may run to the timeout, plus the backoffs between them and the wait for a rate-limit permit. A lock
 * shorter than that would let a second instance send the same refresh token (reuse, RFC 9700 §4.14.2).
 * A custom transport's timing is unknown: one timeout is assumed, and the lock's extension covers the rest.
 */
function refreshLockTtlMs(config: OAuth2ClientConfig): number {
  const timeoutMs = (config.timeoutSecs ?? DEFAULT_TIMEOUT_SECS) * 1000;
  const resilience = config.transport || config.resilience === false ? undefined : (config.resilience ?? {});
  if (resilience === undefined) return timeoutMs + LOCK_MARGIN_MS;
  const retry =
    resilience.retry === false ? { attempts: 1, backoffMs: 0 } : ifNotSentRetryBudget(resilience.retry);
  const rateLimitWaitMs =
    resilience.rateLimit === false ? 0 : (resilience.rateLimit?.maxWaitMs ?? DEFAULT_RATE_LIMIT_MAX_WAIT_MS);
  return timeoutMs * retry.attempts + retry.backoffMs + rateLimitWaitMs + LOCK_MARGIN_MS;
}

/** Client credentials and options for {@link createOAuth2ClientFromDiscovery}. */
export type DiscoveryClientOptions = Omit<OAuth2ClientConfig, 'tokenEndpoint' | 'issuer'>;

/**
 * Discovers the issuer's metadata (OIDC Discovery 1.0 / RFC 8414, cached 1 h) and creates a client
 * with its endpoints; explicit options win over discovered endpoints.
 */
export async function createOAuth2ClientFromDiscovery(
  issuer: string,
  credentials: { clientId: string; clientSecret?: string },
  options: Partial<DiscoveryClientOptions> = {},
): Promise<OAuth2Client> {
  const transport = options.transport ?? defaultTransport(options);
  const m = await discover(issuer, { transport });
  const endpoints: Partial<OAuth2ClientConfig> = {};
  for (const key of OPTIONAL_ENDPOINT_FIELDS) {
    const value = m[key];
    if (value) endpoints[key] = value;
  }
  if (m.authorizationResponseIssParameterSupported)
    endpoints.authorizationResponseIssParameterSupported = true;
  return createOAuth2Client({
    ...endpoints,
    ...options,
    ...credentials,
    issuer: m.issuer,
    tokenEndpoint: m.tokenEndpoint,
    transport,
  });
}

/**
 * Creates a client from `OAUTH2_*` environment variables. With `OAUTH2_ISSUER` the endpoints are
 * discovered; otherwise `OAUTH2_TOKEN_ENDPOINT` is required. `OAUTH2_STORAGE_TYPE` (`memory|file|redis`)
 * with `OAUTH2_STORAGE_PATH` / `OAUTH2_STORAGE_KEY` / `OAUTH2_REDIS_URL` choose the token manager's storage.
 * A Redis connection opened here is closed by the client's `close()`, or at once when creating the client
 * fails (discovery, configuration), so a failed start never keeps the process alive.
 */
export async function createOAuth2ClientFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<OAuth2Client> {
  const { config: envConfig, issuer } = readEnv(env);
  const { close = async () => undefined, ...selection } = await storageFromEnv(env);
  const config = { ...envConfig, ...selection };
  try {
    const client = issuer ? await clientFromIssuer(issuer, config) : clientFromEndpoint(config);
    return { ...client, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** What the `OAUTH2_*` variables configure. */
type EnvConfig = Partial<OAuth2ClientConfig> & { clientId: string };

/** The env client of an `OAUTH2_ISSUER`: endpoints discovered (OIDC Discovery 1.0 / RFC 8414). */
function clientFromIssuer(issuer: string, config: EnvConfig): Promise<OAuth2Client> {
  const { clientId, clientSecret, ...rest } = config;
  return createOAuth2ClientFromDiscovery(
    issuer,
    clientSecret ? { clientId, clientSecret } : { clientId },
    rest,
  );
}

/** The env client of an `OAUTH2_TOKEN_ENDPOINT`. */
function clientFromEndpoint(config: EnvConfig): OAuth2Client {
  if (!config.tokenEndpoint) {
    throw new ConfigurationError(
      'invalid configuration: OAUTH2_TOKEN_ENDPOINT or OAUTH2_ISSUER must be set',
      {
        code: 'invalid_configuration',
      },
    );
  }
  return createOAuth2Client({ ...config, tokenEndpoint: config.tokenEndpoint });
}

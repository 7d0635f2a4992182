import { readEnv } from './config/env.js';
import { validateConfig } from './config/schema.js';
import type { OAuth2ClientConfig } from './config/types.js';
import { ConfigurationError } from './errors/index.js';
import { type AuthorizationCodeFlow, createAuthorizationCodeFlow } from './flows/authorization-code.js';
import { type ClientCredentialsFlow, createClientCredentialsFlow } from './flows/client-credentials.js';
import { createDeviceFlow, type DeviceFlow } from './flows/device.js';
import { createIntrospectionFlow, type IntrospectionFlow } from './flows/introspection.js';
import { type RefreshOptions, refreshToken } from './flows/refresh.js';
import { createRevocationFlow, type RevocationFlow } from './flows/revocation.js';
import { fetchUserinfo } from './flows/userinfo.js';
import type { ClientContext } from './http/context.js';
import { createFetchTransport } from './http/fetch-transport.js';
import type { Transport } from './http/transport.js';
import { discover } from './oidc/discovery.js';
import type { StateStore } from './oidc/state-store.js';
import type { TokenResponse } from './token/types.js';

/** An OAuth 2 / OIDC client bound to one configuration and one transport. */
export interface OAuth2Client {
  readonly config: Readonly<OAuth2ClientConfig>;
  readonly transport: Transport;
  /** Client credentials grant (RFC 6749 §4.4). */
  clientCredentials(): ClientCredentialsFlow;
  /** Refresh token grant (RFC 6749 §6). */
  refresh(refreshToken: string, options?: RefreshOptions): Promise<TokenResponse>;
  /** Token introspection (RFC 7662). */
  introspection(): IntrospectionFlow;
  /** Token revocation (RFC 7009). */
  revocation(): RevocationFlow;
  /** UserInfo request (OIDC Core §5.3). */
  userinfo(accessToken: string, options?: { signal?: AbortSignal }): Promise<Record<string, unknown>>;
  /** Device authorization grant (RFC 8628). */
  deviceFlow(): DeviceFlow;
  /** Authorization code grant without PKCE (RFC 6749 §4.1), for confidential clients. */
  authorizationCode(options?: { stateStore?: StateStore }): AuthorizationCodeFlow;
  /** Authorization code grant with PKCE S256 (RFC 7636), recommended for every client (RFC 9700 §2.1.1). */
  authorizationCodePkce(options?: { stateStore?: StateStore }): AuthorizationCodeFlow;
}

/**
 * Creates a client. The config is validated (ConfigurationError naming the field); every endpoint must
 * be HTTPS except loopback.
 */
export function createOAuth2Client(config: OAuth2ClientConfig): OAuth2Client {
  validateConfig(config);
  const transport =
    config.transport ??
    createFetchTransport({
      ...(config.fetch ? { fetch: config.fetch } : {}),
      ...(config.timeoutSecs !== undefined ? { timeoutSecs: config.timeoutSecs } : {}),
      ...(config.maxResponseBytes !== undefined ? { maxResponseBytes: config.maxResponseBytes } : {}),
    });
  const ctx: ClientContext = { config: { ...config }, transport };
  return {
    config: ctx.config,
    transport,
    clientCredentials: () => createClientCredentialsFlow(ctx),
    refresh: (token, options) => refreshToken(ctx, token, options),
    introspection: () => createIntrospectionFlow(ctx),
    revocation: () => createRevocationFlow(ctx),
    userinfo: (accessToken, options) => fetchUserinfo(ctx, accessToken, options),
    deviceFlow: () => createDeviceFlow(ctx),
    authorizationCode: (options = {}) => createAuthorizationCodeFlow(ctx, { ...options, pkce: false }),
    authorizationCodePkce: (options = {}) => createAuthorizationCodeFlow(ctx, { ...options, pkce: true }),
  };
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
  const transport =
    options.transport ??
    createFetchTransport({
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.timeoutSecs !== undefined ? { timeoutSecs: options.timeoutSecs } : {}),
    });
  const m = await discover(issuer, { transport });
  const endpoints: Partial<OAuth2ClientConfig> = {};
  for (const key of [
    'authorizationEndpoint',
    'introspectionEndpoint',
    'revocationEndpoint',
    'userinfoEndpoint',
    'deviceAuthorizationEndpoint',
    'jwksUri',
  ] as const) {
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
 * discovered; otherwise `OAUTH2_TOKEN_ENDPOINT` is required. `OAUTH2_STORAGE_TYPE` / `OAUTH2_STORAGE_PATH`
 * are read by the token manager, not by this protocol client.
 */
export async function createOAuth2ClientFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<OAuth2Client> {
  const { config, issuer } = readEnv(env);
  if (issuer) {
    const { clientId, clientSecret, ...rest } = config;
    return createOAuth2ClientFromDiscovery(
      issuer,
      clientSecret ? { clientId, clientSecret } : { clientId },
      rest,
    );
  }
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

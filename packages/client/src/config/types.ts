import type { CryptoKey, JWK } from 'jose';
import type { Transport } from '../http/transport.js';
import type { ResilienceOptions } from '../resilience/index.js';
import type { TokenStorage } from '../storage/token-storage.js';
import type { Logger } from '../telemetry/logging.js';
import type { TelemetryOptions } from '../telemetry/otel.js';
import type { TokenLock } from '../token/lock.js';
import type { TokenHooks } from '../token/types.js';

/** RFC 6749 §2.3 / OIDC Core §9 client authentication methods. */
export type ClientAuthMethod =
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'client_secret_jwt'
  | 'private_key_jwt'
  | 'none';

/**
 * The provider's endpoints (RFC 8414 §2 / OIDC Discovery 1.0 §3 metadata, camelCased): given in the
 * configuration or found by discovery.
 */
export interface ProviderEndpoints {
  tokenEndpoint: string;
  authorizationEndpoint?: string;
  introspectionEndpoint?: string;
  revocationEndpoint?: string;
  userinfoEndpoint?: string;
  deviceAuthorizationEndpoint?: string;
  jwksUri?: string;
  /** RFC 9207 §3: the server always sends `iss` in authorization responses, so require it. */
  authorizationResponseIssParameterSupported?: boolean;
}

/**
 * Where a provider's responses deviate from the RFCs, as configuration (the presets in
 * `WellKnownProviders` set it); the core has no provider-specific code.
 */
export interface ProtocolCompat {
  /**
   * Another name the provider gives RFC 8628 §3.2 `verification_uri`, read when `verification_uri` is
   * absent. Google's device endpoint sends `verification_url` (golang.org/x/oauth2 reads it too).
   */
  verificationUriField?: string;
  /**
   * Split a token response's `scope` on commas as well as spaces: GitHub answers `"repo,gist"`, where
   * RFC 6749 §3.3 says space-delimited.
   */
  commaSeparatedScopes?: boolean;
}

/** Configuration of {@link createOAuth2Client}. Endpoints must be HTTPS (loopback excepted). */
export interface OAuth2ClientConfig extends ProviderEndpoints {
  clientId: string;
  clientSecret?: string;
  /** Default `client_secret_basic` when a secret is set, else `none` (or `private_key_jwt` with a key). */
  tokenEndpointAuthMethod?: ClientAuthMethod;
  /** Signing key for `private_key_jwt` (RFC 7523 §2.2): a CryptoKey or a private JWK. */
  privateKey?: CryptoKey | JWK;
  /** JWS algorithm for client assertions; default RS256 (private_key_jwt) / HS256 (client_secret_jwt). */
  clientAssertionAlg?: string;
  /** `kid` put in the client assertion header. */
  keyId?: string;
  /**
   * The authorization server's issuer identifier, compared exactly with `iss`. A multi-tenant provider's
   * issuer may be a template with `{tenantid}` (e.g. `https://login.microsoftonline.com/{tenantid}/v2.0`):
   * each ID token must then carry a GUID `tid` claim, and its `iss` must be the template filled with it.
   */
  issuer?: string;
  redirectUri?: string;
  /** Provider deviations from the RFCs the client tolerates; set by the presets. Default: none. */
  compat?: ProtocolCompat;
  /** Default scopes of every grant. */
  scopes?: string[];
  /** Per-request timeout in seconds; default 30. */
  timeoutSecs?: number;
  /** Response size cap in bytes; default 1 MiB. */
  maxResponseBytes?: number;
  /** Custom `fetch` used by the default transport. */
  fetch?: typeof fetch;
  /** Replace the whole transport (e.g. wrapped with resilience/telemetry). */
  transport?: Transport;
  /**
   * Resilience around every outbound call (rate limiter → concurrency limit → circuit breaker → retry,
   * see `withResilience`); on by default with each layer's defaults, `false` turns the whole stack off.
   * Not applied to a custom `transport`.
   */
  resilience?: ResilienceOptions | false;
  /** OpenTelemetry tracer/meter; defaults to the global providers (no-ops until the app registers one). */
  telemetry?: TelemetryOptions;
  /** pino-compatible logger; every line passes through redaction (tokens, secrets, codes never appear). */
  logger?: Logger;
  /** Where `client.tokens()` keeps tokens; default in-memory. */
  storage?: TokenStorage;
  /** Cross-process refresh lock, e.g. `RedisTokenLock` next to `RedisTokenStorage`. */
  tokenLock?: TokenLock;
  /**
   * Lifetime of `tokenLock` (1 000 – 3 600 000 ms). Default: the longest one refresh request can take
   * (`timeoutSecs` × attempts + retry backoffs + rate-limit wait) plus 10 s. The lock is also extended
   * while a refresh runs when it supports it (`RedisTokenLock`).
   */
  lockTtlMs?: number;
  /**
   * The token manager requests new tokens with the client credentials grant instead of refreshing.
   * Default: true when no `redirectUri` is configured.
   */
  machineClient?: boolean;
  /** Refresh when the access token expires within this many seconds; default 60. */
  refreshSkewSecs?: number;
  /** Provider name recorded in stored token metadata and metrics. */
  provider?: string;
  /** Lifecycle hooks: persist rotated tokens elsewhere, audit, metrics. */
  onTokenAcquired?: TokenHooks['onTokenAcquired'];
  onTokenRefreshed?: TokenHooks['onTokenRefreshed'];
  onTokenExpired?: TokenHooks['onTokenExpired'];
}

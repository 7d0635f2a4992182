export {
  createOAuth2Client,
  createOAuth2ClientFromDiscovery,
  createOAuth2ClientFromEnv,
  type DiscoveryClientOptions,
  type OAuth2Client,
} from './client.js';
export { type EnvSettings, readEnv } from './config/env.js';
export type {
  ClientAuthMethod,
  OAuth2ClientConfig,
  ProtocolCompat,
  ProviderEndpoints,
} from './config/types.js';
export {
  AuthorizationError,
  ConfigurationError,
  NetworkError,
  OAuth2Error,
  type OAuth2ErrorCode,
  type OAuth2ErrorOptions,
  ProtocolError,
  ProviderError,
  StorageError,
  TokenError,
} from './errors/index.js';
export type {
  AuthorizationCodeFlow,
  AuthorizationRequest,
  AuthorizationResult,
  AuthorizationUrlOptions,
  ExchangeOptions,
} from './flows/authorization-code.js';
export type { CallbackInput, CallbackParams } from './flows/callback.js';
export type { ClientCredentialsFlow, ClientCredentialsOptions } from './flows/client-credentials.js';
export type { DeviceAuthorizationResponse, DeviceFlow, DevicePollResult } from './flows/device.js';
export type { IntrospectionFlow, IntrospectionResponse } from './flows/introspection.js';
export { codeChallengeS256, generateCodeVerifier } from './flows/pkce.js';
export type { RefreshOptions } from './flows/refresh.js';
export type { RevocationFlow, TokenParams } from './flows/revocation.js';
export type { UserinfoOptions } from './flows/userinfo.js';
export { createFetchTransport, type FetchTransportOptions } from './http/fetch-transport.js';
export type { EndpointKind, HttpRequest, HttpResponse, RetryPolicy, Transport } from './http/transport.js';
export { clearDiscoveryCache, discover, type ProviderMetadata } from './oidc/discovery.js';
export { type IdTokenCheck, validateIdToken } from './oidc/id-token.js';
export { MemoryStateStore, type PendingAuthorization, type StateStore } from './oidc/state-store.js';
export { type ProviderPreset, type ProviderQuirks, WellKnownProviders } from './providers/well-known.js';
export {
  type BreakerTransport,
  type CircuitBreakerOptions,
  DEFAULT_RATE_LIMITS,
  type RateLimit,
  type RateLimiterOptions,
  type ResilienceOptions,
  type RetryOptions,
  TokenBucket,
  withCircuitBreaker,
  withRateLimit,
  withResilience,
  withRetry,
} from './resilience/index.js';
export { type StorageSelection, storageFromEnv } from './storage/from-env.js';
export {
  FileTokenStorage,
  type FileTokenStorageOptions,
  MemoryTokenStorage,
  type MemoryTokenStorageOptions,
  RedisTokenStorage,
  type RedisTokenStorageOptions,
} from './storage/index.js';
export type { TokenStorage } from './storage/token-storage.js';
export {
  INSTRUMENTATION_NAME,
  type Logger,
  noopLogger,
  REDACTED,
  redact,
  redactString,
  safeLogger,
  type TelemetryOptions,
  tokenMetricsHooks,
  withHttpTelemetry,
} from './telemetry/index.js';
export {
  type LockRelease,
  RedisTokenLock,
  type RedisTokenLockOptions,
  type TokenEndpoint,
  type TokenHooks,
  type TokenKeyParts,
  type TokenLock,
  TokenManager,
  type TokenManagerOptions,
  tokenKey,
} from './token/index.js';
export type { AccessToken, StoredTokens, TokenMetadata, TokenResponse } from './token/records.js';

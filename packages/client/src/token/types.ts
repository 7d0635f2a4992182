import type { TokenStorage } from '../storage/token-storage.js';
import type { Logger } from '../telemetry/logging.js';
import type { TokenLock } from './lock.js';
import type { AccessToken, TokenResponse } from './records.js';

/** The token-endpoint calls the manager needs; normally bound to a configured client. */
export interface TokenEndpoint {
  /**
   * Exchanges a refresh token (RFC 6749 §6). Rejects with an `OAuth2Error` of code `invalid_grant` when it
   * is dead. Should return the token endpoint's answer without validating its ID token (use
   * `validateIdToken` for that): a failure thrown here leaves the spent refresh token stored, and the next
   * refresh replays it (RFC 9700 §4.14.2).
   */
  refresh(refreshToken: string): Promise<TokenResponse>;
  /**
   * Validates the ID token of a refresh response (OIDC Core §12.2). Throws ProtocolError `invalid_id_token`
   * (or `nonce_mismatch`) when the token is invalid; any other error means it could not be checked (e.g.
   * the JWKS fetch failed). Optional: without it only the identity comparison with the stored ID token is
   * made.
   */
  validateIdToken?(response: TokenResponse): Promise<void>;
  /** For machine clients: requests a fresh token with the client credentials grant (RFC 6749 §4.4). */
  clientCredentials?(): Promise<TokenResponse>;
  /** Revokes a token (RFC 7009). */
  revoke?(token: string, hint: 'refresh_token' | 'access_token'): Promise<void>;
}

/** Lifecycle callbacks. A throwing hook is ignored: it never breaks token retrieval. */
export interface TokenHooks {
  /** New tokens were stored (login, client credentials). */
  onTokenAcquired?(key: string, token: AccessToken): void;
  /** Tokens were refreshed. */
  onTokenRefreshed?(key: string, token: AccessToken): void;
  /** Stored tokens became unusable and were deleted; the user must sign in again. */
  onTokenExpired?(key: string): void;
}

/** Options of `TokenManager`. */
export interface TokenManagerOptions {
  storage: TokenStorage;
  endpoint: TokenEndpoint;
  /**
   * Refresh when the access token expires within this many seconds. Default 60. Capped at half the token's
   * lifetime, so a token issued for less than the skew is still reused for half of it.
   */
  skewSecs?: number;
  /** Recorded in stored metadata. */
  provider?: string;
  hooks?: TokenHooks;
  /** Cross-process lock (e.g. `RedisTokenLock`): one refresh per key across every instance. */
  lock?: TokenLock;
  /**
   * Lock lifetime. While a refresh runs the lock is extended every third of it when the lock supports
   * `extend` (`RedisTokenLock` does), so it only has to outlive a holder that died. Waiters give up after
   * twice this. Default 30 000 ms (`createOAuth2Client` derives one from its timeout and retries).
   */
  lockTtlMs?: number;
  /** How often waiters re-read storage while another process refreshes. Default 50 ms. */
  lockPollMs?: number;
  /**
   * pino-compatible logger for refreshes and their failures (never the cached path). Wrapped with
   * `safeLogger`, so tokens and secrets are redacted. Default: no logging.
   */
  logger?: Logger;
  /** Clock, for tests. */
  now?: () => number;
}

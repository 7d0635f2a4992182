import { OAuth2Error, TokenError } from '../errors/index.js';
import type { TokenStorage } from '../storage/token-storage.js';
import { type Logger, safeLogger } from '../telemetry/logging.js';
import { toAccessToken, toStoredTokens } from './convert.js';
import type { TokenLock } from './lock.js';
import type { AccessToken, StoredTokens, TokenResponse } from './types.js';

/** The token-endpoint calls the manager needs; normally bound to a configured client. */
export interface TokenEndpoint {
  /** Exchanges a refresh token (RFC 6749 §6). Rejects with an `OAuth2Error` of code `invalid_grant` when it is dead. */
  refresh(refreshToken: string): Promise<TokenResponse>;
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

/** Options of {@link TokenManager}. */
export interface TokenManagerOptions {
  storage: TokenStorage;
  endpoint: TokenEndpoint;
  /** Refresh when the access token expires within this many seconds. Default 60. */
  skewSecs?: number;
  /** Recorded in stored metadata. */
  provider?: string;
  hooks?: TokenHooks;
  /** Cross-process lock (e.g. `RedisTokenLock`): one refresh per key across every instance. */
  lock?: TokenLock;
  /** Lock lifetime; must exceed the slowest refresh. Default 30 000 ms. */
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

/**
 * Keeps access tokens usable: returns a stored token while fresh, refreshes it shortly before expiry,
 * and makes sure concurrent callers trigger exactly one refresh per key (in-process single flight, and
 * across processes with a {@link TokenLock}).
 */
export class TokenManager {
  readonly #storage: TokenStorage;
  readonly #endpoint: TokenEndpoint;
  readonly #skewMs: number;
  readonly #provider: string | undefined;
  readonly #hooks: TokenHooks;
  readonly #lock: TokenLock | undefined;
  readonly #lockTtlMs: number;
  readonly #lockPollMs: number;
  readonly #now: () => number;
  readonly #log: Logger;
  readonly #inFlight = new Map<string, Promise<AccessToken>>();

  constructor(options: TokenManagerOptions) {
    this.#storage = options.storage;
    this.#endpoint = options.endpoint;
    this.#skewMs = (options.skewSecs ?? 60) * 1000;
    this.#provider = options.provider;
    this.#hooks = options.hooks ?? {};
    this.#lock = options.lock;
    this.#lockTtlMs = options.lockTtlMs ?? 30_000;
    this.#lockPollMs = options.lockPollMs ?? 50;
    this.#now = options.now ?? Date.now;
    this.#log = safeLogger(options.logger);
  }

  /**
   * A usable access token for `key`, refreshing it (or, for client-credentials clients, requesting a new
   * one) when it expires within the skew. Rejects with `TokenError` code `reauthentication_required`
   * when the user must sign in again.
   */
  async getAccessToken(key: string): Promise<AccessToken> {
    const stored = await this.#storage.get(key);
    if (stored !== undefined && this.#isFresh(stored)) return toAccessToken(stored);
    return this.#singleFlight(key, false);
  }

  /** Refreshes now, whatever the expiry; concurrent calls share one refresh. */
  forceRefresh(key: string): Promise<AccessToken> {
    return this.#singleFlight(key, true);
  }

  /** Stores a token response obtained by a grant (e.g. authorization code) under `key`. */
  async storeTokens(key: string, response: TokenResponse): Promise<AccessToken> {
    const stored = toStoredTokens(response, this.#now(), this.#provider);
    await this.#storage.store(key, stored);
    const token = toAccessToken(stored);
    this.#hook(() => this.#hooks.onTokenAcquired?.(key, token));
    return token;
  }

  /** What is stored under `key`, if anything. */
  getStoredTokens(key: string): Promise<StoredTokens | undefined> {
    return this.#storage.get(key);
  }

  /**
   * Deletes the tokens stored under `key`. With `revoke`, also revokes the refresh token (or the access
   * token when there is none) at the server; the local copy is deleted even when revocation fails, and
   * the revocation error is then rethrown.
   */
  async clearTokens(key: string, options: { revoke?: boolean } = {}): Promise<void> {
    const stored = options.revoke ? await this.#storage.get(key) : undefined;
    await this.#storage.delete(key);
    if (stored !== undefined && this.#endpoint.revoke) {
      if (stored.refreshToken !== undefined)
        await this.#endpoint.revoke(stored.refreshToken, 'refresh_token');
      else await this.#endpoint.revoke(stored.accessToken, 'access_token');
    }
  }

  #isFresh(stored: StoredTokens): boolean {
    return stored.expiresAt === undefined || stored.expiresAt - this.#skewMs > this.#now();
  }

  #isUsable(stored: StoredTokens): boolean {
    return stored.expiresAt === undefined || stored.expiresAt > this.#now();
  }

  #singleFlight(key: string, force: boolean): Promise<AccessToken> {
    const running = this.#inFlight.get(key);
    if (running) return running;
    const flight = (this.#lock ? this.#renewLocked(key, force) : this.#renew(key, force)).finally(() => {
      this.#inFlight.delete(key);
    });
    this.#inFlight.set(key, flight);
    return flight;
  }

  /** Takes the cross-process lock, or waits for its holder's result by polling storage. */
  async #renewLocked(key: string, force: boolean): Promise<AccessToken> {
    const lock = this.#lock!;
    const before = await this.#storage.get(key);
    const deadline = this.#now() + this.#lockTtlMs * 2;
    for (;;) {
      const release = await lock.tryAcquire(key, this.#lockTtlMs);
      if (release) {
        try {
          const current = await this.#storage.get(key);
          if (
            current !== undefined &&
            current.accessToken !== before?.accessToken &&
            this.#isUsable(current)
          ) {
            return toAccessToken(current); // another process renewed it while we waited for the lock
          }
          return await this.#renew(key, force, current);
        } finally {
          await release().catch(() => undefined);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, this.#lockPollMs));
      const current = await this.#storage.get(key);
      if (current !== undefined && current.accessToken !== before?.accessToken && this.#isUsable(current)) {
        return toAccessToken(current); // another process renewed it (even if its lifetime is below the skew)
      }
      if (!force && current !== undefined && this.#isFresh(current)) return toAccessToken(current);
      if (this.#now() > deadline) {
        throw new TokenError('timed out waiting for another process to refresh the token', {
          code: 'timeout',
          retryable: true,
        });
      }
    }
  }

  /** Refreshes, or requests a new client-credentials token, unless storage already holds a fresh one. */
  async #renew(key: string, force: boolean, known?: StoredTokens): Promise<AccessToken> {
    const stored = known ?? (await this.#storage.get(key));
    if (!force && stored !== undefined && this.#isFresh(stored)) return toAccessToken(stored);

    if (stored?.refreshToken !== undefined) return this.#refresh(key, stored, stored.refreshToken);
    if (this.#endpoint.clientCredentials) {
      const response = await this.#endpoint.clientCredentials();
      const next = toStoredTokens(response, this.#now(), this.#provider);
      await this.#storage.store(key, next);
      const token = toAccessToken(next);
      this.#hook(() => this.#hooks.onTokenAcquired?.(key, token));
      return token;
    }
    if (stored === undefined) {
      throw new TokenError('no tokens are stored for this key', { code: 'reauthentication_required' });
    }
    if (stored.expiresAt !== undefined && stored.expiresAt <= this.#now()) {
      await this.#expire(key);
      throw new TokenError('access token expired and there is no refresh token', {
        code: 'reauthentication_required',
      });
    }
    if (force) {
      throw new TokenError('cannot refresh: no refresh token is stored', { code: 'no_refresh_token' });
    }
    return toAccessToken(stored); // within the skew but still valid, and nothing to refresh with
  }

  async #refresh(key: string, stored: StoredTokens, refreshToken: string): Promise<AccessToken> {
    let response: TokenResponse;
    this.#log.debug({ key, expiresAt: stored.expiresAt }, 'refreshing access token');
    try {
      response = await this.#endpoint.refresh(refreshToken);
    } catch (error) {
      this.#log.warn({ key, err: error }, 'token refresh failed');
      if (isInvalidGrant(error)) {
        await this.#expire(key);
        throw new TokenError('refresh token rejected: the user must sign in again', {
          code: 'reauthentication_required',
          cause: error,
        });
      }
      throw error;
    }
    // One store() call: the rotated refresh token never exists apart from its access token.
    const next = toStoredTokens(response, this.#now(), this.#provider, stored);
    await this.#storage.store(key, next);
    const token = toAccessToken(next);
    this.#log.debug({ key, expiresAt: token.expiresAt }, 'access token refreshed');
    this.#hook(() => this.#hooks.onTokenRefreshed?.(key, token));
    return token;
  }

  async #expire(key: string): Promise<void> {
    this.#log.info({ key }, 'stored tokens are no longer usable and were deleted');
    await this.#storage.delete(key);
    this.#hook(() => this.#hooks.onTokenExpired?.(key));
  }

  #hook(call: () => void): void {
    try {
      call();
    } catch {
      // hooks must never break token retrieval
    }
  }
}

function isInvalidGrant(error: unknown): boolean {
  return error instanceof OAuth2Error && (error.code === 'invalid_grant' || error.error === 'invalid_grant');
}

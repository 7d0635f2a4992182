import { OAuth2Error, TokenError } from '../errors/index.js';
import type { TokenStorage } from '../storage/token-storage.js';
import { type Logger, safeLogger } from '../telemetry/logging.js';
import { toAccessToken, toStoredTokens } from './convert.js';
import { isFresh, isUsable } from './freshness.js';
import { PendingWrites } from './pending-writes.js';
import type { AccessToken, StoredTokens, TokenResponse } from './records.js';
import { RefreshLock } from './refresh-lock.js';
import { judgeRefreshedIdToken, withoutIdToken } from './refreshed-id-token.js';
import { type Snapshot, type Superseded, Supersession } from './supersession.js';
import type { TokenEndpoint, TokenHooks, TokenManagerOptions } from './types.js';

/**
 * Keeps access tokens usable: returns a stored token while fresh, refreshes it shortly before expiry,
 * and makes sure concurrent callers trigger exactly one refresh per key (in-process single flight, and
 * across processes with a `TokenLock`).
 */
export class TokenManager {
  readonly #storage: TokenStorage;
  readonly #endpoint: TokenEndpoint;
  readonly #skewMs: number;
  readonly #provider: string | undefined;
  readonly #hooks: TokenHooks;
  readonly #refreshLock: RefreshLock | undefined;
  readonly #now: () => number;
  readonly #log: Logger;
  readonly #pending: PendingWrites;
  readonly #supersession: Supersession;
  readonly #inFlight = new Map<string, Promise<AccessToken>>();

  constructor(options: TokenManagerOptions) {
    this.#storage = options.storage;
    this.#endpoint = options.endpoint;
    this.#skewMs = (options.skewSecs ?? 60) * 1000;
    this.#provider = options.provider;
    this.#hooks = options.hooks ?? {};
    this.#now = options.now ?? Date.now;
    this.#log = safeLogger(options.logger);
    this.#pending = new PendingWrites(options.storage, this.#log);
    this.#supersession = new Supersession((key) => this.#pending.read(key));
    this.#refreshLock =
      options.lock === undefined
        ? undefined
        : new RefreshLock(options.lock, {
            ttlMs: options.lockTtlMs ?? 30_000,
            pollMs: options.lockPollMs ?? 50,
            now: this.#now,
            log: this.#log,
          });
  }

  /**
   * A usable access token for `key`, refreshing it (or, for client-credentials clients, requesting a new
   * one) when it expires within the skew. Rejects with `TokenError` code `reauthentication_required`
   * when the user must sign in again.
   */
  async getAccessToken(key: string): Promise<AccessToken> {
    const stored = await this.#pending.read(key);
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
    this.#supersession.supersede(key);
    this.#pending.drop(key); // a new login supersedes tokens kept during an outage
    await this.#storage.store(key, stored);
    const token = toAccessToken(stored);
    this.#hook(() => this.#hooks.onTokenAcquired?.(key, token));
    return token;
  }

  /** What is stored under `key`, if anything (including renewed tokens kept while storage is down). */
  getStoredTokens(key: string): Promise<StoredTokens | undefined> {
    return this.#pending.read(key);
  }

  /**
   * Deletes the tokens stored under `key`. With `revoke`, also revokes the refresh token (or the access
   * token when there is none) at the server; the local copy is deleted even when revocation fails, and
   * the revocation error is then rethrown.
   */
  async clearTokens(key: string, options: { revoke?: boolean } = {}): Promise<void> {
    this.#supersession.supersede(key);
    const stored = options.revoke ? await this.#pending.read(key) : undefined;
    this.#pending.drop(key);
    await this.#storage.delete(key);
    if (stored !== undefined && this.#endpoint.revoke) {
      if (stored.refreshToken !== undefined)
        await this.#endpoint.revoke(stored.refreshToken, 'refresh_token');
      else await this.#endpoint.revoke(stored.accessToken, 'access_token');
    }
  }

  #isFresh(stored: StoredTokens): boolean {
    return isFresh(stored, this.#skewMs, this.#now());
  }

  #isUsable(stored: StoredTokens): boolean {
    return isUsable(stored, this.#now());
  }

  #singleFlight(key: string, force: boolean): Promise<AccessToken> {
    const running = this.#inFlight.get(key);
    if (running) return running;
    const renewal = this.#refreshLock
      ? this.#renewLocked(this.#refreshLock, key, force)
      : this.#renew(key, force);
    const flight = renewal.finally(() => {
      this.#inFlight.delete(key);
    });
    this.#inFlight.set(key, flight);
    return flight;
  }

  /** Renews holding the cross-process lock, or takes what its holder stored meanwhile. */
  async #renewLocked(refreshLock: RefreshLock, key: string, force: boolean): Promise<AccessToken> {
    const before = await this.#pending.read(key);
    // Another process renewed it (even if its lifetime is below the skew).
    const renewedSinceBefore = (current: StoredTokens | undefined): current is StoredTokens =>
      current !== undefined && current.accessToken !== before?.accessToken && this.#isUsable(current);
    return refreshLock.run(
      key,
      async () => {
        const snapshot = await this.#supersession.snapshot(key);
        if (renewedSinceBefore(snapshot.stored)) return toAccessToken(snapshot.stored);
        return this.#renew(key, force, snapshot);
      },
      async () => {
        const current = await this.#pending.read(key);
        if (renewedSinceBefore(current)) return toAccessToken(current);
        if (!force && current !== undefined && this.#isFresh(current)) return toAccessToken(current);
        return undefined;
      },
    );
  }

  /** Refreshes, or requests a new client-credentials token, unless storage already holds a fresh one. */
  async #renew(key: string, force: boolean, known?: Snapshot): Promise<AccessToken> {
    const { stored, generation } = known ?? (await this.#supersession.snapshot(key));
    if (!force && stored !== undefined && this.#isFresh(stored)) return toAccessToken(stored);

    if (stored?.refreshToken !== undefined) {
      return this.#refresh(key, stored, stored.refreshToken, generation);
    }
    if (this.#endpoint.clientCredentials) {
      const response = await this.#endpoint.clientCredentials();
      const next = toStoredTokens(response, this.#now(), this.#provider);
      const token = toAccessToken(next);
      if (!this.#supersession.isCurrent(key, generation)) return token; // cleared or replaced meanwhile: not stored
      await this.#persist(key, next, generation);
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

  async #refresh(
    key: string,
    stored: StoredTokens,
    refreshToken: string,
    generation: number,
  ): Promise<AccessToken> {
    let response: TokenResponse;
    this.#log.debug({ key, expiresAt: stored.expiresAt }, 'refreshing access token');
    try {
      response = await this.#endpoint.refresh(refreshToken);
    } catch (error) {
      this.#log.warn({ key, err: error }, 'token refresh failed');
      if (isInvalidGrant(error)) {
        // A dead refresh token says nothing about tokens stored since: never delete a new login.
        const superseded = await this.#supersession.since(key, generation, refreshToken);
        if (superseded) return this.#afterSuperseded(key, superseded);
        await this.#expire(key);
        throw new TokenError('refresh token rejected: the user must sign in again', {
          code: 'reauthentication_required',
          cause: error,
        });
      }
      throw error;
    }
    const verdict = await judgeRefreshedIdToken(this.#endpoint, stored, response);
    const superseded = await this.#supersession.since(key, generation, refreshToken);
    if (superseded) {
      if (superseded.revoke) await this.#revokeUnused(key, response);
      return this.#afterSuperseded(key, superseded);
    }
    if (verdict.kind === 'rejected') return this.#rejectRefreshedIdentity(key, response, verdict.error);
    let kept = response;
    if (verdict.kind === 'unverified') {
      this.#log.warn(
        { key, err: verdict.error },
        'the refreshed ID token could not be validated; new access and refresh tokens stored with the previous ID token',
      );
      kept = withoutIdToken(response);
    }
    // One store() call: the rotated refresh token never exists apart from its access token.
    const next = toStoredTokens(kept, this.#now(), this.#provider, stored);
    await this.#persist(key, next, generation);
    const token = toAccessToken(next);
    this.#log.debug({ key, expiresAt: token.expiresAt }, 'access token refreshed');
    this.#hook(() => this.#hooks.onTokenRefreshed?.(key, token));
    return token;
  }

  /**
   * The refresh succeeded but its ID token is invalid or names another identity (OIDC Core §12.2). Storing
   * those tokens under the key could hand one user's access to another; keeping the stored ones would
   * replay a spent refresh token (RFC 9700 §4.14.2). So the key is emptied, the new refresh token revoked
   * (RFC 7009, best effort), and the caller told to sign the user in again.
   */
  async #rejectRefreshedIdentity(key: string, response: TokenResponse, cause: unknown): Promise<never> {
    this.#log.warn({ key, err: cause }, 'the refreshed ID token was rejected; the stored tokens are deleted');
    await this.#revokeUnused(key, response);
    await this.#expire(key);
    throw new TokenError(
      'the refreshed ID token is invalid or names another user (OIDC Core §12.2): the user must sign in again',
      { code: 'reauthentication_required', cause },
    );
  }

  async #expire(key: string): Promise<void> {
    this.#log.info({ key }, 'stored tokens are no longer usable and were deleted');
    this.#pending.drop(key);
    await this.#storage.delete(key);
    this.#hook(() => this.#hooks.onTokenExpired?.(key));
  }

  /** Writes renewed tokens unless `key` was cleared or replaced since `generation` (see {@link PendingWrites}). */
  #persist(key: string, next: StoredTokens, generation: number): Promise<void> {
    return this.#pending.persist(key, next, () => this.#supersession.isCurrent(key, generation));
  }

  /** What a superseded renewal answers: the tokens stored meanwhile, or "sign in again" when cleared. */
  async #afterSuperseded(key: string, superseded: Superseded): Promise<AccessToken> {
    const { current } = superseded;
    this.#log.info(
      { key },
      'tokens changed while they were being refreshed; the refresh result was discarded',
    );
    if (current === undefined) {
      throw new TokenError('tokens were cleared while they were being refreshed', {
        code: 'reauthentication_required',
      });
    }
    if (this.#isUsable(current)) return toAccessToken(current);
    return this.#renew(key, false);
  }

  /**
   * Revokes (RFC 7009) the refresh token a discarded refresh obtained, so a cleared session cannot be
   * resumed with it. Best effort: a failure is logged, never thrown.
   */
  async #revokeUnused(key: string, response: TokenResponse): Promise<void> {
    if (response.refreshToken === undefined || !this.#endpoint.revoke) return;
    try {
      await this.#endpoint.revoke(response.refreshToken, 'refresh_token');
    } catch (error) {
      this.#log.warn({ key, err: error }, 'revoking the refresh token of a discarded refresh failed');
    }
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

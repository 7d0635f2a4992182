import { OAuth2Error, ProtocolError, TokenError } from '../errors/index.js';
import { assertSameIdentity } from '../oidc/id-token.js';
import type { TokenStorage } from '../storage/token-storage.js';
import { type Logger, safeLogger } from '../telemetry/logging.js';
import { toAccessToken, toStoredTokens } from './convert.js';
import type { LockRelease, TokenLock } from './lock.js';
import type { AccessToken, StoredTokens, TokenResponse } from './types.js';

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

/** Attempts to write renewed tokens before they are kept in memory instead. */
const STORE_ATTEMPTS = 3;
/** Pause before the second write attempt; doubled before the third. */
const STORE_RETRY_MS = 50;

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a renewal started from: the stored tokens and the key's generation when they were read. */
interface Snapshot {
  stored: StoredTokens | undefined;
  generation: number;
}

/** The key changed while a renewal ran: what it holds now, and whether the renewal's new refresh token must be revoked. */
interface Superseded {
  current: StoredTokens | undefined;
  revoke: boolean;
}

/**
 * What the ID token of a refresh response turned out to be: usable (or absent), not checkable now (kept
 * out, the previous one stays), or rejected (invalid, or another identity than the stored one).
 */
type IdTokenVerdict =
  | { kind: 'accepted' }
  | { kind: 'unverified'; error: unknown }
  | { kind: 'rejected'; error: unknown };

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
  /**
   * Renewed tokens that storage refused (it was down). A rotated refresh token exists nowhere else: the
   * one in storage is spent, and replaying it ends the session (RFC 9700 §4.14.2 reuse detection). So
   * these are read before storage and written again at the next access to the key.
   */
  readonly #pendingWrites = new Map<string, StoredTokens>();
  /**
   * Bumped by `storeTokens` and `clearTokens`: a renewal that started from an older generation must not
   * write (or delete) over what the application decided meanwhile.
   */
  readonly #generations = new Map<string, number>();

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
    const stored = await this.#read(key);
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
    this.#supersede(key);
    this.#pendingWrites.delete(key); // a new login supersedes tokens kept during an outage
    await this.#storage.store(key, stored);
    const token = toAccessToken(stored);
    this.#hook(() => this.#hooks.onTokenAcquired?.(key, token));
    return token;
  }

  /** What is stored under `key`, if anything (including renewed tokens kept while storage is down). */
  getStoredTokens(key: string): Promise<StoredTokens | undefined> {
    return this.#read(key);
  }

  /**
   * Deletes the tokens stored under `key`. With `revoke`, also revokes the refresh token (or the access
   * token when there is none) at the server; the local copy is deleted even when revocation fails, and
   * the revocation error is then rethrown.
   */
  async clearTokens(key: string, options: { revoke?: boolean } = {}): Promise<void> {
    this.#supersede(key);
    const stored = options.revoke ? await this.#read(key) : undefined;
    this.#pendingWrites.delete(key);
    await this.#storage.delete(key);
    if (stored !== undefined && this.#endpoint.revoke) {
      if (stored.refreshToken !== undefined)
        await this.#endpoint.revoke(stored.refreshToken, 'refresh_token');
      else await this.#endpoint.revoke(stored.accessToken, 'access_token');
    }
  }

  /**
   * Valid for longer than the skew. The skew is at most half the token's lifetime: a token issued for
   * less than the skew (say 45 s against 60 s) would otherwise be renewed on every call, rotating the
   * refresh token each time until the provider rate-limits the client.
   */
  #isFresh(stored: StoredTokens): boolean {
    if (stored.expiresAt === undefined) return true;
    return stored.expiresAt - this.#skewFor(stored, stored.expiresAt) > this.#now();
  }

  /** The configured skew, capped at half the lifetime (from when the tokens were obtained to expiry). */
  #skewFor(stored: StoredTokens, expiresAt: number): number {
    const obtainedAt = stored.metadata.refreshedAt ?? stored.metadata.createdAt;
    const lifetimeMs = Math.max(0, expiresAt - obtainedAt);
    return Math.min(this.#skewMs, lifetimeMs / 2);
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
    const before = await this.#read(key);
    const deadline = this.#now() + this.#lockTtlMs * 2;
    for (;;) {
      const release = await lock.tryAcquire(key, this.#lockTtlMs);
      if (release) {
        const stopExtending = this.#keepLock(key, release);
        try {
          const snapshot = await this.#snapshot(key);
          const current = snapshot.stored;
          if (
            current !== undefined &&
            current.accessToken !== before?.accessToken &&
            this.#isUsable(current)
          ) {
            return toAccessToken(current); // another process renewed it while we waited for the lock
          }
          return await this.#renew(key, force, snapshot);
        } finally {
          stopExtending();
          await release().catch(() => undefined);
        }
      }
      await delay(this.#lockPollMs);
      const current = await this.#read(key);
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

  /**
   * Extends a held lock every third of its lifetime until the returned function is called. A refresh
   * slower than `lockTtlMs` (slow provider, retries, rate-limit wait) must not let a second instance take
   * the lock and send the same refresh token again: that is reuse (RFC 9700 §4.14.2), and the server
   * revokes the whole token family.
   */
  #keepLock(key: string, release: LockRelease): () => void {
    const extend = release.extend;
    if (extend === undefined) return () => undefined;
    const timer = setInterval(
      () => {
        extend(this.#lockTtlMs).then(
          (held) => {
            if (!held) this.#log.warn({ key }, 'the refresh lock expired before it could be extended');
          },
          (error: unknown) => this.#log.warn({ key, err: error }, 'extending the refresh lock failed'),
        );
      },
      Math.max(1, Math.floor(this.#lockTtlMs / 3)),
    );
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Refreshes, or requests a new client-credentials token, unless storage already holds a fresh one. */
  async #renew(key: string, force: boolean, known?: Snapshot): Promise<AccessToken> {
    const { stored, generation } = known ?? (await this.#snapshot(key));
    if (!force && stored !== undefined && this.#isFresh(stored)) return toAccessToken(stored);

    if (stored?.refreshToken !== undefined) {
      return this.#refresh(key, stored, stored.refreshToken, generation);
    }
    if (this.#endpoint.clientCredentials) {
      const response = await this.#endpoint.clientCredentials();
      const next = toStoredTokens(response, this.#now(), this.#provider);
      const token = toAccessToken(next);
      if (this.#generation(key) !== generation) return token; // cleared or replaced meanwhile: not stored
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
        const superseded = await this.#supersededSince(key, generation, refreshToken);
        if (superseded) return this.#afterSuperseded(key, superseded);
        await this.#expire(key);
        throw new TokenError('refresh token rejected: the user must sign in again', {
          code: 'reauthentication_required',
          cause: error,
        });
      }
      throw error;
    }
    const verdict = await this.#judgeIdToken(stored, response);
    const superseded = await this.#supersededSince(key, generation, refreshToken);
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
   * Judges the ID token of a refresh response. Validation first (signature, `iss`, `aud`, `exp`), then
   * OIDC Core §12.2: the same `iss`, `sub` and `aud` as the stored ID token. A failure to obtain the keys
   * (network, 5xx) is not a verdict on the token: it is `unverified`, never `rejected`.
   */
  async #judgeIdToken(stored: StoredTokens, response: TokenResponse): Promise<IdTokenVerdict> {
    if (response.idToken === undefined) return { kind: 'accepted' };
    try {
      await this.#endpoint.validateIdToken?.(response);
    } catch (error) {
      return isIdTokenRejection(error) ? { kind: 'rejected', error } : { kind: 'unverified', error };
    }
    if (stored.idToken === undefined) return { kind: 'accepted' };
    try {
      assertSameIdentity(stored.idToken, response.idToken);
    } catch (error) {
      return { kind: 'rejected', error };
    }
    return { kind: 'accepted' };
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
    this.#pendingWrites.delete(key);
    await this.#storage.delete(key);
    this.#hook(() => this.#hooks.onTokenExpired?.(key));
  }

  #generation(key: string): number {
    return this.#generations.get(key) ?? 0;
  }

  /** Marks what renewals in flight for `key` started from as outdated. */
  #supersede(key: string): void {
    this.#generations.set(key, this.#generation(key) + 1);
  }

  /** Reads `key` together with its generation, taken first so no change can slip in between. */
  async #snapshot(key: string): Promise<Snapshot> {
    const generation = this.#generation(key);
    return { stored: await this.#read(key), generation };
  }

  /**
   * Did `key` change while a refresh with `refreshToken` ran? Either here (`storeTokens`/`clearTokens`
   * bumped the generation) or in another instance sharing the storage (the key is gone, or holds another
   * refresh token). A compare before the write, not an atomic one: with a lock, refreshes are serialised
   * and only a clear or a login elsewhere in that short gap can still be overwritten.
   */
  async #supersededSince(
    key: string,
    generation: number,
    refreshToken: string,
  ): Promise<Superseded | undefined> {
    const changedHere = this.#generation(key) !== generation;
    let current: StoredTokens | undefined;
    try {
      current = await this.#read(key);
    } catch {
      // Storage unreadable: only what this process knows can be checked.
      return changedHere ? { current: undefined, revoke: true } : undefined;
    }
    if (changedHere || current === undefined) return { current, revoke: true };
    // Another instance stored other tokens: perhaps its own refresh of the same grant, so nothing is
    // revoked (RFC 7009 §2.1: revoking a refresh token may end the whole grant).
    if (current.refreshToken !== refreshToken) return { current, revoke: false };
    return undefined;
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

  /** What is stored under `key`; renewed tokens kept during a storage outage come first (they are newer). */
  async #read(key: string): Promise<StoredTokens | undefined> {
    const pending = this.#pendingWrites.get(key);
    if (pending === undefined) return this.#storage.get(key);
    await this.#flush(key, pending);
    return pending;
  }

  /** Writes kept tokens once storage is back; while it is down they simply stay kept. */
  async #flush(key: string, pending: StoredTokens): Promise<void> {
    try {
      await this.#storage.store(key, pending);
    } catch {
      return;
    }
    if (this.#pendingWrites.get(key) === pending) this.#pendingWrites.delete(key);
    this.#log.info({ key }, 'tokens kept in memory during a storage outage were stored');
  }

  /**
   * Writes renewed tokens. They cannot be obtained again (a rotated refresh token is single use), so a
   * failing storage is retried, then the tokens are kept in memory and written at the next access
   * instead of being dropped: the caller still gets its access token.
   */
  async #persist(key: string, next: StoredTokens, generation: number): Promise<void> {
    this.#pendingWrites.set(key, next); // readers see the new tokens while the write is retried
    for (let attempt = 1; ; attempt++) {
      if (this.#generation(key) !== generation) {
        // Cleared or replaced meanwhile: these tokens must not come back through a later flush.
        if (this.#pendingWrites.get(key) === next) this.#pendingWrites.delete(key);
        return;
      }
      try {
        await this.#storage.store(key, next);
        if (this.#pendingWrites.get(key) === next) this.#pendingWrites.delete(key);
        return;
      } catch (error) {
        if (attempt >= STORE_ATTEMPTS) {
          this.#log.warn(
            { key, err: error },
            'storing renewed tokens failed; kept in memory until storage accepts them',
          );
          return;
        }
        await delay(STORE_RETRY_MS * 2 ** (attempt - 1));
      }
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

/** An ID token proven bad, as opposed to one that could not be checked (keys unreachable). */
function isIdTokenRejection(error: unknown): boolean {
  return (
    error instanceof ProtocolError && (error.code === 'invalid_id_token' || error.code === 'nonce_mismatch')
  );
}

/** The response without its ID token, so that the stored (previous) one is kept. */
function withoutIdToken(response: TokenResponse): TokenResponse {
  const copy = { ...response };
  delete copy.idToken;
  return copy;
}

function isInvalidGrant(error: unknown): boolean {
  return error instanceof OAuth2Error && (error.code === 'invalid_grant' || error.error === 'invalid_grant');
}

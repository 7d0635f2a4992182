import { setTimeout as delay } from 'node:timers/promises';
import type { TokenStorage } from '../storage/token-storage.js';
import type { Logger } from '../telemetry/logging.js';
import type { StoredTokens } from './records.js';

/** Attempts to write renewed tokens before they are kept in memory instead. */
const STORE_ATTEMPTS = 3;
/** Pause before the second write attempt; doubled before the third. */
const STORE_RETRY_MS = 50;

/**
 * Renewed tokens on their way to storage. A rotated refresh token exists nowhere else: the one in
 * storage is spent, and replaying it ends the session (RFC 9700 §4.14.2 reuse detection). So tokens that
 * storage refused (it was down) are kept in memory, read before storage, and written again at the next
 * access to the key.
 */
export class PendingWrites {
  readonly #storage: TokenStorage;
  readonly #log: Logger;
  readonly #kept = new Map<string, StoredTokens>();

  constructor(storage: TokenStorage, log: Logger) {
    this.#storage = storage;
    this.#log = log;
  }

  /** What is stored under `key`; renewed tokens kept during a storage outage come first (they are newer). */
  async read(key: string): Promise<StoredTokens | undefined> {
    const kept = this.#kept.get(key);
    if (kept === undefined) return this.#storage.get(key);
    await this.#flush(key, kept);
    return kept;
  }

  /** Drops what is kept for `key`: a login, a clear or an expiry supersedes it. */
  drop(key: string): void {
    this.#kept.delete(key);
  }

  /**
   * Writes renewed tokens. They cannot be obtained again (a rotated refresh token is single use), so a
   * failing storage is retried, then the tokens are kept in memory and written at the next access
   * instead of being dropped: the caller still gets its access token. `stillCurrent` is asked before
   * every attempt; once it says no (the key was cleared or replaced), the tokens are dropped unwritten.
   */
  async persist(key: string, next: StoredTokens, stillCurrent: () => boolean): Promise<void> {
    this.#kept.set(key, next); // readers see the new tokens while the write is retried
    for (let attempt = 1; ; attempt++) {
      if (!stillCurrent()) {
        // These tokens must not come back through a later flush.
        this.#forget(key, next);
        return;
      }
      try {
        await this.#storage.store(key, next);
        this.#forget(key, next);
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

  /** Writes kept tokens once storage is back; while it is down they simply stay kept. */
  async #flush(key: string, kept: StoredTokens): Promise<void> {
    try {
      await this.#storage.store(key, kept);
    } catch {
      return;
    }
    this.#forget(key, kept);
    this.#log.info({ key }, 'tokens kept in memory during a storage outage were stored');
  }

  /** Forgets `tokens` once written or dropped, unless newer ones were kept for `key` meanwhile. */
  #forget(key: string, tokens: StoredTokens): void {
    if (this.#kept.get(key) === tokens) this.#kept.delete(key);
  }
}

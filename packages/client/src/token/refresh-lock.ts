import { setTimeout as delay } from 'node:timers/promises';
import { TokenError } from '../errors/index.js';
import type { Logger } from '../telemetry/logging.js';
import type { LockRelease, TokenLock } from './lock.js';

/** Settings of {@link RefreshLock}. */
export interface RefreshLockSettings {
  /** Lifetime of the lock, renewed every third of it while held; waiters give up after twice this. */
  ttlMs: number;
  /** How often waiters look for the holder's result. */
  pollMs: number;
  now: () => number;
  log: Logger;
}

/**
 * One refresh per key across processes sharing a {@link TokenLock}: the process holding the lock renews;
 * the others poll for its result.
 */
export class RefreshLock {
  readonly #lock: TokenLock;
  readonly #settings: RefreshLockSettings;

  constructor(lock: TokenLock, settings: RefreshLockSettings) {
    this.#lock = lock;
    this.#settings = settings;
  }

  /**
   * Runs `renew` holding the lock on `key`. While another process holds it, asks `renewedElsewhere` every
   * `pollMs` for that process's result (`undefined`: not there yet) and takes the lock as soon as it is
   * free. Rejects with TokenError `timeout` (retryable) after twice `ttlMs` without a result.
   */
  async run<T>(
    key: string,
    renew: () => Promise<T>,
    renewedElsewhere: () => Promise<T | undefined>,
  ): Promise<T> {
    const { ttlMs, pollMs, now } = this.#settings;
    const deadline = now() + ttlMs * 2;
    for (;;) {
      const release = await this.#lock.tryAcquire(key, ttlMs);
      if (release) return this.#holding(key, release, renew);
      await delay(pollMs);
      const result = await renewedElsewhere();
      if (result !== undefined) return result;
      if (now() > deadline) {
        throw new TokenError('timed out waiting for another process to refresh the token', {
          code: 'timeout',
          retryable: true,
        });
      }
    }
  }

  async #holding<T>(key: string, release: LockRelease, renew: () => Promise<T>): Promise<T> {
    const stopExtending = this.#keepExtended(key, release);
    try {
      return await renew();
    } finally {
      stopExtending();
      await release().catch(() => undefined);
    }
  }

  /**
   * Extends a held lock every third of its lifetime until the returned function is called. A refresh
   * slower than `ttlMs` (slow provider, retries, rate-limit wait) must not let a second instance take the
   * lock and send the same refresh token again: that is reuse (RFC 9700 §4.14.2), and the server revokes
   * the whole token family.
   */
  #keepExtended(key: string, release: LockRelease): () => void {
    const extend = release.extend;
    if (extend === undefined) return () => undefined;
    const { ttlMs, log } = this.#settings;
    const timer = setInterval(
      () => {
        extend(ttlMs).then(
          (held) => {
            if (!held) log.warn({ key }, 'the refresh lock expired before it could be extended');
          },
          (error: unknown) => log.warn({ key, err: error }, 'extending the refresh lock failed'),
        );
      },
      Math.max(1, Math.floor(ttlMs / 3)),
    );
    timer.unref();
    return () => clearInterval(timer);
  }
}

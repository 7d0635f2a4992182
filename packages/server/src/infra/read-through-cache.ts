import { BoundedCache } from './bounded-cache.js';

/**
 * Records loaded by key and then served from this node's memory for `ttlMs` (at most `maxEntries` of them).
 * Only found records are kept, so a record created meanwhile is never hidden. Every change made through the
 * owning service goes through `change`, which forgets the entry before and after the write: it is dropped at
 * once, and a load that was already under way when the change happened returns its (possibly stale) result
 * without keeping it.
 */
export class ReadThroughCache<V> {
  readonly #entries: BoundedCache<V>;
  /** Bumped by every `forget`; a load that started before it does not populate the cache. */
  #generation = 0;

  constructor(
    private readonly ttlMs: number,
    maxEntries: number,
  ) {
    this.#entries = new BoundedCache(maxEntries);
  }

  async get(key: string, load: (key: string) => Promise<V | undefined>): Promise<V | undefined> {
    const now = Date.now();
    const hit = this.#entries.get(key, now);
    if (hit !== undefined) return hit;
    const generation = this.#generation;
    const value = await load(key);
    if (value !== undefined && this.ttlMs > 0 && generation === this.#generation) {
      this.#entries.set(key, value, now + this.ttlMs);
    }
    return value;
  }

  /**
   * Runs `write` (a change to the stored records) with `key` — every entry when `key` is undefined —
   * forgotten before it starts and again once it has ended, failed or not.
   */
  async change<T>(key: string | undefined, write: () => Promise<T>): Promise<T> {
    this.forget(key);
    try {
      return await write();
    } finally {
      this.forget(key);
    }
  }

  /** Drops `key`, or every entry when no key is given. */
  forget(key?: string): void {
    this.#generation++;
    if (key === undefined) this.#entries.clear();
    else this.#entries.delete(key);
  }
}

import { BoundedCache } from './bounded-cache.js';

/**
 * Records loaded by key and then served from this node's memory for `ttlMs` (at most `maxEntries` of them).
 * Only found records are kept, so a record created meanwhile is never hidden. `forget` is called around every
 * change made through the owning service: it drops the entry at once and makes a load that was already under
 * way when the change happened return its (possibly stale) result without keeping it.
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

  /** Drops `key`, or every entry when no key is given. */
  forget(key?: string): void {
    this.#generation++;
    if (key === undefined) this.#entries.clear();
    else this.#entries.delete(key);
  }
}

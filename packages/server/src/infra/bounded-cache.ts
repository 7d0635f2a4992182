/**
 * A small in-process map with a maximum size and a per-entry deadline: expired entries are dropped when
 * read, and when full the oldest inserted entry is evicted (insertion order of `Map`).
 */
export class BoundedCache<V> {
  readonly #entries = new Map<string, { value: V; until: number }>();

  constructor(readonly maxEntries: number) {}

  get(key: string, now: number): V | undefined {
    const e = this.#entries.get(key);
    if (e === undefined) return undefined;
    if (e.until <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  /** Keeps `value` until `until` (same clock as `get`'s `now`). */
  set(key: string, value: V, until: number): void {
    if (this.#entries.size >= this.maxEntries && !this.#entries.has(key)) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value, until });
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}

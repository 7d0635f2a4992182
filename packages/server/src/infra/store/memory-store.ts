import { ServiceUnavailableError } from '../../error/index.js';
import type { Store, WriteOptions } from './contract.js';

const SWEEP_MIN = 10_000;

/**
 * Most entries the in-process store holds (the embedded default; Redis is bounded by its own `maxmemory`).
 * Every key written from a request is of bounded size (hashes, ids, addresses), so this bounds the memory,
 * whatever the traffic: some tens of MB at worst.
 */
export const MEMORY_STORE_MAX_ENTRIES = 100_000;

/**
 * The store is full of entries none of which may be dropped: 503 `temporarily_unavailable` (RFC 6749
 * §4.1.2.1) rather than forgetting a revocation or a single-use claim (see {@link MemoryStore}).
 */
export class StoreFullError extends ServiceUnavailableError {
  override name = 'StoreFullError';
  constructor(maxEntries: number) {
    super(
      `in-process store full (${maxEntries} live entries)`,
      'the server is at capacity, try again later',
      60,
    );
  }
}

/**
 * The in-process store, for a single node. It holds at most `maxEntries` entries; when a new key would go
 * past that:
 *  1. expired entries are dropped first (they are gone for every reader already);
 *  2. then the oldest entry not written with `keep` (see {@link WriteOptions}): a counter restarts its window
 *     early, a session, code or pending device request is refused as if it had expired — all fail closed;
 *  3. never a `keep` entry (revocations, single-use claims): dropping the oldest of them (plain LRU/FIFO)
 *     would let a flood re-activate a revoked token or redeem a code twice. When only such entries are live
 *     the write is refused with {@link StoreFullError}: an outage, not a security hole. (Redis deployments get
 *     the same warning about `maxmemory-policy`, see `RedisStore.evictionPolicy`.)
 */
export class MemoryStore implements Store {
  readonly kind = 'memory' as const;
  readonly #entries = new Map<string, { value: string; expiresAt: number }>();
  /** Keys of the live entries that may be dropped early (not `keep`), oldest first (a Set keeps insertion order). */
  readonly #droppable = new Set<string>();
  readonly #maxEntries: number;
  #sweepAt = SWEEP_MIN;
  /** New keys since the last full sweep: at the cap, how a sweep is amortised (see {@link #makeRoom}). */
  #addedSinceSweep = 0;

  constructor(maxEntries = MEMORY_STORE_MAX_ENTRIES) {
    this.#maxEntries = maxEntries;
  }

  async set(key: string, value: string, ttlSecs: number, options?: WriteOptions): Promise<void> {
    this.#put(key, value, Date.now() + ttlSecs * 1000, options?.keep !== true);
  }

  async get(key: string): Promise<string | undefined> {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= Date.now()) {
      this.#delete(key);
      return undefined;
    }
    return e.value;
  }

  // No await between the check and the set: atomic within this process's one JavaScript thread.
  async setIfAbsent(key: string, value: string, ttlSecs: number, options?: WriteOptions): Promise<boolean> {
    const e = this.#entries.get(key);
    if (e !== undefined && e.expiresAt > Date.now()) return false;
    // Same rounding as Redis `EX`: a marker always lives at least a second.
    this.#put(key, value, Date.now() + Math.max(1, Math.ceil(ttlSecs)) * 1000, options?.keep !== true);
    return true;
  }

  // No await between the read and the write: atomic within this process's one JavaScript thread.
  async increment(key: string, by: number, ttlSecs: number): Promise<number> {
    const now = Date.now();
    const e = this.#entries.get(key);
    if (e !== undefined && e.expiresAt > now) {
      const value = Number(e.value) + by;
      e.value = String(value);
      return value;
    }
    this.#put(key, String(by), now + Math.max(1, Math.ceil(ttlSecs)) * 1000, true);
    return by;
  }

  async delete(key: string): Promise<void> {
    this.#delete(key);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.#entries.clear();
    this.#droppable.clear();
  }

  /** Number of entries held, expired ones not yet dropped included (for tests and metrics). */
  get size(): number {
    return this.#entries.size;
  }

  /** Writes an entry, making room first when the key is new (see the class comment for what may go). */
  #put(key: string, value: string, expiresAt: number, droppable: boolean): void {
    if (!this.#entries.has(key)) this.#makeRoom();
    this.#entries.set(key, { value, expiresAt });
    // Re-added, so that an entry's age is that of its latest write.
    this.#droppable.delete(key);
    if (droppable) this.#droppable.add(key);
  }

  #delete(key: string): void {
    this.#entries.delete(key);
    this.#droppable.delete(key);
  }

  /**
   * Room for one more key. Expired entries are swept when the map reaches `#sweepAt`, which then becomes
   * twice the live size: amortised O(1) per set (a fixed threshold would rescan every entry on every set once
   * that many were live). At the cap, a sweep is repeated only after an eighth of the cap in new keys (again
   * amortised O(1)); in between, the oldest droppable entry goes. A write is refused only after a last sweep.
   */
  #makeRoom(): void {
    const size = this.#entries.size;
    const atCap = size >= this.#maxEntries;
    if (size >= this.#sweepAt || (atCap && this.#addedSinceSweep >= this.#maxEntries / 8)) this.#sweep();
    this.#addedSinceSweep++;
    if (this.#entries.size < this.#maxEntries || this.#dropOldest()) return;
    this.#sweep();
    if (this.#entries.size >= this.#maxEntries) throw new StoreFullError(this.#maxEntries);
  }

  #sweep(): void {
    const now = Date.now();
    for (const [k, e] of this.#entries) if (e.expiresAt <= now) this.#delete(k);
    this.#sweepAt = Math.max(SWEEP_MIN, this.#entries.size * 2);
    this.#addedSinceSweep = 0;
  }

  #dropOldest(): boolean {
    const oldest = this.#droppable.values().next();
    if (oldest.done) return false;
    this.#delete(oldest.value);
    return true;
  }

  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    return Promise.all(keys.map((k) => this.get(k)));
  }
}

import { ServiceUnavailableError } from '../../error/index.js';
import type { Store, WriteOptions, WritePriority } from './contract.js';

const SWEEP_MIN = 10_000;

/**
 * Most entries the in-process store holds (the embedded default; Redis is bounded by its own `maxmemory`).
 * Every key written from a request is of bounded size (hashes, ids, addresses), so this bounds the memory,
 * whatever the traffic: some tens of MB at worst.
 */
export const MEMORY_STORE_MAX_ENTRIES = 100_000;

/**
 * The store is full of entries none of which may be dropped for this write: 503 `temporarily_unavailable`
 * (RFC 6749 §4.1.2.1) rather than forgetting a revocation, a session or a failure counter (see
 * {@link MemoryStore}).
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
 * The in-process store, for a single node. It holds at most `maxEntries` entries, by the classes of
 * {@link WritePriority}; when a new key would go past its class's ceiling:
 *  1. expired entries are dropped first (they are gone for every reader already);
 *  2. then the oldest `cheap` entry (a pending device request, a poll marker, a cached consent) — the only
 *     class ever dropped, so that a flood of unauthenticated device authorization requests can neither sign
 *     users out nor reset the sign-in throttles;
 *  3. never a `protected` or `keep` entry: with none of the cheap ones left the write is refused with
 *     {@link StoreFullError} — an outage, not a security hole. `protected` and `cheap` writes stop a tenth
 *     short of the cap, which is left to `keep` writes (revocations, single-use claims) alone: a revocation is
 *     not refused because sessions or counters filled the store. (Redis deployments get the matching warning
 *     about `maxmemory-policy`, see `RedisStore.evictionPolicy`.)
 */
export class MemoryStore implements Store {
  readonly kind = 'memory' as const;
  readonly #entries = new Map<string, { value: string; expiresAt: number }>();
  /** Keys of the live `cheap` entries, oldest first (a Set keeps insertion order): what may be dropped. */
  readonly #cheap = new Set<string>();
  readonly #maxEntries: number;
  /** Entries `protected` and `cheap` writes may fill: the rest is reserved for `keep` writes. */
  readonly #sharedEntries: number;
  #sweepAt = SWEEP_MIN;
  /** New keys since the last full sweep: at the cap, how a sweep is amortised (see {@link #makeRoom}). */
  #addedSinceSweep = 0;

  constructor(maxEntries = MEMORY_STORE_MAX_ENTRIES) {
    this.#maxEntries = maxEntries;
    this.#sharedEntries = maxEntries - Math.floor(maxEntries / 10);
  }

  async set(key: string, value: string, ttlSecs: number, options?: WriteOptions): Promise<void> {
    this.#put(key, value, Date.now() + ttlSecs * 1000, options?.priority);
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
    this.#put(key, value, Date.now() + Math.max(1, Math.ceil(ttlSecs)) * 1000, options?.priority);
    return true;
  }

  // No await between the read and the write: atomic within this process's one JavaScript thread.
  async increment(key: string, by: number, ttlSecs: number, options?: WriteOptions): Promise<number> {
    const now = Date.now();
    const e = this.#entries.get(key);
    if (e !== undefined && e.expiresAt > now) {
      const value = Number(e.value) + by;
      e.value = String(value);
      // A cheap counter's age is that of its latest increment, as for any write: a busy one is not dropped.
      if (this.#cheap.delete(key)) this.#cheap.add(key);
      return value;
    }
    this.#put(key, String(by), now + Math.max(1, Math.ceil(ttlSecs)) * 1000, options?.priority);
    return by;
  }

  async delete(key: string): Promise<void> {
    this.#delete(key);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.#entries.clear();
    this.#cheap.clear();
  }

  /** Number of entries held, expired ones not yet dropped included (for tests and metrics). */
  get size(): number {
    return this.#entries.size;
  }

  /** Writes an entry, making room first when the key is new (see the class comment for what may go). */
  #put(key: string, value: string, expiresAt: number, priority: WritePriority = 'protected'): void {
    if (!this.#entries.has(key)) this.#makeRoom(priority === 'keep' ? this.#maxEntries : this.#sharedEntries);
    this.#entries.set(key, { value, expiresAt });
    // Re-added, so that an entry's age is that of its latest write.
    this.#cheap.delete(key);
    if (priority === 'cheap') this.#cheap.add(key);
  }

  #delete(key: string): void {
    this.#entries.delete(key);
    this.#cheap.delete(key);
  }

  /**
   * Room for one more key below `ceiling`. Expired entries are swept when the map reaches `#sweepAt`, which
   * then becomes twice the live size: amortised O(1) per set (a fixed threshold would rescan every entry on
   * every set once that many were live). At the cap, a sweep is repeated only after an eighth of the cap in
   * new keys (again amortised O(1)); in between, the oldest cheap entries go. A write is refused only after
   * a last sweep.
   */
  #makeRoom(ceiling: number): void {
    const size = this.#entries.size;
    const atCap = size >= ceiling;
    if (size >= this.#sweepAt || (atCap && this.#addedSinceSweep >= this.#maxEntries / 8)) this.#sweep();
    this.#addedSinceSweep++;
    while (this.#entries.size >= ceiling) if (!this.#dropOldestCheap()) break;
    if (this.#entries.size < ceiling) return;
    this.#sweep();
    if (this.#entries.size >= ceiling) throw new StoreFullError(this.#maxEntries);
  }

  #sweep(): void {
    const now = Date.now();
    for (const [k, e] of this.#entries) if (e.expiresAt <= now) this.#delete(k);
    this.#sweepAt = Math.max(SWEEP_MIN, this.#entries.size * 2);
    this.#addedSinceSweep = 0;
  }

  #dropOldestCheap(): boolean {
    const oldest = this.#cheap.values().next();
    if (oldest.done) return false;
    this.#delete(oldest.value);
    return true;
  }

  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    return Promise.all(keys.map((k) => this.get(k)));
  }
}

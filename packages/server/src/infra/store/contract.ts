/**
 * How an entry may be treated under memory pressure. `keep`: it must live out its TTL — a revocation or a
 * single-use claim, whose loss would re-enable a token or a code (RFC 9700 §4.14, RFC 6749 §4.1.2). Every
 * other entry fails closed when lost (a session, a code or a pending device request that is gone is simply
 * refused), so the in-process store may drop it early when full.
 */
export interface WriteOptions {
  keep?: boolean;
}

/** Shared key/value state with expiry (revocation lists, rate limits): Redis, or in-process for one node. */
export interface Store {
  kind: 'redis' | 'memory';
  set(key: string, value: string, ttlSecs: number, options?: WriteOptions): Promise<void>;
  get(key: string): Promise<string | undefined>;
  /**
   * Sets the key only if it does not exist (or has expired): true for exactly one caller while the key
   * lives, on every node sharing the store. The "first one wins" step of single-use artefacts.
   */
  setIfAbsent(key: string, value: string, ttlSecs: number, options?: WriteOptions): Promise<boolean>;
  /**
   * Adds `by` to the counter at `key` and returns the new value, atomically on every node sharing the store.
   * A counter that did not exist starts a fixed window of `ttlSecs`; later increments keep its expiry.
   */
  increment(key: string, by: number, ttlSecs: number): Promise<number>;
  /** Removes the key (an ended session, a redeemed code); nothing when it is absent. */
  delete(key: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Several keys in one call (one round trip with Redis), in the order asked; undefined when absent. */
  getMany(keys: readonly string[]): Promise<(string | undefined)[]>;
}

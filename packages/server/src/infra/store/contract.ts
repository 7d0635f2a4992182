/**
 * How an entry may be treated when the in-process store is full (Redis has no such classes: keep it at
 * `noeviction`, see `RedisStore.evictionPolicy`), costliest first:
 * - `keep`: must live out its TTL — a revocation or a single-use claim, whose loss would re-enable a token or
 *   a code (RFC 9700 §4.14, RFC 6749 §4.1.2). Never dropped, and a tenth of the store is kept free for these
 *   alone, so that no flood of other entries can make a revocation fail.
 * - `protected` (the default): state a user or a throttle depends on — sessions, authorization codes,
 *   sign-in and guess counters, decided device requests. Never dropped either: dropping a session signs its
 *   user out, dropping a failure counter gives an attacker a fresh set of guesses.
 * - `cheap`: what unauthenticated requests create in bulk and can do without — pending device requests and
 *   their user codes, poll markers, the consent cache. The only class dropped (oldest first) to make room;
 *   a lost one fails closed (a device request that is gone is refused as expired; the cache reads through).
 */
export type WritePriority = 'keep' | 'protected' | 'cheap';

export interface WriteOptions {
  /** Default `protected`. */
  priority?: WritePriority;
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
  increment(key: string, by: number, ttlSecs: number, options?: WriteOptions): Promise<number>;
  /** Removes the key (an ended session, a redeemed code); nothing when it is absent. */
  delete(key: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Several keys in one call (one round trip with Redis), in the order asked; undefined when absent. */
  getMany(keys: readonly string[]): Promise<(string | undefined)[]>;
}

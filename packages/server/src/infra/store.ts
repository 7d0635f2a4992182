import { Redis } from 'ioredis';

/** Shared key/value state with expiry (revocation lists, rate limits): Redis, or in-process for one node. */
export interface Store {
  kind: 'redis' | 'memory';
  set(key: string, value: string, ttlSecs: number): Promise<void>;
  get(key: string): Promise<string | undefined>;
  /**
   * Sets the key only if it does not exist (or has expired): true for exactly one caller while the key
   * lives, on every node sharing the store. The "first one wins" step of single-use artefacts.
   */
  setIfAbsent(key: string, value: string, ttlSecs: number): Promise<boolean>;
  /**
   * Adds `by` to the counter at `key` and returns the new value, atomically on every node sharing the store.
   * A counter that did not exist starts a fixed window of `ttlSecs`; later increments keep its expiry.
   */
  increment(key: string, by: number, ttlSecs: number): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Several keys in one call (one round trip with Redis), in the order asked; undefined when absent. */
  getMany(keys: readonly string[]): Promise<(string | undefined)[]>;
}

const SWEEP_MIN = 10_000;

export class MemoryStore implements Store {
  readonly kind = 'memory' as const;
  readonly #entries = new Map<string, { value: string; expiresAt: number }>();
  #sweepAt = SWEEP_MIN;

  async set(key: string, value: string, ttlSecs: number): Promise<void> {
    this.#sweep();
    this.#entries.set(key, { value, expiresAt: Date.now() + ttlSecs * 1000 });
  }

  async get(key: string): Promise<string | undefined> {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= Date.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  // No await between the check and the set: atomic within this process's one JavaScript thread.
  async setIfAbsent(key: string, value: string, ttlSecs: number): Promise<boolean> {
    const e = this.#entries.get(key);
    if (e !== undefined && e.expiresAt > Date.now()) return false;
    this.#sweep();
    // Same rounding as Redis `EX`: a marker always lives at least a second.
    this.#entries.set(key, { value, expiresAt: Date.now() + Math.max(1, Math.ceil(ttlSecs)) * 1000 });
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
    this.#sweep();
    this.#entries.set(key, { value: String(by), expiresAt: now + Math.max(1, Math.ceil(ttlSecs)) * 1000 });
    return by;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.#entries.clear();
  }

  /**
   * Expired entries are swept when the map reaches `#sweepAt`, which then becomes twice the live size:
   * amortised O(1) per set. (A fixed threshold rescanned every entry on every set once 10,000 were live.)
   */
  #sweep(): void {
    if (this.#entries.size < this.#sweepAt) return;
    const now = Date.now();
    for (const [k, e] of this.#entries) if (e.expiresAt <= now) this.#entries.delete(k);
    this.#sweepAt = Math.max(SWEEP_MIN, this.#entries.size * 2);
  }

  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    return Promise.all(keys.map((k) => this.get(k)));
  }
}

/** INCRBY, and an expiry only when the counter was just created (a fixed window); one atomic script. */
const INCREMENT_LUA = `
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('TTL', KEYS[1]) == -1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return value`;

export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(url: string, prefix = 'gatehouse:') {
    this.#redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2, enableOfflineQueue: true });
    this.#redis.on('error', () => {});
    this.#redis.defineCommand('gatehouseIncrement', { numberOfKeys: 1, lua: INCREMENT_LUA });
    this.#prefix = prefix;
  }

  /** The connection, shared with the rate limiter so one node keeps one Redis connection. */
  get client(): Redis {
    return this.#redis;
  }

  /** Key prefix of this store, so other users of the connection stay in the same namespace. */
  get prefix(): string {
    return this.#prefix;
  }

  async set(key: string, value: string, ttlSecs: number): Promise<void> {
    await this.#redis.set(this.#prefix + key, value, 'EX', Math.max(1, Math.ceil(ttlSecs)));
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.#redis.get(this.#prefix + key)) ?? undefined;
  }

  // SET … NX is atomic on the Redis primary, so exactly one node's request wins.
  async setIfAbsent(key: string, value: string, ttlSecs: number): Promise<boolean> {
    const ttl = Math.max(1, Math.ceil(ttlSecs));
    return (await this.#redis.set(this.#prefix + key, value, 'EX', ttl, 'NX')) === 'OK';
  }

  async increment(key: string, by: number, ttlSecs: number): Promise<number> {
    const redis = this.#redis as Redis & {
      gatehouseIncrement(key: string, by: number, ttlSecs: number): Promise<number>;
    };
    return redis.gatehouseIncrement(this.#prefix + key, by, Math.max(1, Math.ceil(ttlSecs)));
  }

  async ping(): Promise<void> {
    await this.#redis.ping();
  }

  /**
   * The server's `maxmemory-policy`, or undefined when it cannot be read (managed services often refuse
   * `CONFIG`). Every key here has a TTL, so any policy but `noeviction` may drop a revocation or single-use
   * marker under memory pressure: a revoked token would be active again, a code redeemable twice.
   */
  async evictionPolicy(): Promise<string | undefined> {
    try {
      const reply = (await this.#redis.config('GET', 'maxmemory-policy')) as string[];
      return reply[1];
    } catch {
      return undefined;
    }
  }

  async close(): Promise<void> {
    this.#redis.disconnect();
  }

  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    if (keys.length === 0) return [];
    const values = await this.#redis.mget(keys.map((k) => this.#prefix + k));
    return values.map((v) => v ?? undefined);
  }
}

export function openStore(url: string | undefined, prefix?: string): Store {
  return url ? new RedisStore(url, prefix) : new MemoryStore();
}

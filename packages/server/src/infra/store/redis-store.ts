import { Redis, ReplyError } from 'ioredis';
import { ServiceUnavailableError } from '../../error/index.js';
import type { Store } from './contract.js';

/** INCRBY, and an expiry only when the counter was just created (a fixed window); one atomic script. */
const INCREMENT_LUA = `
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('TTL', KEYS[1]) == -1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return value`;

/**
 * Longest a Redis command may take, queued while reconnecting included. Redis answers in well under a
 * millisecond; without a bound, a Redis outage would hold every request for 12–45 s (ioredis's offline queue
 * and reconnection back-off) before it failed with a 500.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 1_000;

/** The store cannot be reached (Redis down, unreachable or too slow); see ServiceUnavailableError. */
export class StoreUnavailableError extends ServiceUnavailableError {
  override name = 'StoreUnavailableError';
  constructor(cause: unknown) {
    super(`store unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** Where the store's Redis is: `redis.url`, Sentinel (`redis.sentinels` + `redis.sentinel_name`), or both. */
export interface RedisConnection {
  /** redis:// or rediss://; with sentinels, only its credentials, database and TLS are used. */
  url?: string | undefined;
  sentinels?: { host: string; port: number }[] | undefined;
  sentinel_name?: string | undefined;
}

/**
 * The ioredis options of a connection. With sentinels, ioredis asks them for the primary named
 * `sentinel_name` and asks again after a failover; the URL's host and port are then not used.
 */
export function redisOptions(connection: RedisConnection) {
  const { sentinels, sentinel_name: name } = connection;
  if ((sentinels === undefined) !== (name === undefined))
    throw new Error('Redis Sentinel needs both the sentinels and the name of the primary');
  const sentinel = sentinels === undefined || name === undefined ? {} : { sentinels, name };
  return {
    ...sentinel,
    lazyConnect: false,
    // A command waits for a reconnection (a failover) at most this long, and is not retried on a second one.
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
  };
}

/** Connection-level failures become StoreUnavailableError; an error reply from Redis stays what it is (a bug). */
async function reachable<T>(command: Promise<T>): Promise<T> {
  try {
    return await command;
  } catch (err) {
    throw err instanceof ReplyError ? err : new StoreUnavailableError(err);
  }
}

export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(connection: string | RedisConnection, prefix = 'gatehouse:') {
    const { url, ...rest } = typeof connection === 'string' ? { url: connection } : connection;
    const options = redisOptions(rest);
    this.#redis = url === undefined ? new Redis(options) : new Redis(url, options);
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
    await reachable(this.#redis.set(this.#prefix + key, value, 'EX', Math.max(1, Math.ceil(ttlSecs))));
  }

  async get(key: string): Promise<string | undefined> {
    return (await reachable(this.#redis.get(this.#prefix + key))) ?? undefined;
  }

  // SET … NX is atomic on the Redis primary, so exactly one node's request wins.
  async setIfAbsent(key: string, value: string, ttlSecs: number): Promise<boolean> {
    const ttl = Math.max(1, Math.ceil(ttlSecs));
    return (await reachable(this.#redis.set(this.#prefix + key, value, 'EX', ttl, 'NX'))) === 'OK';
  }

  async increment(key: string, by: number, ttlSecs: number): Promise<number> {
    const redis = this.#redis as Redis & {
      gatehouseIncrement(key: string, by: number, ttlSecs: number): Promise<number>;
    };
    return reachable(redis.gatehouseIncrement(this.#prefix + key, by, Math.max(1, Math.ceil(ttlSecs))));
  }

  async delete(key: string): Promise<void> {
    await reachable(this.#redis.del(this.#prefix + key));
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
    const values = await reachable(this.#redis.mget(keys.map((k) => this.#prefix + k)));
    return values.map((v) => v ?? undefined);
  }
}

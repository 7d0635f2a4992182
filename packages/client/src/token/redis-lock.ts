import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { StorageError } from '../errors/index.js';
import type { LockRelease, TokenLock } from './lock.js';

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
/** Extends only the caller's own lock: after an expiry another holder's lock must stay as it is. */
const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

/** Options of {@link RedisTokenLock}. */
export interface RedisTokenLockOptions {
  /** A connected ioredis client; the lock never closes it. */
  client: Redis;
  /** Prefix of lock keys. Default `gatehouse:lock:`. */
  keyPrefix?: string;
}

/**
 * A {@link TokenLock} on one Redis: `SET key owner NX PX ttl` with a random owner, released by a Lua
 * compare-and-delete so a holder whose lock expired can never delete another holder's lock, and extended
 * by a Lua compare-and-`PEXPIRE` for the same reason.
 */
export class RedisTokenLock implements TokenLock {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(options: RedisTokenLockOptions) {
    this.#redis = options.client;
    this.#prefix = options.keyPrefix ?? 'gatehouse:lock:';
  }

  /** The prefix of every lock key. */
  get keyPrefix(): string {
    return this.#prefix;
  }

  async tryAcquire(name: string, ttlMs: number): Promise<LockRelease | undefined> {
    const key = this.#prefix + name;
    const owner = randomBytes(16).toString('hex');
    let result: string | null;
    try {
      result = await this.#redis.set(key, owner, 'PX', ttlMs, 'NX');
    } catch (cause) {
      throw new StorageError('redis lock could not be acquired', {
        code: 'storage_error',
        retryable: true,
        cause,
      });
    }
    if (result !== 'OK') return undefined;
    const release: LockRelease = async () => {
      await this.#redis.eval(RELEASE, 1, key, owner);
    };
    release.extend = async (nextTtlMs) => (await this.#redis.eval(EXTEND, 1, key, owner, nextTtlMs)) === 1;
    return release;
  }
}

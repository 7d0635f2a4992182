import type { Redis } from 'ioredis';
import { StorageError } from '../errors/index.js';
import type { StoredTokens } from '../token/records.js';
import type { TokenStorage } from './token-storage.js';
import { isStoredTokens } from './validate.js';

/** Options of {@link RedisTokenStorage}. */
export interface RedisTokenStorageOptions {
  /** A connected ioredis client; the storage never closes it. */
  client: Redis;
  /** Prefix of every key, e.g. `gatehouse:tokens:`. Default `gatehouse:tokens:`. */
  keyPrefix?: string;
  /** Seconds kept beyond the longest known token lifetime. Default 60. */
  ttlGraceSecs?: number;
}

/**
 * Token storage in Redis: one JSON string per key under `keyPrefix`, so several instances of an
 * application share tokens. Each entry expires when its tokens are useless: at the refresh token's
 * expiry when known, never when a refresh token of unknown lifetime is kept, else at the access
 * token's expiry (plus `ttlGraceSecs`). `listKeys` and `clear` use SCAN, never KEYS.
 */
export class RedisTokenStorage implements TokenStorage {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #graceMs: number;

  constructor(options: RedisTokenStorageOptions) {
    this.#redis = options.client;
    this.#prefix = options.keyPrefix ?? 'gatehouse:tokens:';
    this.#graceMs = (options.ttlGraceSecs ?? 60) * 1000;
  }

  /** The prefix of every key this storage reads, writes, lists and clears. */
  get keyPrefix(): string {
    return this.#prefix;
  }

  async store(key: string, tokens: StoredTokens): Promise<void> {
    const value = JSON.stringify(tokens);
    const ttlMs = this.#ttlMs(tokens);
    await this.#call(() =>
      ttlMs === undefined
        ? this.#redis.set(this.#prefix + key, value)
        : this.#redis.set(this.#prefix + key, value, 'PX', ttlMs),
    );
  }

  async get(key: string): Promise<StoredTokens | undefined> {
    const value = await this.#call(() => this.#redis.get(this.#prefix + key));
    if (value === null) return undefined;
    try {
      const parsed: unknown = JSON.parse(value);
      if (!isStoredTokens(parsed)) throw new Error('not stored tokens');
      return parsed;
    } catch (cause) {
      throw new StorageError('stored tokens are not valid', { code: 'storage_corrupted', cause });
    }
  }

  async delete(key: string): Promise<void> {
    await this.#call(() => this.#redis.del(this.#prefix + key));
  }

  async exists(key: string): Promise<boolean> {
    return (await this.#call(() => this.#redis.exists(this.#prefix + key))) === 1;
  }

  async listKeys(): Promise<string[]> {
    return (await this.#scan()).map((k) => k.slice(this.#prefix.length));
  }

  async clear(): Promise<void> {
    const keys = await this.#scan();
    for (let i = 0; i < keys.length; i += 500) {
      const batch = keys.slice(i, i + 500);
      await this.#call(() => this.#redis.del(...batch));
    }
  }

  #ttlMs(tokens: StoredTokens): number | undefined {
    let until: number | undefined;
    if (tokens.refreshToken !== undefined) {
      until = tokens.refreshTokenExpiresAt;
      if (until === undefined) return undefined;
    } else {
      until = tokens.expiresAt;
      if (until === undefined) return undefined;
    }
    return Math.max(1000, until - Date.now() + this.#graceMs);
  }

  async #scan(): Promise<string[]> {
    const found = new Set<string>();
    const pattern = `${escapeGlob(this.#prefix)}*`;
    let cursor = '0';
    do {
      const [next, keys] = await this.#call(() => this.#redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500));
      cursor = next;
      for (const k of keys) found.add(k);
    } while (cursor !== '0');
    return [...found];
  }

  async #call<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (cause) {
      throw new StorageError('redis token storage failed', { code: 'storage_error', retryable: true, cause });
    }
  }
}

function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}

import type { Redis } from 'ioredis';
import { ConfigurationError } from '../errors/index.js';
import type { TokenLock } from '../token/lock.js';
import { RedisTokenLock } from '../token/redis-lock.js';
import { FileTokenStorage } from './file-storage.js';
import { MemoryTokenStorage } from './memory-storage.js';
import { RedisTokenStorage } from './redis-storage.js';
import type { TokenStorage } from './token-storage.js';

/** What `OAUTH2_STORAGE_*` selects: the storage and, for Redis, the cross-process refresh lock. */
export interface StorageSelection {
  storage: TokenStorage;
  tokenLock?: TokenLock;
  /** Closes what was opened for them (the Redis connection); absent when nothing was. */
  close?: () => Promise<void>;
}

function invalid(message: string): ConfigurationError {
  return new ConfigurationError(`invalid configuration: ${message}`, { code: 'invalid_configuration' });
}

/**
 * Redis storage and lock under `OAUTH2_STORAGE_PREFIX`: tokens in `{prefix}tokens:`, locks in
 * `{prefix}lock:`. The two key spaces must be disjoint: the storage's SCAN (`listKeys`, `clear`) covers
 * everything under its prefix, and would otherwise read lock keys as corrupted tokens and delete other
 * instances' live refresh locks. Without a prefix, the classes' defaults (`gatehouse:tokens:`,
 * `gatehouse:lock:`) apply.
 */
function redisKeySpaces(
  namespace: string | undefined,
  client: Redis,
): Required<Omit<StorageSelection, 'close'>> {
  if (!namespace)
    return { storage: new RedisTokenStorage({ client }), tokenLock: new RedisTokenLock({ client }) };
  return {
    storage: new RedisTokenStorage({ client, keyPrefix: `${namespace}tokens:` }),
    tokenLock: new RedisTokenLock({ client, keyPrefix: `${namespace}lock:` }),
  };
}

/**
 * Ends a connection this module opened: a graceful QUIT when connected (pending commands finish),
 * otherwise at once, since a connection still retrying would wait for a server that may never come.
 */
async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      // fall through: drop it
    }
  }
  client.disconnect();
}

/**
 * Builds token storage from `OAUTH2_STORAGE_TYPE` (`memory` | `file` | `redis`, default memory):
 * - `file`: `OAUTH2_STORAGE_PATH` (required), `OAUTH2_STORAGE_KEY` (optional base64 32-byte AES key);
 * - `redis`: `OAUTH2_REDIS_URL` (required; `ioredis` must be installed), `OAUTH2_STORAGE_PREFIX` (a
 *   namespace: tokens under `{prefix}tokens:`, refresh locks under `{prefix}lock:`).
 */
export async function storageFromEnv(env: NodeJS.ProcessEnv): Promise<StorageSelection> {
  const type = env['OAUTH2_STORAGE_TYPE'] || 'memory';
  switch (type) {
    case 'memory':
      return { storage: new MemoryTokenStorage() };
    case 'file': {
      const path = env['OAUTH2_STORAGE_PATH'];
      if (!path) throw invalid('OAUTH2_STORAGE_PATH must be set when OAUTH2_STORAGE_TYPE=file');
      const rawKey = env['OAUTH2_STORAGE_KEY'];
      if (rawKey === undefined || rawKey === '') return { storage: new FileTokenStorage({ path }) };
      const encryptionKey = Buffer.from(rawKey, 'base64');
      if (encryptionKey.length !== 32) throw invalid('OAUTH2_STORAGE_KEY must be 32 bytes, base64-encoded');
      return { storage: new FileTokenStorage({ path, encryptionKey }) };
    }
    case 'redis': {
      const url = env['OAUTH2_REDIS_URL'];
      if (!url) throw invalid('OAUTH2_REDIS_URL must be set when OAUTH2_STORAGE_TYPE=redis');
      // ioredis is an optional peer dependency: loaded only when Redis storage is asked for.
      const { Redis } = await import('ioredis').catch(() => {
        throw invalid('OAUTH2_STORAGE_TYPE=redis needs the ioredis package installed');
      });
      const client = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2 });
      return { ...redisKeySpaces(env['OAUTH2_STORAGE_PREFIX'], client), close: () => closeRedis(client) };
    }
    default:
      throw invalid(`OAUTH2_STORAGE_TYPE must be memory, file or redis (got "${type}")`);
  }
}

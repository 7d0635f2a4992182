import type { Store } from './contract.js';
import { MemoryStore } from './memory-store.js';
import { type RedisConnection, RedisStore } from './redis-store.js';

export * from './contract.js';
export * from './keys.js';
export * from './memory-store.js';
export * from './redis-store.js';

/** Redis when a URL or sentinels are configured (several nodes), else the in-process store (one node). */
export function openStore(connection: string | RedisConnection | undefined, prefix?: string): Store {
  const redis = typeof connection === 'string' ? { url: connection } : connection;
  return redis?.url || redis?.sentinels ? new RedisStore(redis, prefix) : new MemoryStore();
}

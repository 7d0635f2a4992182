import type { Store } from './contract.js';
import { MemoryStore } from './memory-store.js';
import { RedisStore } from './redis-store.js';

export * from './contract.js';
export * from './keys.js';
export * from './memory-store.js';
export * from './redis-store.js';

/** Redis when a URL is configured (several nodes), else the in-process store (one node). */
export function openStore(url: string | undefined, prefix?: string): Store {
  return url ? new RedisStore(url, prefix) : new MemoryStore();
}

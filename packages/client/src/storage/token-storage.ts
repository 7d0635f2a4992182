import type { StoredTokens } from '../token/records.js';

/**
 * Pluggable token persistence. Implementations: memory, encrypted file, Redis.
 * Every method rejects with `StorageError` on failure; none may lose data silently.
 */
export interface TokenStorage {
  store(key: string, tokens: StoredTokens): Promise<void>;
  get(key: string): Promise<StoredTokens | undefined>;
  delete(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  listKeys(): Promise<string[]>;
  clear(): Promise<void>;
}

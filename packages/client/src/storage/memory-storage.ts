import type { StoredTokens } from '../token/records.js';
import type { TokenStorage } from './token-storage.js';

/** Options of {@link MemoryTokenStorage}. */
export interface MemoryTokenStorageOptions {
  /** Keep at most this many keys; the least recently used key is evicted first. Unlimited when absent. */
  maxEntries?: number;
}

/**
 * In-process token storage backed by a `Map`, with optional LRU eviction.
 * Values are deep-copied in and out, so callers can never mutate stored tokens by accident.
 */
export class MemoryTokenStorage implements TokenStorage {
  readonly #entries = new Map<string, StoredTokens>();
  readonly #maxEntries: number | undefined;

  constructor(options: MemoryTokenStorageOptions = {}) {
    if (
      options.maxEntries !== undefined &&
      (!Number.isInteger(options.maxEntries) || options.maxEntries < 1)
    ) {
      throw new RangeError('maxEntries must be a positive integer');
    }
    this.#maxEntries = options.maxEntries;
  }

  async store(key: string, tokens: StoredTokens): Promise<void> {
    this.#entries.delete(key);
    this.#entries.set(key, structuredClone(tokens));
    if (this.#maxEntries !== undefined) {
      while (this.#entries.size > this.#maxEntries) {
        const oldest = this.#entries.keys().next();
        if (oldest.done) break;
        this.#entries.delete(oldest.value);
      }
    }
  }

  async get(key: string): Promise<StoredTokens | undefined> {
    const value = this.#entries.get(key);
    if (value === undefined) return undefined;
    // refresh recency
    this.#entries.delete(key);
    this.#entries.set(key, value);
    return structuredClone(value);
  }

  async delete(key: string): Promise<void> {
    this.#entries.delete(key);
  }

  async exists(key: string): Promise<boolean> {
    return this.#entries.has(key);
  }

  async listKeys(): Promise<string[]> {
    return [...this.#entries.keys()];
  }

  async clear(): Promise<void> {
    this.#entries.clear();
  }
}

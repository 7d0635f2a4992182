import { createHash, timingSafeEqual } from 'node:crypto';

/** What is remembered between the authorization request and its callback. */
export interface PendingAuthorization {
  state: string;
  codeVerifier?: string;
  nonce?: string;
  redirectUri: string;
  /** Epoch ms after which the state is rejected. */
  expiresAt: number;
}

/**
 * Keeps pending authorization requests. `consume` must be single-use: it returns and deletes the
 * entry (RFC 6749 §10.12, RFC 9700 §4.7). Implement over Redis or a session for multi-process apps.
 */
export interface StateStore {
  save(entry: PendingAuthorization): Promise<void>;
  consume(state: string): Promise<PendingAuthorization | undefined>;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** In-process {@link StateStore}; entries are keyed by a hash and compared in constant time. */
export class MemoryStateStore implements StateStore {
  readonly #entries = new Map<string, PendingAuthorization>();

  async save(entry: PendingAuthorization): Promise<void> {
    this.#prune();
    this.#entries.set(digest(entry.state).toString('hex'), entry);
  }

  async consume(state: string): Promise<PendingAuthorization | undefined> {
    const key = digest(state);
    const entry = this.#entries.get(key.toString('hex'));
    if (!entry) return undefined;
    this.#entries.delete(key.toString('hex'));
    return timingSafeEqual(digest(entry.state), key) ? entry : undefined;
  }

  #prune(): void {
    const now = Date.now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
  }
}

import type { StoredTokens } from './records.js';

/** What a renewal started from: the stored tokens and the key's generation when they were read. */
export interface Snapshot {
  stored: StoredTokens | undefined;
  generation: number;
}

/** The key changed while a renewal ran: what it holds now, and whether the renewal's new refresh token must be revoked. */
export interface Superseded {
  current: StoredTokens | undefined;
  revoke: boolean;
}

/**
 * Whether what a renewal started from was superseded meanwhile: here, by `storeTokens` or `clearTokens`
 * (each bumps the key's generation), or by another instance sharing the storage. A superseded renewal
 * must not write (or delete) over what the application decided meanwhile.
 */
export class Supersession {
  readonly #read: (key: string) => Promise<StoredTokens | undefined>;
  readonly #generations = new Map<string, number>();

  /** `read` reads the key as the manager sees it. */
  constructor(read: (key: string) => Promise<StoredTokens | undefined>) {
    this.#read = read;
  }

  /** Marks what renewals in flight for `key` started from as outdated. */
  supersede(key: string): void {
    this.#generations.set(key, this.#generation(key) + 1);
  }

  /** Whether nothing here superseded `generation` of `key`. */
  isCurrent(key: string, generation: number): boolean {
    return this.#generation(key) === generation;
  }

  /** Reads `key` together with its generation, taken first so no change can slip in between. */
  async snapshot(key: string): Promise<Snapshot> {
    const generation = this.#generation(key);
    return { stored: await this.#read(key), generation };
  }

  /**
   * Did `key` change while a refresh with `refreshToken` ran? Either here (the generation was bumped) or
   * in another instance sharing the storage (the key is gone, or holds another refresh token). A compare
   * before the write, not an atomic one: with a lock, refreshes are serialised and only a clear or a
   * login elsewhere in that short gap can still be overwritten.
   */
  async since(key: string, generation: number, refreshToken: string): Promise<Superseded | undefined> {
    const changedHere = !this.isCurrent(key, generation);
    let current: StoredTokens | undefined;
    try {
      current = await this.#read(key);
    } catch {
      // Storage unreadable: only what this process knows can be checked.
      return changedHere ? { current: undefined, revoke: true } : undefined;
    }
    if (changedHere || current === undefined) return { current, revoke: true };
    // Another instance stored other tokens: perhaps its own refresh of the same grant, so nothing is
    // revoked (RFC 7009 §2.1: revoking a refresh token may end the whole grant).
    if (current.refreshToken !== refreshToken) return { current, revoke: false };
    return undefined;
  }

  #generation(key: string): number {
    return this.#generations.get(key) ?? 0;
  }
}

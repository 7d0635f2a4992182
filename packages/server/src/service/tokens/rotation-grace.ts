import { type Store, storeKeys } from '../../infra/store/index.js';
import { sha256Key } from '../crypto/hash.js';
import { decryptWithSecret, encryptWithSecret } from '../crypto/secrets.js';

/**
 * The grace after a refresh token's rotation (`oauth.refresh_token_reuse_grace_secs`) during which the same
 * client presenting the rotated token gets its successor again instead of having its grant revoked for reuse
 * (OAuth 2.1 §4.3.1, RFC 9700 §4.14.2): a client whose rotation response was lost (a timeout, a dropped
 * connection) still holds only the old token. 0 turns it off, and nothing is written.
 *
 * The successor is kept in the store for the grace only, under the SHA-256 of the old token and encrypted
 * (AES-256-GCM) with a key derived from the old token itself: neither the store nor the database alone gives
 * it to anyone — only someone presenting the old token, which is the point. The database keeps hashes only.
 */
export class RotationGrace {
  constructor(
    private readonly store: Store,
    readonly graceSecs: number,
  ) {}

  /** Whether a token rotated at `rotatedAt` is still within the grace. */
  covers(rotatedAt: Date): boolean {
    return this.graceSecs > 0 && rotatedAt.getTime() + this.graceSecs * 1000 > Date.now();
  }

  /** Keeps the successor `token` was just rotated to, for the grace. */
  async remember(token: string, successor: string): Promise<void> {
    if (this.graceSecs <= 0) return;
    const sealed = encryptWithSecret(successor, token);
    // Dropping it when the in-process store is full would turn a lost response into a revoked grant.
    await this.store.set(key(token), sealed, this.graceSecs, { priority: 'protected' });
  }

  /** The successor `token` was rotated to, while the grace lasts; undefined otherwise. */
  async recall(token: string): Promise<string | undefined> {
    if (this.graceSecs <= 0) return undefined;
    const sealed = await this.store.get(key(token));
    if (sealed === undefined) return undefined;
    try {
      return decryptWithSecret(sealed, token);
    } catch {
      return undefined;
    }
  }
}

const key = (token: string) => storeKeys.rotatedRefreshToken(sha256Key(token));

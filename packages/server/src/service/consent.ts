import type { Store } from '../infra/store.js';
import type { ConsentRepo } from '../repo/consents.js';
import type { AuthRequest } from './authorization-request.js';
import type { Session } from './sessions.js';

/**
 * How long a node may answer "already consented" from the store without reading the database. Short, because
 * a consent withdrawn on another node (or a client deleted, which deletes its consents) is only seen after it.
 */
export const CONSENT_CACHE_SECS = 5 * 60;
const cacheKey = (userId: string, clientId: string) => `consent:${userId}:${clientId}`;

/**
 * Remembered consent (OIDC Core §3.1.2.4): what each user approved for each client, kept in the database
 * (`consents`, so it survives a Redis restart or eviction) and read through a short-lived store entry on the
 * `/authorize` hot path.
 */
export class ConsentService {
  constructor(
    private readonly repo: ConsentRepo,
    private readonly store: Store,
  ) {}

  /** Whether the user must be asked; `prompt=consent` always asks again (OIDC Core §3.1.2.1). */
  async needsConsent(req: AuthRequest, session: Session): Promise<boolean> {
    if (req.client.skipConsent) return false;
    if (req.prompt.includes('consent')) return true;
    if (req.scopes.length === 0) return false;
    const granted = new Set(await this.#granted(session.userId, req.client.clientId));
    return !req.scopes.every((s) => granted.has(s));
  }

  /** Records the approval of `req.scopes` (added to what was granted before). */
  async remember(req: AuthRequest, session: Session): Promise<void> {
    const all = await this.repo.grant(session.userId, req.client.clientId, req.scopes);
    await this.store.set(cacheKey(session.userId, req.client.clientId), all.join(' '), CONSENT_CACHE_SECS);
  }

  /** What a user has granted, per client (for operators: `gatehouse consents list`). */
  list(username: string) {
    return this.repo.listForUser(username);
  }

  /**
   * Withdraws a user's consent for a client: the next authorization request asks again. Every node sharing
   * this store sees it at once; a node with its own in-process store within {@link CONSENT_CACHE_SECS}.
   */
  async revoke(username: string, clientId: string): Promise<boolean> {
    const userId = await this.repo.revoke(username, clientId);
    if (userId === undefined) return false;
    await this.store.set(cacheKey(userId, clientId), '', CONSENT_CACHE_SECS);
    return true;
  }

  async #granted(userId: string, clientId: string): Promise<string[]> {
    const key = cacheKey(userId, clientId);
    const cached = await this.store.get(key);
    if (cached !== undefined) return cached === '' ? [] : cached.split(' ');
    const scopes = (await this.repo.find(userId, clientId)) ?? [];
    await this.store.set(key, scopes.join(' '), CONSENT_CACHE_SECS);
    return scopes;
  }
}

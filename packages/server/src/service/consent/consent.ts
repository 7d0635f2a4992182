import { type Store, storeKeys } from '../../infra/store/index.js';
import type { ConsentRepo } from '../../repo/consents.js';
import type { AuthRequest } from '../authorization/authorization-request.js';
import type { Session } from '../sessions/sessions.js';

/**
 * How long a node may answer "already consented" from the store without reading the database. Short, because
 * a consent withdrawn on another node (or a client deleted, which deletes its consents) is only seen after it.
 */
export const CONSENT_CACHE_SECS = 5 * 60;
/** A cached consent may be dropped when the in-process store is full: the next read goes to the database. */
const CACHED = { priority: 'cheap' } as const;
/** JSON values: the list of scopes, or null for "no consent on record". */
const cacheKey = storeKeys.consent;

/**
 * RFC 8252 §8.6: "unless the identity of the client can be proven, the request SHOULD be processed as if no
 * previous request had been approved". A public client (`none`) redirecting to a private-use scheme or to the
 * loopback interface (the only non-https redirect URIs config accepts, RFC 8252 §7.1, §7.3) proves nothing:
 * any app on the device can claim that scheme or listen on that port, start its own request with its own PKCE
 * and, with a remembered consent, get a code silently. An https redirect URI (a web client, or a claimed https
 * redirect of a native app, which §8.6 accepts as proof) is bound to its origin; a confidential client
 * authenticates at the token endpoint.
 */
function clientIdentityProven(req: AuthRequest): boolean {
  return req.client.tokenEndpointAuthMethod !== 'none' || new URL(req.redirectUri).protocol === 'https:';
}

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
    if (!clientIdentityProven(req)) return true;
    const granted = await this.#granted(session.userId, req.client.clientId);
    // No scope asked for still hands the client a code for this user (and their `sub`): only with a consent
    // on record for this client (RFC 6749 §4.1.1, OIDC Core §3.1.2.4).
    if (granted === undefined) return true;
    const set = new Set(granted);
    return !req.scopes.every((s) => set.has(s));
  }

  /** Records the approval of `req.scopes` (added to what was granted before). */
  async remember(req: AuthRequest, session: Session): Promise<void> {
    const all = await this.repo.grant(session.userId, req.client.clientId, req.scopes);
    await this.store.set(
      cacheKey(session.userId, req.client.clientId),
      JSON.stringify(all),
      CONSENT_CACHE_SECS,
      CACHED,
    );
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
    await this.store.set(cacheKey(userId, clientId), 'null', CONSENT_CACHE_SECS, CACHED);
    return true;
  }

  /** The scopes on record, or undefined when the user never approved this client. Cached as JSON (`null`). */
  async #granted(userId: string, clientId: string): Promise<string[] | undefined> {
    const key = cacheKey(userId, clientId);
    const cached = await this.store.get(key);
    if (cached !== undefined) return (JSON.parse(cached) as string[] | null) ?? undefined;
    const scopes = await this.repo.find(userId, clientId);
    await this.store.set(key, JSON.stringify(scopes ?? null), CONSENT_CACHE_SECS, CACHED);
    return scopes;
  }
}

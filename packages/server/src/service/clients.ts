import type { ClientSeed } from '../config/index.js';
import type { Client } from '../domain/index.js';
import { invalidClient, invalidRequest } from '../error/index.js';
import type { ClientRepo } from '../repo/clients.js';
import { generateClientSecret, hashClientSecret, verifyClientSecret } from './secrets.js';

export interface ClientCredentialsInput {
  authorization: string | undefined;
  body: Record<string, unknown>;
}

function decodeFormComponent(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    throw invalidRequest('malformed Basic credentials');
  }
}

/**
 * How long an authenticated client record may be served from this node's memory. Changes made through
 * this service invalidate the entry at once on this node; changes made on another node (or directly in
 * the database) become visible here after at most this long — the cross-node staleness bound.
 */
export const CLIENT_CACHE_TTL_MS = 30_000;
const CLIENT_CACHE_MAX = 10_000;

export class ClientService {
  /** client_id → record (only existing clients are cached, so a new client is never hidden). */
  readonly #cache = new Map<string, { client: Client; expires: number }>();
  /** Bumped on every invalidation; a lookup that raced with a write does not populate the cache. */
  #generation = 0;

  constructor(
    private readonly repo: ClientRepo,
    private readonly cacheTtlMs: number = CLIENT_CACHE_TTL_MS,
  ) {}

  /** Loads a client, from the short-lived in-process cache when possible. */
  async find(clientId: string): Promise<Client | undefined> {
    const now = Date.now();
    const hit = this.#cache.get(clientId);
    if (hit !== undefined) {
      if (hit.expires > now) return hit.client;
      this.#cache.delete(clientId);
    }
    const generation = this.#generation;
    const client = await this.repo.find(clientId);
    if (client !== undefined && this.cacheTtlMs > 0 && generation === this.#generation) {
      if (this.#cache.size >= CLIENT_CACHE_MAX) {
        const oldest = this.#cache.keys().next();
        if (!oldest.done) this.#cache.delete(oldest.value);
      }
      this.#cache.set(clientId, { client, expires: now + this.cacheTtlMs });
    }
    return client;
  }

  /** Drops a cached client (called after every change made through this service). */
  invalidate(clientId: string): void {
    this.#generation++;
    this.#cache.delete(clientId);
  }

  async upsertFromSeed(seed: ClientSeed): Promise<void> {
    this.invalidate(seed.client_id);
    try {
      await this.#upsert(seed);
    } finally {
      this.invalidate(seed.client_id);
    }
  }

  async #upsert(seed: ClientSeed): Promise<void> {
    await this.repo.upsert({
      clientId: seed.client_id,
      secretHash: seed.client_secret === undefined ? null : hashClientSecret(seed.client_secret),
      tokenEndpointAuthMethod: seed.token_endpoint_auth_method,
      grantTypes: seed.grant_types,
      scopes: seed.scopes,
      redirectUris: seed.redirect_uris,
      requirePkce: seed.require_pkce ?? true,
      skipConsent: seed.skip_consent ?? false,
    });
  }

  /** Creates a client and returns its plain secret (only shown once). */
  async create(
    seed: Omit<ClientSeed, 'client_secret'>,
  ): Promise<{ client: Client; secret: string | undefined }> {
    const needsSecret =
      seed.token_endpoint_auth_method === 'client_secret_basic' ||
      seed.token_endpoint_auth_method === 'client_secret_post';
    const secret = needsSecret ? generateClientSecret() : undefined;
    await this.upsertFromSeed(secret === undefined ? seed : { ...seed, client_secret: secret });
    const client = await this.repo.find(seed.client_id);
    if (!client) throw new Error('client vanished after insert');
    return { client, secret };
  }

  list(): Promise<Client[]> {
    return this.repo.list();
  }

  async delete(clientId: string): Promise<boolean> {
    this.invalidate(clientId);
    try {
      return await this.repo.delete(clientId);
    } finally {
      this.invalidate(clientId);
    }
  }

  async rotateSecret(clientId: string): Promise<string | undefined> {
    const secret = generateClientSecret();
    this.invalidate(clientId);
    try {
      return (await this.repo.setSecretHash(clientId, hashClientSecret(secret))) ? secret : undefined;
    } finally {
      this.invalidate(clientId);
    }
  }

  /**
   * Authenticates the calling client with client_secret_basic or client_secret_post (RFC 6749 §2.3.1).
   * With `allowPublic`, a client registered with `none` identifies itself by client_id alone (public
   * clients at the token and revocation endpoints, RFC 6749 §3.2.1, RFC 7009 §2.1).
   */
  async authenticate(
    input: ClientCredentialsInput,
    options: { allowPublic?: boolean } = {},
  ): Promise<Client> {
    const { authorization, body } = input;
    const bodyId = typeof body['client_id'] === 'string' ? body['client_id'] : undefined;
    const bodySecret = typeof body['client_secret'] === 'string' ? body['client_secret'] : undefined;
    if (options.allowPublic && authorization === undefined && body['client_secret'] === undefined && bodyId) {
      const client = await this.find(bodyId);
      // A confidential client must not be able to skip authentication by leaving its secret out.
      if (client?.tokenEndpointAuthMethod !== 'none')
        throw invalidClient('client authentication failed', false);
      return client;
    }
    let method: 'client_secret_basic' | 'client_secret_post';
    let clientId: string;
    let secret: string;
    if (authorization !== undefined && /^basic /i.test(authorization)) {
      if (bodySecret !== undefined) throw invalidRequest('more than one client authentication method used');
      const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
      const idx = decoded.indexOf(':');
      if (idx < 0) throw invalidClient('malformed Basic credentials', true);
      clientId = decodeFormComponent(decoded.slice(0, idx));
      secret = decodeFormComponent(decoded.slice(idx + 1));
      if (bodyId !== undefined && bodyId !== clientId)
        throw invalidRequest('client_id does not match the Basic credentials');
      method = 'client_secret_basic';
    } else if (bodyId !== undefined && bodySecret !== undefined) {
      clientId = bodyId;
      secret = bodySecret;
      method = 'client_secret_post';
    } else {
      throw invalidClient('client authentication required', authorization !== undefined);
    }
    const basic = method === 'client_secret_basic';
    const client = clientId === '' ? undefined : await this.find(clientId);
    // Always compared in constant time against the stored hash (cached or not).
    const ok = verifyClientSecret(secret, client?.secretHash);
    if (!client || !ok) throw invalidClient('client authentication failed', basic);
    if (client.tokenEndpointAuthMethod !== method) {
      throw invalidClient(`client is registered for ${client.tokenEndpointAuthMethod}`, basic);
    }
    return client;
  }
}

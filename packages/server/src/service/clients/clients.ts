import type { ClientSeed } from '../../config/index.js';
import type { Client, TokenEndpointAuthMethod } from '../../domain/index.js';
import { ReadThroughCache } from '../../infra/read-through-cache.js';
import type { ClientRepo } from '../../repo/clients.js';
import { generateClientSecret, hashClientSecret } from '../crypto/secrets.js';

/** A client as configured; post_logout_redirect_uris and resources may be left out (none). */
export type ClientInput = Omit<ClientSeed, 'post_logout_redirect_uris' | 'resources'> & {
  post_logout_redirect_uris?: string[] | undefined;
  resources?: string[] | undefined;
};

/** Whether clients with this token endpoint auth method authenticate with a shared secret (RFC 6749 §2.3.1). */
const usesClientSecret = (method: TokenEndpointAuthMethod): boolean =>
  method === 'client_secret_basic' || method === 'client_secret_post';

/** `rotateSecret` for a client that has no secret to rotate (`none`, `private_key_jwt`). */
export class NoClientSecretError extends Error {
  override name = 'NoClientSecretError';
  constructor(
    readonly clientId: string,
    readonly method: TokenEndpointAuthMethod,
  ) {
    super(
      `client ${clientId} authenticates with ${method}, not with a client secret: there is no secret to rotate`,
    );
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
  /** client_id → record, for {@link CLIENT_CACHE_TTL_MS}. */
  readonly #cache: ReadThroughCache<Client>;

  constructor(
    private readonly repo: ClientRepo,
    cacheTtlMs: number = CLIENT_CACHE_TTL_MS,
  ) {
    this.#cache = new ReadThroughCache(cacheTtlMs, CLIENT_CACHE_MAX);
  }

  /** Loads a client, from the short-lived in-process cache when possible. */
  find(clientId: string): Promise<Client | undefined> {
    return this.#cache.get(clientId, (id) => this.repo.find(id));
  }

  upsertFromSeed(seed: ClientInput): Promise<void> {
    return this.#cache.change(seed.client_id, () => this.#upsert(seed));
  }

  async #upsert(seed: ClientInput): Promise<void> {
    await this.repo.upsert({
      clientId: seed.client_id,
      secretHash:
        seed.client_secret === undefined
          ? (seed.client_secret_hash ?? null)
          : hashClientSecret(seed.client_secret),
      tokenEndpointAuthMethod: seed.token_endpoint_auth_method,
      grantTypes: seed.grant_types,
      scopes: seed.scopes,
      redirectUris: seed.redirect_uris,
      requirePkce: seed.require_pkce ?? true,
      skipConsent: seed.skip_consent ?? false,
      clientName: seed.client_name ?? null,
      postLogoutRedirectUris: seed.post_logout_redirect_uris ?? [],
      jwks: seed.jwks ?? null,
      jwksUri: seed.jwks_uri ?? null,
      resources: seed.resources ?? [],
    });
  }

  /** Creates a client and returns its plain secret (only shown once). */
  async create(
    seed: Omit<ClientInput, 'client_secret' | 'client_secret_hash'>,
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

  delete(clientId: string): Promise<boolean> {
    return this.#cache.change(clientId, () => this.repo.delete(clientId));
  }

  /**
   * A new secret for a client that authenticates with one (client_secret_basic / client_secret_post,
   * RFC 6749 §2.3.1); undefined when there is no such client. A `none` (public, RFC 6749 §2.1) or
   * `private_key_jwt` (RFC 7523 §2.2) client is refused with {@link NoClientSecretError}: a secret printed
   * for it would authenticate nothing and suggest to an operator that it does. Read from the database, not
   * the cache, so the method is the one stored now.
   */
  async rotateSecret(clientId: string): Promise<string | undefined> {
    const current = await this.repo.find(clientId);
    if (!current) return undefined;
    if (!usesClientSecret(current.tokenEndpointAuthMethod)) {
      throw new NoClientSecretError(clientId, current.tokenEndpointAuthMethod);
    }
    const secret = generateClientSecret();
    const saved = await this.#cache.change(clientId, () =>
      this.repo.setSecretHash(clientId, hashClientSecret(secret)),
    );
    return saved ? secret : undefined;
  }
}

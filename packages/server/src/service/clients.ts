import type { ClientSeed } from '../config/index.js';
import type { Client, TokenEndpointAuthMethod } from '../domain/index.js';
import { invalidClient, invalidRequest } from '../error/index.js';
import { ReadThroughCache } from '../infra/read-through-cache.js';
import type { Store } from '../infra/store.js';
import type { ClientRepo } from '../repo/clients.js';
import { ClientAssertionVerifier, JWT_BEARER_ASSERTION_TYPE, unverifiedSubject } from './client-assertion.js';
import { generateClientSecret, hashClientSecret, verifyClientSecret } from './secrets.js';
import { claimOnce } from './single-use.js';

/** A client as configured; post_logout_redirect_uris and resources may be left out (none). */
export type ClientInput = Omit<ClientSeed, 'post_logout_redirect_uris' | 'resources'> & {
  post_logout_redirect_uris?: string[] | undefined;
  resources?: string[] | undefined;
};

export interface ClientCredentialsInput {
  authorization: string | undefined;
  body: Record<string, unknown>;
}

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

/** RFC 6749 §2.3.1 form-url-decoding of a Basic user-id or password; undefined when malformed. */
function decodeFormComponent(s: string): string | undefined {
  // Generated ids and secrets rarely contain either character: nothing to decode (a hot path).
  if (!s.includes('%') && !s.includes('+')) return s;
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return undefined;
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

  /** private_key_jwt verification; undefined when the service was built without an issuer (CLI). */
  readonly assertions: ClientAssertionVerifier | undefined;

  constructor(
    private readonly repo: ClientRepo,
    cacheTtlMs: number = CLIENT_CACHE_TTL_MS,
    options: { issuer?: string; store?: Store } = {},
  ) {
    this.#cache = new ReadThroughCache(cacheTtlMs, CLIENT_CACHE_MAX);
    const { issuer, store } = options;
    this.assertions =
      issuer === undefined || store === undefined
        ? undefined
        : new ClientAssertionVerifier({
            issuer,
            // The client id's length keeps `a:b` + `c` and `a` + `b:c` apart.
            claimJti: (clientId, jti, exp) =>
              claimOnce(store, 'client_assertion', `${clientId.length}:${clientId}:${jti}`, exp),
          });
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
      secretHash: seed.client_secret === undefined ? null : hashClientSecret(seed.client_secret),
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
    seed: Omit<ClientInput, 'client_secret'>,
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

  /**
   * Authenticates the calling client with client_secret_basic or client_secret_post (RFC 6749 §2.3.1),
   * or private_key_jwt (RFC 7523 §2.2, OIDC Core §9). With `allowPublic`, a client registered with
   * `none` identifies itself by client_id alone (public clients at the token and revocation endpoints,
   * RFC 6749 §3.2.1, RFC 7009 §2.1).
   */
  async authenticate(
    input: ClientCredentialsInput,
    options: { allowPublic?: boolean } = {},
  ): Promise<Client> {
    const { authorization, body } = input;
    if (body['client_assertion'] !== undefined || body['client_assertion_type'] !== undefined) {
      return this.#authenticateAssertion(input);
    }
    // RFC 6749 §3.2: parameters must not be repeated (an array here would slip past the checks below).
    for (const name of ['client_id', 'client_secret']) {
      if (body[name] !== undefined && typeof body[name] !== 'string')
        throw invalidRequest(`${name} must not be repeated`);
    }
    const bodyId = body['client_id'] as string | undefined;
    const bodySecret = body['client_secret'] as string | undefined;
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
      const id = decodeFormComponent(decoded.slice(0, idx));
      const pass = decodeFormComponent(decoded.slice(idx + 1));
      // RFC 6749 §5.2: a failed authentication through the Authorization header is 401 + WWW-Authenticate.
      if (id === undefined || pass === undefined) throw invalidClient('malformed Basic credentials', true);
      clientId = id;
      secret = pass;
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

  /** RFC 7521 §4.2 client_assertion + client_assertion_type (only the RFC 7523 JWT bearer type). */
  async #authenticateAssertion({ authorization, body }: ClientCredentialsInput): Promise<Client> {
    // RFC 6749 §2.3: a client must not use more than one authentication method in a request.
    if (authorization !== undefined || body['client_secret'] !== undefined) {
      throw invalidRequest('more than one client authentication method used');
    }
    const type = body['client_assertion_type'];
    const assertion = body['client_assertion'];
    if (typeof type !== 'string' || typeof assertion !== 'string' || assertion === '') {
      throw invalidRequest('client_assertion and client_assertion_type must both be given once');
    }
    if (type !== JWT_BEARER_ASSERTION_TYPE) {
      throw invalidClient(`unsupported client_assertion_type (use ${JWT_BEARER_ASSERTION_TYPE})`, false);
    }
    const bodyId = body['client_id'];
    if (bodyId !== undefined && typeof bodyId !== 'string')
      throw invalidRequest('client_id must not be repeated');
    // RFC 7523 §3 item 2: sub is the client_id; it only picks the keys here, jwtVerify checks it again.
    const subject = unverifiedSubject(assertion);
    if (bodyId !== undefined && subject !== undefined && bodyId !== subject) {
      throw invalidClient('client_id does not match the client assertion "sub"', false);
    }
    const clientId = bodyId ?? subject;
    if (clientId === undefined || clientId === '') {
      throw invalidClient('client assertion "sub" (the client_id) is required', false);
    }
    const client = await this.find(clientId);
    // One answer for "no such client" and "not a private_key_jwt client": nothing is proven yet, and naming
    // the registered method would tell anyone which client_ids exist.
    if (client?.tokenEndpointAuthMethod !== 'private_key_jwt') {
      throw invalidClient('client authentication failed', false);
    }
    if (!this.assertions) throw invalidClient('private_key_jwt is not available here', false);
    await this.assertions.verify(client, assertion);
    return client;
  }
}

import type { Client } from '../../domain/index.js';
import { invalidClient, invalidRequest } from '../../error/index.js';
import { verifyClientSecret } from '../crypto/secrets.js';
import {
  type ClientAssertionVerifier,
  JWT_BEARER_ASSERTION_TYPE,
  unverifiedSubject,
} from './client-assertion.js';
import type { ClientService } from './clients.js';

export interface ClientCredentialsInput {
  authorization: string | undefined;
  body: Record<string, unknown>;
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

/** Client authentication at the back-channel endpoints (token, introspection, revocation, device authorization). */
export class ClientAuthentication {
  constructor(
    private readonly clients: Pick<ClientService, 'find'>,
    /** private_key_jwt verification (RFC 7523). */
    readonly assertions: ClientAssertionVerifier,
  ) {}

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
      const client = await this.clients.find(bodyId);
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
    const client = clientId === '' ? undefined : await this.clients.find(clientId);
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
    const client = await this.clients.find(clientId);
    // One answer for "no such client" and "not a private_key_jwt client": nothing is proven yet, and naming
    // the registered method would tell anyone which client_ids exist.
    if (client?.tokenEndpointAuthMethod !== 'private_key_jwt') {
      throw invalidClient('client authentication failed', false);
    }
    await this.assertions.verify(client, assertion);
    return client;
  }
}

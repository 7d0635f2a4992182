import { randomUUID, sign } from 'node:crypto';
import { errors, jwtVerify } from 'jose';
import type { AccessTokenClaims, Client } from '../domain/index.js';
import { invalidRequest, invalidScope, OAuthError, unauthorizedClient } from '../error/index.js';
import type { Store } from '../infra/store.js';
import type { KeyService } from './keys.js';

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope?: string;
}

export type IntrospectionResponse =
  | { active: false }
  | ({ active: true; token_type: 'Bearer' } & AccessTokenClaims);

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

export class TokenService {
  constructor(
    private readonly keys: KeyService,
    private readonly store: Store,
    private readonly opts: { issuer: string; accessTokenTtlSecs: number },
  ) {}

  /** RFC 6749 §4.4 client credentials grant, RFC 8707 resource indicators, RFC 9068 JWT access token. */
  issueClientCredentials(client: Client, scopeParam: string | undefined, resources: string[]): TokenResponse {
    if (!client.grantTypes.includes('client_credentials')) {
      throw unauthorizedClient('client is not allowed to use the client_credentials grant');
    }
    let scopes: string[];
    if (scopeParam === undefined) {
      scopes = client.scopes;
    } else {
      scopes = [...new Set(scopeParam.split(' ').filter((s) => s !== ''))];
      const notAllowed = scopes.filter((s) => !client.scopes.includes(s));
      if (notAllowed.length > 0)
        throw invalidScope(`scope not allowed for this client: ${notAllowed.join(' ')}`);
    }
    for (const r of resources) {
      let url: URL;
      try {
        url = new URL(r);
      } catch {
        throw new OAuthError('invalid_target', `resource must be an absolute URI: ${r}`);
      }
      if (url.hash !== '') throw new OAuthError('invalid_target', 'resource must not contain a fragment');
    }
    const now = Math.floor(Date.now() / 1000);
    const ttl = this.opts.accessTokenTtlSecs;
    const claims: AccessTokenClaims = {
      iss: this.opts.issuer,
      sub: client.clientId,
      aud: resources.length === 0 ? this.opts.issuer : resources.length === 1 ? resources[0]! : resources,
      client_id: client.clientId,
      ...(scopes.length > 0 ? { scope: scopes.join(' ') } : {}),
      iat: now,
      exp: now + ttl,
      jti: randomUUID(),
    };
    return {
      access_token: this.#sign(claims),
      token_type: 'Bearer',
      expires_in: ttl,
      ...(claims.scope !== undefined ? { scope: claims.scope } : {}),
    };
  }

  #sign(claims: AccessTokenClaims): string {
    const key = this.keys.active();
    const input = `${b64({ alg: key.alg, typ: 'at+jwt', kid: key.kid })}.${b64(claims)}`;
    const sig = sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
    return `${input}.${sig.toString('base64url')}`;
  }

  /** Verifies signature, issuer, type and expiry; undefined for anything not a live token of ours. */
  async verify(token: string): Promise<AccessTokenClaims | undefined> {
    const attempt = async () =>
      (
        await jwtVerify<AccessTokenClaims>(token, this.keys.verifier(), {
          issuer: this.opts.issuer,
          typ: 'at+jwt',
          algorithms: ['ES256'],
        })
      ).payload;
    try {
      return await attempt();
    } catch (err) {
      if (err instanceof errors.JWKSNoMatchingKey) {
        // Another node may have rotated the key: reload (at most every few seconds, so forged kids are cheap).
        await this.keys.refresh(5_000);
        try {
          return await attempt();
        } catch {
          return undefined;
        }
      }
      return undefined;
    }
  }

  /** RFC 7662. */
  async introspect(token: string | undefined): Promise<IntrospectionResponse> {
    if (token === undefined || token === '') throw invalidRequest('token is required');
    const claims = await this.verify(token);
    if (!claims || typeof claims.jti !== 'string') return { active: false };
    if ((await this.store.get(`revoked:${claims.jti}`)) !== undefined) return { active: false };
    return { active: true, token_type: 'Bearer', ...claims };
  }

  /** RFC 7009: only the client the token was issued to can revoke it; unknown tokens are ignored. */
  async revoke(client: Client, token: string | undefined): Promise<void> {
    if (token === undefined || token === '') throw invalidRequest('token is required');
    const claims = await this.verify(token);
    if (!claims || typeof claims.jti !== 'string' || claims.client_id !== client.clientId) return;
    const ttl = claims.exp - Math.floor(Date.now() / 1000);
    if (ttl > 0) await this.store.set(`revoked:${claims.jti}`, '1', ttl + 5);
  }
}

import { compactVerify, decodeProtectedHeader } from 'jose';
import type { ClientService } from '../clients/clients.js';
import type { KeyService } from '../keys/keys.js';

/** The claims of an id_token_hint that the authorization and logout endpoints rely on. */
export interface IdTokenHint {
  aud: string;
  sub: string;
  sid: string | undefined;
}

/**
 * Verifies an id_token_hint, the way both endpoints that take one need it: it must be an ID token this server
 * issued (OIDC Core §3.1.2.1: "ID Token previously issued by the Authorization Server"; RP-Initiated Logout
 * 1.0 §2, and §4: the OP MUST verify it was the issuer). Signature and issuer are checked, expiry is ignored
 * (a hint names a past session too: OIDC Core §3.1.2.1, RP-Initiated Logout §2). A token we signed is not
 * necessarily an ID token: access tokens are signed with the same keys, so the header `typ` must be the ID
 * tokens' `JWT` (RFC 9068 §4: an `at+jwt` must never be taken for another kind of token), and `aud` must
 * name a registered client (an access token's `aud` is the issuer or a resource, OIDC Core §2: an ID token's
 * is the client_id).
 */
export class IdTokenHints {
  constructor(
    private readonly keys: Pick<KeyService, 'verifyWithReload' | 'jwks'>,
    private readonly clients: Pick<ClientService, 'find'>,
    private readonly issuer: string,
  ) {}

  async verify(token: string): Promise<IdTokenHint | undefined> {
    let claims: Record<string, unknown>;
    try {
      const { payload, protectedHeader } = await this.keys.verifyWithReload((keys) =>
        compactVerify(token, keys),
      );
      if (protectedHeader.alg !== 'ES256' || protectedHeader.typ !== 'JWT') return undefined;
      claims = JSON.parse(Buffer.from(payload).toString('utf8')) as Record<string, unknown>;
    } catch {
      return undefined;
    }
    if (claims['iss'] !== this.issuer) return undefined;
    // Our ID tokens have exactly one audience, the client (user-tokens.ts).
    const aud = claims['aud'];
    if (typeof aud !== 'string' || typeof claims['sub'] !== 'string') return undefined;
    if (!(await this.clients.find(aud))) return undefined;
    return { aud, sub: claims['sub'], sid: typeof claims['sid'] === 'string' ? claims['sid'] : undefined };
  }

  /**
   * Whether `token` names a signing key this server does not publish (any more). Retired keys are dropped once
   * every *unexpired* token they signed is gone, but a relying party keeps an ID token for as long as its own
   * session lasts, and a hint's expiry does not count: such a hint cannot be checked any more, neither for nor
   * against. The logout endpoint then treats it as no hint at all (asks the user, never redirects) instead of
   * leaving the user unable to sign out. Says nothing about who made the token: anyone can write any `kid`.
   */
  namesUnknownKey(token: string): boolean {
    let kid: unknown;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      return false;
    }
    return typeof kid === 'string' && !this.keys.jwks().keys.some((k) => k.kid === kid);
  }
}

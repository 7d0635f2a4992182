import { randomBytes } from 'node:crypto';
import type { Client } from '../../domain/index.js';
import { invalidGrant, invalidRequest } from '../../error/index.js';
import { type Store, storeKeys } from '../../infra/store/index.js';
import type { AuthRequest } from '../authorization/authorization-request.js';
import { nowSecs } from '../clock.js';
import { hmacKey, sha256Key } from '../crypto/hash.js';
import type { Session } from '../sessions/sessions.js';
import { claimOnce } from '../single-use.js';
import type { GrantRevocation } from '../tokens/grant-revocation.js';
import type { RefreshTokens } from '../tokens/refresh-tokens.js';
import type { UserGrant, UserTokens } from '../tokens/user-tokens.js';
import { issueFirstTokens } from './first-tokens.js';
import type { Grant, TokenEndpointResponse, TokenRequest } from './grant.js';

/** An authorization code's server-side state, stored under the SHA-256 of the code. */
interface CodeRecord extends UserGrant {
  clientId: string;
  redirectUri: string;
  codeChallenge: string | undefined;
}

/** How long the "already used" marker outlives any code (codes live at most 10 minutes). */
const USED_MARKER_SECS = 10 * 60;
const CODE_USED = 'code_used';

export interface AuthorizationCodeOptions {
  codeTtlSecs: number;
  /** The `grantId` purpose key: grant ids are derived from codes under it. */
  grantIdKey: Buffer;
}

/**
 * RFC 6749 §4.1 authorization code grant with PKCE (RFC 7636): the code is issued at the authorization
 * endpoint ({@link issueCode}) and exchanged at the token endpoint ({@link exchange}), exactly once.
 */
export class AuthorizationCodeGrant implements Grant {
  readonly grantType = 'authorization_code';
  readonly publicClients = true;
  readonly resourceIndicators = false;
  readonly metricLabel = 'authorization_code';

  constructor(
    private readonly store: Store,
    private readonly userTokens: UserTokens,
    private readonly refreshTokens: RefreshTokens,
    private readonly revocation: GrantRevocation,
    private readonly opts: AuthorizationCodeOptions,
  ) {}

  /** RFC 6749 §4.1.2: a short-lived, single-use code bound to client, redirect URI and PKCE challenge. */
  async issueCode(req: AuthRequest, session: Session): Promise<string> {
    const code = randomBytes(32).toString('base64url');
    const rec: CodeRecord = {
      clientId: req.client.clientId,
      redirectUri: req.redirectUri,
      codeChallenge: req.codeChallenge,
      scope: req.scopes.join(' '),
      nonce: req.nonce,
      userId: session.userId,
      authTime: session.authTime,
      sid: session.sid,
    };
    await this.store.set(
      storeKeys.authorizationCode(sha256Key(code)),
      JSON.stringify(rec),
      this.opts.codeTtlSecs,
    );
    return code;
  }

  /**
   * RFC 6749 §4.1.3 + RFC 7636 §4.6 token request. A code presented again by the client it was issued to is
   * refused and revokes every token issued from it (RFC 6749 §4.1.2, RFC 9700 §4.2.4); presented by any other
   * client it is refused like an unknown code, and revokes nothing: a leaked code must not let another client
   * end the victim's grant, nor learn whether the code exists.
   */
  async exchange(client: Client, request: TokenRequest): Promise<TokenEndpointResponse> {
    const code = request.param('code');
    if (!code) throw invalidRequest('code is required');
    const key = sha256Key(code);
    // The grant id is derived from the code, so a replay can revoke the grant: the access token issued for
    // the code and everything refreshed from it. An HMAC under its own key: the id is a claim anyone
    // holding the access token can read, and must not be computable from, or reveal, the code or its hash.
    const grantId = hmacKey(this.opts.grantIdKey, `grant:${key}`);
    const replayed = async () => {
      await this.revocation.revoke(grantId);
      return invalidGrant('authorization code already used');
    };
    const unknown = () => invalidGrant('authorization code is invalid or expired');
    // One read of both: the redeemer sets the used-marker (its value: the client) before it deletes the
    // record, so a record gone because the code was redeemed always comes with the marker.
    const [raw, redeemedBy] = await this.store.getMany([
      storeKeys.authorizationCode(key),
      storeKeys.claim(CODE_USED, key),
    ]);
    if (redeemedBy !== undefined) throw redeemedBy === client.clientId ? await replayed() : unknown();
    if (!raw) throw unknown();
    const rec = JSON.parse(raw) as CodeRecord;
    if (rec.clientId !== client.clientId) throw unknown();
    // RFC 6749 §4.1.3: redirect_uri must be identical to the one in the authorization request.
    if (request.param('redirect_uri') !== rec.redirectUri) {
      throw invalidGrant('redirect_uri does not match the authorization request');
    }
    checkCodeVerifier(rec.codeChallenge, request.param('code_verifier'));
    // Atomic single use across nodes: the first to set the store's marker wins. The loser is this same client
    // (the record's), redeeming the code a second time: "already used", and the grant is revoked.
    const expiresAt = nowSecs() + USED_MARKER_SECS;
    if (!(await claimOnce(this.store, CODE_USED, key, expiresAt, client.clientId))) throw await replayed();
    let tokens: TokenEndpointResponse;
    try {
      tokens = await issueFirstTokens(this.userTokens, this.refreshTokens, client, rec, grantId);
    } catch (err) {
      // Nothing was handed out (the database or the store failed: a 503, which invites a retry). The claim is
      // given up so that the retry redeems the code instead of being taken for a replay that revokes the
      // grant. If the store fails here as well, the claim stays and the code is lost: that fails closed.
      await this.store.delete(storeKeys.claim(CODE_USED, key)).catch(() => undefined);
      throw err;
    }
    // The marker guards the code from now on; the record only goes to free the store (it expires anyway), so
    // a store failure here must not turn tokens already issued into an error.
    await this.store.delete(storeKeys.authorizationCode(key)).catch(() => undefined);
    return tokens;
  }
}

/** RFC 7636 §4.6 S256 check, and RFC 9700 §2.1.1: a verifier for a code issued without a challenge is a downgrade. */
function checkCodeVerifier(challenge: string | undefined, verifier: string | undefined): void {
  if (challenge === undefined) {
    if (verifier !== undefined)
      throw invalidGrant('code_verifier sent for a code issued without code_challenge');
    return;
  }
  if (!verifier) throw invalidGrant('code_verifier is required');
  // RFC 7636 §4.1: 43–128 unreserved characters.
  if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) throw invalidGrant('malformed code_verifier');
  if (sha256Key(verifier) !== challenge) throw invalidGrant('PKCE verification failed');
}

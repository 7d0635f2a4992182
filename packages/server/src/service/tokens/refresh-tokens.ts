import { randomBytes } from 'node:crypto';
import type { Client } from '../../domain/index.js';
import { invalidGrant } from '../../error/index.js';
import type { RefreshTokenRepo, RefreshTokenRow } from '../../repo/refresh-tokens.js';
import type { UserService } from '../accounts/users.js';
import { nowSecs } from '../clock.js';
import { sha256Key } from '../crypto/hash.js';
import { hasScope } from '../scopes.js';
import type { GrantRevocation } from './grant-revocation.js';
import type { UserGrant } from './user-tokens.js';

/** A refresh token's server-side state (the `refresh_tokens` table), found by the SHA-256 of the token. */
export interface RefreshRecord extends UserGrant {
  clientId: string;
  /**
   * Every token rotated from the same original grant shares a family (OAuth 2.1 §4.3.1); its id is the
   * grant id, the `grant_id` claim of every access token the family issued.
   */
  family: string;
  /** Absolute expiry of the family: rotation never extends it. */
  absExp: number;
  rotated?: boolean;
  revoked?: boolean;
}

/** RFC 7662 §2.2 answer for a refresh token that can still be used. */
export interface RefreshTokenIntrospection {
  active: true;
  scope: string;
  client_id: string;
  sub: string;
  iss: string;
  /** The family's absolute expiry: no rotation goes past it. */
  exp: number;
}

export interface RefreshTokensOptions {
  issuer: string;
  refreshTokenTtlSecs: number;
}

const tokenHash = (token: string) => sha256Key(token);
const newToken = () => randomBytes(32).toString('base64url');

function recordOf(row: RefreshTokenRow): RefreshRecord {
  return {
    clientId: row.clientId,
    family: row.family,
    userId: row.userId,
    scope: row.scope,
    authTime: row.authTime,
    sid: row.sid,
    // A refreshed ID token carries no nonce (OIDC Core §12.2), so none is kept.
    nonce: undefined,
    absExp: Math.floor(row.expiresAt.getTime() / 1000),
    rotated: row.rotatedAt !== null,
    revoked: row.revokedAt !== null,
  };
}

const rowOf = (hash: string, rec: RefreshRecord) => ({
  tokenHash: hash,
  family: rec.family,
  clientId: rec.clientId,
  userId: rec.userId,
  scope: rec.scope,
  authTime: rec.authTime,
  sid: rec.sid,
  expiresAt: new Date(rec.absExp * 1000),
});

/** Whether the token could still be redeemed, as far as its own record says (not rotated, revoked or expired). */
const isLive = (rec: RefreshRecord) => !rec.rotated && !rec.revoked && rec.absExp > nowSecs();

/** Refresh tokens go to clients allowed the grant that asked for `offline_access` (OIDC Core §11). */
export function wantsRefreshToken(client: Client, scope: string): boolean {
  return hasScope(scope, 'offline_access') && client.grantTypes.includes('refresh_token');
}

/**
 * Refresh tokens (RFC 6749 §6): opaque and high-entropy, only their SHA-256 kept, in the database so they
 * outlive restarts and store flushes; rotated on every use with reuse detection (OAuth 2.1 §4.3.1).
 */
export class RefreshTokens {
  constructor(
    private readonly repo: Pick<RefreshTokenRepo, 'insert' | 'find' | 'rotate' | 'purgeExpired'>,
    private readonly revocation: GrantRevocation,
    private readonly users: Pick<UserService, 'find'>,
    private readonly opts: RefreshTokensOptions,
  ) {}

  /** Starts a family for a fresh grant (code or device) and issues its first token; `grantId` names it. */
  async issueFirst(client: Client, grant: UserGrant, grantId: string): Promise<string> {
    const absExp = nowSecs() + this.opts.refreshTokenTtlSecs;
    const token = newToken();
    await this.repo.insert(
      rowOf(tokenHash(token), { ...grant, clientId: client.clientId, family: grantId, absExp }),
    );
    // A code replay may have revoked the grant while this first token was being issued.
    await this.revocation.revokedInStore(grantId);
    return token;
  }

  /** The record of one of `client`'s tokens that can still be redeemed; undefined otherwise. */
  async #live(client: Client, token: string): Promise<RefreshRecord | undefined> {
    const rec = await this.#read(tokenHash(token));
    return rec?.clientId === client.clientId && isLive(rec) ? rec : undefined;
  }

  async #read(hash: string): Promise<RefreshRecord | undefined> {
    const row = await this.repo.find(hash);
    return row === undefined ? undefined : recordOf(row);
  }

  /** The scope a token was granted, if it is one of `client`'s live tokens (checked before it is spent). */
  async liveScope(client: Client, token: string): Promise<string | undefined> {
    return (await this.#live(client, token))?.scope;
  }

  /**
   * Rotates the token: in the usual case one statement (the token was live; it is now rotated and its
   * successor stored). Otherwise the error says why, and a rotated token used again is reuse, which revokes
   * its whole family (OAuth 2.1 §4.3.1, RFC 9700 §4.14.2) — this is also where the loser of two concurrent
   * rotations lands. The grant the token carried, and its successor.
   */
  async rotate(client: Client, token: string): Promise<{ grant: RefreshRecord; successor: string }> {
    const hash = tokenHash(token);
    const successor = newToken();
    const rotated = await this.repo.rotate(hash, tokenHash(successor), client.clientId);
    if (rotated === undefined) throw await this.#whyUnusable(client, hash);
    const grant: RefreshRecord = {
      ...rotated,
      clientId: client.clientId,
      nonce: undefined,
      absExp: Math.floor(rotated.expiresAt.getTime() / 1000),
    };
    // A revocation of the grant that ran while this rotation held the row may have marked the old token and
    // missed its successor (revokeFamily's UPDATE did not see it yet).
    if (await this.revocation.revokedInStore(grant.family))
      throw invalidGrant('refresh token has been revoked');
    return { grant, successor };
  }

  /** The error for a token that could not be rotated; reuse of a rotated token revokes its family first. */
  async #whyUnusable(client: Client, hash: string): Promise<Error> {
    const rec = await this.#read(hash);
    if (!rec) return invalidGrant('refresh token is invalid or expired');
    if (rec.clientId !== client.clientId) return invalidGrant('refresh token was issued to another client');
    if (rec.revoked) return invalidGrant('refresh token has been revoked');
    if (rec.rotated) {
      await this.revocation.revoke(rec.family, rec.absExp);
      return invalidGrant('refresh token was already used; the grant has been revoked');
    }
    if (rec.absExp <= nowSecs()) return invalidGrant('refresh token is expired');
    // Live, yet not rotated: its row changed between the two statements (a concurrent rotation or revocation).
    return invalidGrant('refresh token is invalid or expired');
  }

  /**
   * RFC 7009 §2.1: revoking a refresh token revokes its grant (the family and the access tokens it issued).
   * False when the token is not one of our refresh tokens, or belongs to another client.
   */
  async revoke(client: Client, token: string): Promise<boolean> {
    const rec = await this.#read(tokenHash(token));
    if (!rec || rec.clientId !== client.clientId) return false;
    await this.revocation.revoke(rec.family, rec.absExp);
    return true;
  }

  /**
   * RFC 7662 for one of `client`'s own refresh tokens: active only while redeeming it would work (not rotated
   * away, grant not revoked, not expired, user not deleted); undefined for any other token, and for another
   * client's refresh token (§2.1 lets the server decide who may ask: a refresh token is a credential of its
   * client, and no resource server ever receives one).
   */
  async introspect(client: Client, token: string): Promise<RefreshTokenIntrospection | undefined> {
    const rec = await this.#live(client, token);
    if (rec === undefined) return undefined;
    // The marker as well as the row (see rotate: a revocation racing a rotation).
    if (await this.revocation.revokedInStore(rec.family)) return undefined;
    if ((await this.users.find(rec.userId)) === undefined) return undefined;
    return {
      active: true,
      scope: rec.scope,
      client_id: rec.clientId,
      sub: rec.userId,
      iss: this.opts.issuer,
      exp: rec.absExp,
    };
  }

  /**
   * Deletes the tokens of families past their absolute expiry: they can never be used again. Rotated ones stay
   * until then, for reuse detection (RFC 9700 §4.14.2). The number deleted.
   */
  purgeExpired(): Promise<number> {
    return this.repo.purgeExpired();
  }
}

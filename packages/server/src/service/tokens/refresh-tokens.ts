import { randomBytes } from 'node:crypto';
import type { Client } from '../../domain/index.js';
import { invalidGrant } from '../../error/index.js';
import type { RefreshTokenRepo, RefreshTokenRow } from '../../repo/refresh-tokens.js';
import type { UserService } from '../accounts/users.js';
import { nowSecs } from '../clock.js';
import { sha256Key } from '../crypto/hash.js';
import { hasScope } from '../scopes.js';
import type { GrantRevocation } from './grant-revocation.js';
import type { RotationGrace } from './rotation-grace.js';
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
  /** When the token was rotated; undefined while it has not been. */
  rotatedAt?: Date | undefined;
  revoked?: boolean;
}

/** A successful rotation: the grant the token carried, and its successor. */
export interface Rotation {
  grant: RefreshRecord;
  successor: string;
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
    rotatedAt: row.rotatedAt ?? undefined,
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
const isLive = (rec: RefreshRecord) => !rec.rotatedAt && !rec.revoked && rec.absExp > nowSecs();

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
    private readonly repo: Pick<
      RefreshTokenRepo,
      'insert' | 'find' | 'rotate' | 'undoRotation' | 'purgeExpired'
    >,
    private readonly revocation: GrantRevocation,
    private readonly users: Pick<UserService, 'find'>,
    private readonly grace: RotationGrace,
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
   * Rotates the token (OAuth 2.1 §4.3.1): a live token is marked rotated and its successor stored, in one
   * statement. Otherwise the error says why, and a rotated token used again is reuse, which revokes its whole
   * family (RFC 9700 §4.14.2) — also where the loser of two concurrent rotations lands — unless the same
   * client presents it within the rotation grace (see {@link RotationGrace}).
   *
   * A refresh answered with an error must leave the token as it was when the server is at fault: a client
   * retries a 503 with the only token it has, and a spent one would be reuse. So a failure after the rotation
   * (the store unreachable for the marker read, say) takes the rotation back before answering 503. In the usual
   * case a refresh costs one statement and one store read.
   */
  async rotate(client: Client, token: string): Promise<Rotation> {
    const hash = tokenHash(token);
    const successor = newToken();
    const successorHash = tokenHash(successor);
    const rotated = await this.repo.rotate(hash, successorHash, client.clientId);
    // Not live (unknown, another client's, rotated, revoked, expired): the row as it is now says which.
    if (rotated === undefined) return this.#unusable(client, token, await this.#read(hash));
    const grant: RefreshRecord = {
      ...rotated,
      clientId: client.clientId,
      nonce: undefined,
      absExp: Math.floor(rotated.expiresAt.getTime() / 1000),
    };
    let revoked: boolean;
    try {
      // The grant's marker, for a revocation that did not get to mark the family's rows (GrantRevocation.revoke
      // writes the marker first, then the rows, and its node may fail in between, or run concurrently with
      // this rotation): the successor would be live in the database. A revocation that does complete marks
      // the successor itself (RefreshTokenRepo.revokeFamily repeats until nothing is left).
      revoked = await this.revocation.revokedInStore(grant.family);
      if (!revoked) await this.grace.remember(token, successor);
    } catch (err) {
      // The store (or the database) failed after the rotation: answered with a 503, which the client retries
      // with the token it has. Nobody has been given the successor, so dropping it and un-rotating the token
      // loses nothing (a token revoked meanwhile stays revoked). Should that fail too, the 503 stands.
      await this.repo.undoRotation(hash, successorHash).catch(() => false);
      throw err;
    }
    if (revoked) throw invalidGrant('refresh token has been revoked');
    return { grant, successor };
  }

  /**
   * For a token that cannot be rotated (`rec` its row, read after the attempt): the grace's successor, or
   * the error saying why. Reuse of a rotated token outside the grace revokes its family first.
   */
  async #unusable(client: Client, token: string, rec: RefreshRecord | undefined): Promise<Rotation> {
    if (!rec) throw invalidGrant('refresh token is invalid or expired');
    if (rec.clientId !== client.clientId) throw invalidGrant('refresh token was issued to another client');
    if (rec.revoked) throw invalidGrant('refresh token has been revoked');
    if (rec.rotatedAt) {
      const again = await this.#again(client, token, rec, rec.rotatedAt);
      if (again !== undefined) return again;
      await this.revocation.revoke(rec.family, rec.absExp);
      throw invalidGrant('refresh token was already used; the grant has been revoked');
    }
    if (rec.absExp <= nowSecs()) throw invalidGrant('refresh token is expired');
    // Live, yet not rotated: its row changed between the two statements (a concurrent rotation or revocation).
    throw invalidGrant('refresh token is invalid or expired');
  }

  /**
   * The rotation of `token` once more, within the grace: its successor, if the same client presents it, the
   * successor has not been used or revoked itself, and the grant is not revoked. A successor that was used
   * means two parties hold the family: that is reuse, grace or not. A store failure here is a 503, not a
   * revocation: the client may retry.
   */
  async #again(
    client: Client,
    token: string,
    rec: RefreshRecord,
    rotatedAt: Date,
  ): Promise<Rotation | undefined> {
    if (!this.grace.covers(rotatedAt)) return undefined;
    const successor = await this.grace.recall(token);
    if (successor === undefined) return undefined;
    const next = await this.#read(tokenHash(successor));
    if (next === undefined || next.family !== rec.family || next.clientId !== client.clientId)
      return undefined;
    if (!isLive(next)) return undefined;
    if (await this.revocation.revokedInStore(rec.family))
      throw invalidGrant('refresh token has been revoked');
    return { grant: next, successor };
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

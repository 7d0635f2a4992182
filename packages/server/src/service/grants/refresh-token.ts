import { randomBytes } from 'node:crypto';
import type { Client } from '../../domain/index.js';
import { invalidRequest, OAuthError } from '../../error/index.js';
import { isForeignKeyViolation } from '../../infra/db.js';
import type { AppContext } from '../../state/index.js';
import { nowSecs, sha256Key } from '../hash.js';
import { CLOCK_SKEW_SECS } from '../keys.js';
import { issueUserTokens, type TokenEndpointResponse, type UserGrant } from './user-tokens.js';

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

const tokenHash = (token: string) => sha256Key(token);
const legacyKey = (hash: string) => `rt:${hash}`;

async function readRecord(ctx: AppContext, hash: string): Promise<RefreshRecord | undefined> {
  const row = (await ctx.refreshTokens.find(hash)) ?? (await adoptLegacyRecord(ctx, hash));
  if (row === undefined) return undefined;
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

/**
 * Until 2026-11-25 refresh tokens lived in the store (`rt:<hash>`, JSON). One found there that the table does
 * not have yet is moved into it, rotated state included, so an upgrade signs nobody out. Can go once every
 * token issued before the upgrade has expired (`oauth.refresh_token_ttl_secs` after it).
 */
async function adoptLegacyRecord(ctx: AppContext, hash: string) {
  const raw = await ctx.store.get(legacyKey(hash));
  if (!raw) return undefined;
  const rec = JSON.parse(raw) as RefreshRecord;
  // A user or client deleted since: the token is simply unknown (the row could not reference them).
  if (!(await ctx.users.find(rec.userId)) || !(await ctx.clients.find(rec.clientId))) return undefined;
  try {
    await ctx.refreshTokens.insert(rowOf(hash, rec));
  } catch (err) {
    if (isForeignKeyViolation(err)) return undefined; // deleted in between
    throw err;
  }
  if (rec.rotated) await ctx.refreshTokens.markRotated(hash);
  // Its grant may have been revoked back then (the store's marker is all that says so).
  await revokedInStore(ctx, rec.family);
  // The table is the only record from now on: a node still running the previous version finds nothing and
  // refuses the token, rather than rotating it a second time from the stale store copy.
  await ctx.store.set(legacyKey(hash), '', 1);
  return ctx.refreshTokens.find(hash);
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

const invalidGrant = (d: string) => new OAuthError('invalid_grant', d);

/** Whether the token could still be redeemed, as far as its own record says (not rotated, revoked or expired). */
const isLive = (rec: RefreshRecord) => !rec.rotated && !rec.revoked && rec.absExp > nowSecs();

/**
 * Whether the grant is revoked in the store; if so, its rows are marked too. revokeGrant writes the store's
 * marker before it marks the family's rows, so a row written (or adopted) while a revocation ran may have
 * been missed by the row update; reading the marker after the row is written catches it in either order.
 */
async function revokedInStore(ctx: AppContext, family: string): Promise<boolean> {
  if (!(await ctx.tokens.grantRevoked(family))) return false;
  await ctx.refreshTokens.revokeFamily(family);
  return true;
}

/** Refresh tokens go to clients allowed the grant that asked for `offline_access` (OIDC Core §11). */
export function wantsRefreshToken(client: Client, scope: string): boolean {
  return scope.split(' ').includes('offline_access') && client.grantTypes.includes('refresh_token');
}

/** Issues an opaque, high-entropy refresh token; only its hash is stored. */
export async function issueRefreshToken(ctx: AppContext, rec: RefreshRecord): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await ctx.refreshTokens.insert(rowOf(tokenHash(token), rec));
  // A code replay may have revoked the grant while this first token was being issued.
  await revokedInStore(ctx, rec.family);
  return token;
}

/** Starts a new refresh family for a fresh grant (code or device); `grantId` names the family. */
export function newFamily(ctx: AppContext, client: Client, grant: UserGrant, grantId: string): RefreshRecord {
  const absExp = nowSecs() + ctx.config.oauth.refresh_token_ttl_secs;
  return { ...grant, clientId: client.clientId, family: grantId, absExp };
}

/**
 * Revokes a whole grant: every refresh token of its family and every access token it issued (they all
 * carry its `grant_id`), until the family's absolute expiry. Without a record (code replay) the family
 * can have been started at most now, so it ends at most one refresh lifetime from now.
 */
export async function revokeGrant(
  ctx: AppContext,
  grantId: string,
  absExp = nowSecs() + ctx.config.oauth.refresh_token_ttl_secs,
): Promise<void> {
  // The store's marker makes the grant's access tokens inactive on every node; the rows make its refresh
  // tokens unusable for good. In this order: see revokedInStore.
  await ctx.tokens.revokeGrant(grantId, absExp);
  await ctx.refreshTokens.revokeFamily(grantId);
}

/**
 * Revokes every grant the user gave the client that can still be refreshed — its refresh tokens and every
 * access token they issued — when the user withdraws consent: the application loses what it was given, not
 * only the right to be answered without asking. (An access token issued without a refresh token has no
 * record to find; it expires on its own, within `oauth.access_token_ttl_secs`.) The number of grants revoked.
 */
export async function revokeClientGrantsOf(
  ctx: AppContext,
  username: string,
  clientId: string,
): Promise<number> {
  const families = await ctx.refreshTokens.liveFamilies(username, clientId);
  for (const { family, expiresAt } of families) {
    await revokeGrant(ctx, family, Math.floor(expiresAt.getTime() / 1000));
  }
  return families.length;
}

/**
 * The in-process store forgets at a restart the grant revocations it held, and the access tokens of a grant
 * revoked within the last access-token lifetime would be active again until they expire. The grant's refresh
 * tokens still carry `revoked_at`: the markers are written again from them at start (Redis keeps its own).
 * Grants revoked without a refresh token (a code replayed before any was issued) leave no row to restore
 * from. The number of grants restored.
 */
export async function restoreGrantRevocations(ctx: AppContext): Promise<number> {
  const since = nowSecs() - ctx.config.oauth.access_token_ttl_secs - CLOCK_SKEW_SECS;
  const families = await ctx.refreshTokens.revokedFamiliesSince(new Date(since * 1000));
  // untilSecs 0: the marker lasts one access-token lifetime from now, longer than any token it covers.
  for (const family of families) await ctx.tokens.revokeGrant(family, 0);
  return families.length;
}

/**
 * RFC 7009 §2.1: revoking a refresh token revokes its grant (the family and the access tokens it
 * issued). Returns false when the token is not one of our refresh tokens, or belongs to another client.
 */
export async function revokeRefreshToken(ctx: AppContext, client: Client, token: string): Promise<boolean> {
  const rec = await readRecord(ctx, tokenHash(token));
  if (!rec || rec.clientId !== client.clientId) return false;
  await revokeGrant(ctx, rec.family, rec.absExp);
  return true;
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

/**
 * RFC 7662 for one of `client`'s own refresh tokens: active only while redeeming it would work (not rotated
 * away, grant not revoked, not expired, user not deleted); undefined for any other token, and for another
 * client's refresh token (§2.1 lets the server decide who may ask: a refresh token is a credential of its
 * client, and no resource server ever receives one).
 */
export async function introspectRefreshToken(
  ctx: AppContext,
  client: Client,
  token: string,
): Promise<RefreshTokenIntrospection | undefined> {
  const rec = await readRecord(ctx, tokenHash(token));
  if (!rec || rec.clientId !== client.clientId || !isLive(rec)) return undefined;
  // The marker as well as the row (see rotateOrRefuse: a revocation racing a rotation).
  if (await ctx.tokens.grantRevoked(rec.family)) return undefined;
  if ((await ctx.users.find(rec.userId)) === undefined) return undefined;
  return {
    active: true,
    scope: rec.scope,
    client_id: rec.clientId,
    sub: rec.userId,
    iss: ctx.config.oauth.issuer,
    exp: rec.absExp,
  };
}

/**
 * RFC 6749 §6 refresh with rotation: every use returns a new refresh token, and a rotated token used
 * again revokes its whole family (OAuth 2.1 §4.3.1, RFC 9700 §4.14.2). Scope may narrow, never widen.
 */
export async function refreshTokenGrant(
  ctx: AppContext,
  client: Client,
  params: { refreshToken: string | undefined; scope: string | undefined },
): Promise<TokenEndpointResponse> {
  if (!client.grantTypes.includes('refresh_token')) {
    throw new OAuthError('unauthorized_client', 'client may not use the refresh_token grant');
  }
  if (!params.refreshToken) throw invalidRequest('refresh_token is required');
  const hash = tokenHash(params.refreshToken);
  // A wider scope is refused before a live token is spent (a refused request must leave it usable). A token
  // that is not live goes on to rotateOrRefuse, whose answer — and reuse detection — must not depend on it.
  if (params.scope !== undefined) {
    const rec = await readRecord(ctx, hash);
    if (rec?.clientId === client.clientId && isLive(rec)) narrowedScope(rec.scope, params.scope);
  }
  const successor = randomBytes(32).toString('base64url');
  const grant = await rotateOrRefuse(ctx, client, hash, tokenHash(successor));
  const scope = narrowedScope(grant.scope, params.scope);
  const { userId, authTime, sid } = grant;
  // A refreshed ID token carries no nonce (OIDC Core §12.2).
  const res = await issueUserTokens(
    ctx,
    client,
    { userId, authTime, sid, scope, nonce: undefined },
    grant.family,
  );
  res['refresh_token'] = successor;
  return res;
}

/**
 * Rotates the token, in the usual case with one statement (the token was live; it is now rotated and its
 * successor stored). Otherwise the answer says why, and a rotated token used again is reuse, which revokes its
 * whole family (OAuth 2.1 §4.3.1, RFC 9700 §4.14.2) — this is also where the loser of two concurrent rotations
 * lands. A second try only follows a token that was still in the store from before the upgrade and has just
 * been moved into the table.
 */
async function rotateOrRefuse(ctx: AppContext, client: Client, hash: string, nextHash: string) {
  for (let attempt = 0; attempt < 2; attempt++) {
    const grant = await ctx.refreshTokens.rotate(hash, nextHash, client.clientId);
    if (grant !== undefined) {
      // A revocation of the grant that ran while this rotation held the row may have marked the old token
      // and missed its successor (revokeFamily's UPDATE did not see it yet).
      if (await revokedInStore(ctx, grant.family)) throw invalidGrant('refresh token has been revoked');
      return grant;
    }
    await refuseUnusable(ctx, client, hash);
  }
  throw invalidGrant('refresh token is invalid or expired');
}

/** Throws the error for a token that cannot be rotated; returns only if it is live. */
async function refuseUnusable(ctx: AppContext, client: Client, hash: string): Promise<void> {
  const rec = await readRecord(ctx, hash);
  if (!rec) throw invalidGrant('refresh token is invalid or expired');
  if (rec.clientId !== client.clientId) throw invalidGrant('refresh token was issued to another client');
  if (rec.revoked) throw invalidGrant('refresh token has been revoked');
  if (rec.rotated) {
    await revokeGrant(ctx, rec.family, rec.absExp);
    throw invalidGrant('refresh token was already used; the grant has been revoked');
  }
  if (rec.absExp <= nowSecs()) throw invalidGrant('refresh token is expired');
}

/** RFC 6749 §6: the requested scope must not include any scope not originally granted. */
function narrowedScope(granted: string, requested: string | undefined): string {
  if (requested === undefined) return granted;
  const original = new Set(granted.split(' ').filter((s) => s !== ''));
  const asked = [...new Set(requested.split(' ').filter((s) => s !== ''))];
  const wider = asked.filter((s) => !original.has(s));
  if (wider.length > 0) {
    throw new OAuthError('invalid_scope', `scope exceeds the original grant: ${wider.join(' ')}`);
  }
  return asked.join(' ');
}

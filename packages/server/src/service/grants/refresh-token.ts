import { randomBytes } from 'node:crypto';
import type { Client } from '../../domain/index.js';
import { invalidRequest, OAuthError } from '../../error/index.js';
import type { AppContext } from '../../state/index.js';
import { nowSecs, sha256Key } from '../hash.js';
import { claimOnce } from '../single-use.js';
import { issueUserTokens, type TokenEndpointResponse, type UserGrant } from './user-tokens.js';

/** A refresh token's server-side state, stored under the SHA-256 of the token (never the token). */
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
}

const recordKey = (token: string) => `rt:${sha256Key(token)}`;
async function readRecord(ctx: AppContext, key: string): Promise<RefreshRecord | undefined> {
  const raw = await ctx.store.get(key);
  return raw ? (JSON.parse(raw) as RefreshRecord) : undefined;
}
const invalidGrant = (d: string) => new OAuthError('invalid_grant', d);

/** Refresh tokens go to clients allowed the grant that asked for `offline_access` (OIDC Core §11). */
export function wantsRefreshToken(client: Client, scope: string): boolean {
  return scope.split(' ').includes('offline_access') && client.grantTypes.includes('refresh_token');
}

/** Issues an opaque, high-entropy refresh token; only its hash is stored. */
export async function issueRefreshToken(ctx: AppContext, rec: RefreshRecord): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await ctx.store.set(recordKey(token), JSON.stringify(rec), rec.absExp - nowSecs());
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
  await ctx.tokens.revokeGrant(grantId, absExp);
}

/**
 * RFC 7009 §2.1: revoking a refresh token revokes its grant (the family and the access tokens it
 * issued). Returns false when the token is not one of our refresh tokens, or belongs to another client.
 */
export async function revokeRefreshToken(ctx: AppContext, client: Client, token: string): Promise<boolean> {
  const rec = await readRecord(ctx, recordKey(token));
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
  const rec = await readRecord(ctx, recordKey(token));
  if (!rec || rec.clientId !== client.clientId || rec.rotated || rec.absExp <= nowSecs()) return undefined;
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
  const key = recordKey(params.refreshToken);
  const rec = await readRecord(ctx, key);
  if (!rec) throw invalidGrant('refresh token is invalid or expired');
  if (rec.clientId !== client.clientId) throw invalidGrant('refresh token was issued to another client');
  if (await ctx.tokens.grantRevoked(rec.family)) throw invalidGrant('refresh token has been revoked');
  if (rec.rotated) {
    await revokeGrant(ctx, rec.family, rec.absExp);
    throw invalidGrant('refresh token was already used; the grant has been revoked');
  }
  if (rec.absExp <= nowSecs()) throw invalidGrant('refresh token is expired');
  const scope = narrowedScope(rec.scope, params.scope);
  await ctx.store.set(key, JSON.stringify({ ...rec, rotated: true }), Math.max(1, rec.absExp - nowSecs()));
  // Two concurrent uses of one token (on any nodes): the claim lets exactly one through.
  if (!(await claimOnce(ctx.store, 'refresh_used', key, rec.absExp))) {
    await revokeGrant(ctx, rec.family, rec.absExp);
    throw invalidGrant('refresh token was already used; the grant has been revoked');
  }
  // A refreshed ID token carries no nonce (OIDC Core §12.2).
  const res = await issueUserTokens(ctx, client, { ...rec, nonce: undefined, scope }, rec.family);
  res['refresh_token'] = await issueRefreshToken(ctx, { ...rec, rotated: false });
  return res;
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

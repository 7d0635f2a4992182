import { randomBytes, randomUUID } from 'node:crypto';
import type { Client } from '../../domain/index.js';
import { invalidRequest, OAuthError } from '../../error/index.js';
import type { AppContext } from '../../state/index.js';
import { nowSecs, sha256Key } from '../hash.js';
import {
  claimOnce,
  issueUserTokens,
  revokeAccessTokenId,
  type TokenEndpointResponse,
  type UserGrant,
} from './user-tokens.js';

/** A refresh token's server-side state, stored under the SHA-256 of the token (never the token). */
export interface RefreshRecord extends UserGrant {
  clientId: string;
  /** Every token rotated from the same original grant shares a family (OAuth 2.1 §4.3.1). */
  family: string;
  /** Absolute expiry of the family: rotation never extends it. */
  absExp: number;
  /** Ids of the family's latest access tokens (at most RECENT_JTIS), revoked together on reuse. */
  jtis: string[];
  rotated?: boolean;
}

const recordKey = (token: string) => `rt:${sha256Key(token)}`;
const familyRevokedKey = (family: string) => `rt-family-revoked:${family}`;
const familyJtisKey = (family: string) => `rt-family-jtis:${family}`;
const invalidGrant = (d: string) => new OAuthError('invalid_grant', d);
/**
 * How many of a family's latest access token ids are kept for revocation on reuse, in the record and in
 * the family list alike. Bounded so that a record does not grow with every rotation (it is parsed and
 * written again on each one); older access tokens of an often-refreshed family have usually expired.
 */
const RECENT_JTIS = 20;

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

/** Starts a new refresh family for a fresh grant (code or device). */
export function newFamily(
  ctx: AppContext,
  client: Client,
  grant: UserGrant,
  family: string,
  jti: string,
): RefreshRecord {
  const absExp = nowSecs() + ctx.config.oauth.refresh_token_ttl_secs;
  return { ...grant, clientId: client.clientId, family, absExp, jtis: [jti] };
}

/** Revokes a whole family: every refresh token in it and every access token it issued. */
export async function revokeFamily(ctx: AppContext, rec: RefreshRecord): Promise<void> {
  const ttl = Math.max(1, rec.absExp - nowSecs());
  await ctx.store.set(familyRevokedKey(rec.family), '1', ttl);
  const latest = await ctx.store.get(familyJtisKey(rec.family));
  const jtis = new Set([...rec.jtis, ...(latest ? (JSON.parse(latest) as string[]) : [])]);
  for (const jti of jtis) await revokeAccessTokenId(ctx, jti);
}

/** Revokes the family a code's tokens belong to (code replay, RFC 6749 §4.1.2). */
export async function revokeFamilyById(ctx: AppContext, family: string): Promise<void> {
  await ctx.store.set(familyRevokedKey(family), '1', ctx.config.oauth.refresh_token_ttl_secs);
}

/**
 * RFC 7009 §2.1: revoking a refresh token revokes its grant (the family and the access tokens it
 * issued). Returns false when the token is not one of our refresh tokens, or belongs to another client.
 */
export async function revokeRefreshToken(ctx: AppContext, client: Client, token: string): Promise<boolean> {
  const raw = await ctx.store.get(recordKey(token));
  if (!raw) return false;
  const rec = JSON.parse(raw) as RefreshRecord;
  if (rec.clientId !== client.clientId) return false;
  await revokeFamily(ctx, rec);
  return true;
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
  const raw = await ctx.store.get(key);
  if (!raw) throw invalidGrant('refresh token is invalid or expired');
  const rec = JSON.parse(raw) as RefreshRecord;
  if (rec.clientId !== client.clientId) throw invalidGrant('refresh token was issued to another client');
  if ((await ctx.store.get(familyRevokedKey(rec.family))) !== undefined) {
    throw invalidGrant('refresh token has been revoked');
  }
  if (rec.rotated) {
    await revokeFamily(ctx, rec);
    throw invalidGrant('refresh token was already used; the grant has been revoked');
  }
  if (rec.absExp <= nowSecs()) throw invalidGrant('refresh token is expired');
  const scope = narrowedScope(rec.scope, params.scope);
  await ctx.store.set(key, JSON.stringify({ ...rec, rotated: true }), Math.max(1, rec.absExp - nowSecs()));
  // Two concurrent uses of one token (on any nodes): the claim lets exactly one through.
  if (!(await claimOnce(ctx, key, 'refresh_used', rec.clientId, rec.userId, rec.absExp))) {
    await revokeFamily(ctx, rec);
    throw invalidGrant('refresh token was already used; the grant has been revoked');
  }
  const jti = randomUUID();
  // A refreshed ID token carries no nonce (OIDC Core §12.2).
  const res = await issueUserTokens(ctx, client, { ...rec, nonce: undefined, scope }, jti);
  const jtis = [...rec.jtis, jti].slice(-RECENT_JTIS);
  await ctx.store.set(familyJtisKey(rec.family), JSON.stringify(jtis), Math.max(1, rec.absExp - nowSecs()));
  res['refresh_token'] = await issueRefreshToken(ctx, { ...rec, jtis, rotated: false });
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

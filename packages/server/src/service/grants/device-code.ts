import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { Client } from '../../domain/index.js';
import { invalidRequest, OAuthError } from '../../error/index.js';
import type { AppContext } from '../../state/index.js';
import { nowSecs, sha256Key } from '../hash.js';
import type { Session } from '../sessions.js';
import { claimOnce } from '../single-use.js';
import { issueRefreshToken, newFamily, wantsRefreshToken } from './refresh-token.js';
import { issueUserTokens, type TokenEndpointResponse } from './user-tokens.js';

export const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
/** RFC 8628 §6.1: no vowels (no words), no easily confused characters; 20^8 ≈ 2^34.6 codes. */
const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
const DEVICE_TTL_SECS = 600;
const DEVICE_INTERVAL_SECS = 5;
/**
 * How long a record stays in the store after its code expired: long enough to tell a device that polls late
 * `expired_token` (RFC 8628 §3.5, "stop polling") rather than `invalid_grant` for a code we never issued.
 */
const EXPIRED_RECORD_KEEP_SECS = 600;
/** Fresh user codes drawn before giving up when each one drawn is pending already (20^8 codes: never, in practice). */
const USER_CODE_DRAWS = 5;

interface DeviceRecord {
  clientId: string;
  scope: string;
  status: 'pending' | 'approved' | 'denied';
  /**
   * When the device code expires (epoch seconds): `expires_in` after issue, fixed (RFC 8628 §3.2). Every
   * re-store of the record uses the time left until then, so polling and deciding never lengthen it.
   */
  expiresAt: number;
  userId?: string;
  authTime?: number;
  sid?: string;
}

/** What the user typed, without the dash or case: `bcdf-ghjk` → `BCDFGHJK`. */
export const normalizeUserCode = (c: string) => c.toUpperCase().replace(/[^A-Z]/g, '');

const deviceKey = (hash: string) => `device:${hash}`;
const userCodeKey = (normalized: string) => `usercode:${normalized}`;
/**
 * Present for one interval after each poll. Kept apart from the record so that polling never writes the record:
 * a poll that rewrote it could overwrite a decision the user made meanwhile.
 */
const pollKey = (hash: string) => `devicepoll:${hash}`;

function parseRecord(raw: string): DeviceRecord {
  const rec = JSON.parse(raw) as Partial<DeviceRecord> & Omit<DeviceRecord, 'expiresAt'>;
  // A record written before `expiresAt` existed (another node, mid-upgrade): its store TTL still bounds it;
  // give it one full lifetime from now, after which it is fixed like any other.
  return { ...rec, expiresAt: rec.expiresAt ?? nowSecs() + DEVICE_TTL_SECS };
}

/** Whether the device code's absolute lifetime is over (RFC 8628 §3.5 `expired_token`). */
const isExpired = (rec: DeviceRecord) => nowSecs() >= rec.expiresAt;

/**
 * The store TTL for (re-)storing a record: what is left of its lifetime, never a fresh one, plus the time it is
 * kept to answer `expired_token`.
 */
const storeTtl = (rec: DeviceRecord) => Math.max(0, rec.expiresAt - nowSecs()) + EXPIRED_RECORD_KEEP_SECS;

/** `BCDFGHJK`: eight letters drawn uniformly (a byte modulo 20 would favour the first 16). */
const drawUserCode = () =>
  Array.from({ length: 8 }, () => USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)]).join('');

/**
 * A user code no pending request holds, claimed for the device code `hash`. Drawn again on a collision: writing
 * over a pending code would hand the other user's approval to this device (RFC 8628 §3.3, §5.1).
 */
async function claimUserCode(ctx: AppContext, hash: string): Promise<string> {
  for (let i = 0; i < USER_CODE_DRAWS; i++) {
    const raw = drawUserCode();
    if (await ctx.store.setIfAbsent(userCodeKey(raw), hash, DEVICE_TTL_SECS)) return raw;
  }
  throw new OAuthError('temporarily_unavailable', 'no free user code, try again', 503);
}

function checkGrantAllowed(client: Client): void {
  if (!client.grantTypes.includes(DEVICE_GRANT)) {
    throw new OAuthError('unauthorized_client', 'client may not use the device authorization grant');
  }
}

/** RFC 8628 §3.1–3.2 device authorization request. */
export async function startDeviceAuthorization(
  ctx: AppContext,
  client: Client,
  scopeParam: string | undefined,
): Promise<Record<string, unknown>> {
  checkGrantAllowed(client);
  const scopes = [...new Set((scopeParam ?? '').split(' ').filter((x) => x !== ''))];
  const supported = new Set([...ctx.config.oauth.scopes_supported, ...client.scopes]);
  const unknown = scopes.filter((x) => !supported.has(x));
  if (unknown.length > 0) throw new OAuthError('invalid_scope', `scope not allowed: ${unknown.join(' ')}`);
  const deviceCode = randomBytes(32).toString('base64url');
  const hash = sha256Key(deviceCode);
  const rec: DeviceRecord = {
    clientId: client.clientId,
    scope: scopes.join(' '),
    status: 'pending',
    expiresAt: nowSecs() + DEVICE_TTL_SECS,
  };
  await ctx.store.set(deviceKey(hash), JSON.stringify(rec), storeTtl(rec));
  // 20^8 ≈ 2^34.6 codes: enough with guessing limited on the verification page (RFC 8628 §6.1).
  const raw = await claimUserCode(ctx, hash);
  const userCode = `${raw.slice(0, 4)}-${raw.slice(4)}`;
  const verificationUri = `${ctx.config.oauth.issuer}/api/oauth/device`;
  return {
    device_code: deviceCode,
    user_code: userCode,
    verification_uri: verificationUri,
    verification_uri_complete: `${verificationUri}?user_code=${userCode}`,
    expires_in: DEVICE_TTL_SECS,
    interval: DEVICE_INTERVAL_SECS,
  };
}

/**
 * RFC 8628 §3.3: the signed-in user approves or denies a user code. False when the code is unknown,
 * expired or already decided — decided exactly once even when two nodes race (database claim).
 */
export async function decideDeviceRequest(
  ctx: AppContext,
  userCode: string,
  session: Session,
  approve: boolean,
): Promise<boolean> {
  const normalized = normalizeUserCode(userCode);
  const hash = await ctx.store.get(userCodeKey(normalized));
  if (!hash) return false;
  const recRaw = await ctx.store.get(deviceKey(hash));
  if (!recRaw) return false;
  const rec = parseRecord(recRaw);
  if (rec.status !== 'pending' || isExpired(rec)) return false;
  if (!(await claimOnce(ctx.store, 'device_decided', hash, rec.expiresAt))) {
    return false;
  }
  const next: DeviceRecord = approve
    ? { ...rec, status: 'approved', userId: session.userId, authTime: session.authTime, sid: session.sid }
    : { ...rec, status: 'denied' };
  // Approval does not give the device a new `expires_in` to come and collect its tokens (RFC 8628 §3.2).
  await ctx.store.set(deviceKey(hash), JSON.stringify(next), storeTtl(next));
  await ctx.store.set(userCodeKey(normalized), '', 1);
  return true;
}

/** What the verification page shows of a pending request before the user decides. */
export interface PendingDeviceRequest {
  clientId: string;
  scopes: string[];
}

/**
 * The client waiting on a pending user code and the scopes it asked for, so the page can tell the user what
 * they are approving (RFC 8628 §3.3; §5.4: users must be able to tell the request is theirs). Undefined once
 * decided or expired.
 */
export async function pendingDeviceRequest(
  ctx: AppContext,
  userCode: string,
): Promise<PendingDeviceRequest | undefined> {
  const hash = await ctx.store.get(userCodeKey(normalizeUserCode(userCode)));
  if (!hash) return undefined;
  const raw = await ctx.store.get(deviceKey(hash));
  if (!raw) return undefined;
  const rec = parseRecord(raw);
  if (rec.status !== 'pending' || isExpired(rec)) return undefined;
  return { clientId: rec.clientId, scopes: rec.scope.split(' ').filter((s) => s !== '') };
}

/** RFC 8628 §3.4–3.5 device access token request (polling). */
export async function deviceCodeGrant(
  ctx: AppContext,
  client: Client,
  deviceCode: string | undefined,
): Promise<TokenEndpointResponse> {
  checkGrantAllowed(client);
  if (!deviceCode) throw invalidRequest('device_code is required');
  const hash = sha256Key(deviceCode);
  const key = deviceKey(hash);
  const raw = await ctx.store.get(key);
  // Never issued, redeemed already, or expired so long ago that its record is gone (RFC 6749 §5.2).
  if (!raw) throw new OAuthError('invalid_grant', 'device code is unknown or was used already');
  const rec = parseRecord(raw);
  if (rec.clientId !== client.clientId)
    throw new OAuthError('invalid_grant', 'device code was issued to another client');
  // RFC 8628 §3.5: past its `expires_in` the device code is dead, whatever its status.
  if (isExpired(rec)) throw new OAuthError('expired_token', 'device code has expired');
  if (rec.status === 'denied') throw new OAuthError('access_denied', 'the user denied the request');
  if (rec.status === 'pending') {
    // RFC 8628 §3.5: slow_down asks the client to add 5 s to its interval. The marker's own TTL bounds it,
    // so polling never keeps the code alive (§3.2 expires_in).
    const inTime = await ctx.store.setIfAbsent(pollKey(hash), '1', DEVICE_INTERVAL_SECS);
    if (!inTime) throw new OAuthError('slow_down', 'polling too fast');
    throw new OAuthError('authorization_pending', 'the user has not yet approved the request');
  }
  // Approved: tokens are issued once, even if two polls reach two nodes at the same moment.
  if (!(await claimOnce(ctx.store, 'device_redeemed', hash, rec.expiresAt))) {
    throw new OAuthError('invalid_grant', 'device code already used');
  }
  await ctx.store.set(key, '', 1);
  const grant = {
    scope: rec.scope,
    nonce: undefined,
    userId: rec.userId ?? '',
    authTime: rec.authTime ?? nowSecs(),
    sid: rec.sid ?? '',
  };
  // A random grant id: nothing ever needs to derive it again (the refresh record carries it).
  const grantId = randomUUID();
  const res = await issueUserTokens(ctx, client, grant, grantId);
  if (wantsRefreshToken(client, grant.scope)) {
    res['refresh_token'] = await issueRefreshToken(ctx, newFamily(ctx, client, grant, grantId));
  }
  return res;
}

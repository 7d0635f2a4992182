import { randomBytes, randomInt } from 'node:crypto';
import { type Client, DEVICE_CODE_GRANT_TYPE } from '../../domain/index.js';
import { invalidScope, OAuthError, unauthorizedClient } from '../../error/index.js';
import { type Store, storeKeys } from '../../infra/store/index.js';
import { nowSecs } from '../clock.js';
import { sha256Key } from '../crypto/hash.js';
import { parseScope, scopesNotAllowedForUser } from '../scopes.js';
import type { Session } from '../sessions/sessions.js';
import { claimOnce } from '../single-use.js';
import { DeviceRequestCaps, type DeviceRequestCapsOptions } from './device-request-caps.js';

/** RFC 8628 §6.1: no vowels (no words), no easily confused characters; 20^8 ≈ 2^34.6 codes. */
const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
const DEVICE_TTL_SECS = 600;
export const DEVICE_INTERVAL_SECS = 5;
/**
 * How long a record stays in the store after its code expired: long enough to tell a device that polls late
 * `expired_token` (RFC 8628 §3.5, "stop polling") rather than `invalid_grant` for a code we never issued.
 */
const EXPIRED_RECORD_KEEP_SECS = 600;
/**
 * What an unauthenticated device writes (a pending request, its user code, a poll marker) is `cheap`: the
 * in-process store drops it before any session or counter when full (WritePriority). A request the user
 * decided is `protected`: a person's approval is not dropped for someone's flood.
 */
const CHEAP = { priority: 'cheap' } as const;
const DECIDED = { priority: 'protected' } as const;
/** Fresh user codes drawn before giving up when each one drawn is pending already (20^8 codes: never, in practice). */
const USER_CODE_DRAWS = 5;

/** A device authorization request, stored under the SHA-256 of its device code. */
export interface DeviceRecord {
  clientId: string;
  scope: string;
  status: 'pending' | 'approved' | 'denied';
  /**
   * When the device code expires (epoch seconds): `expires_in` after issue, fixed (RFC 8628 §3.2). Every
   * re-store of the record uses the time left until then, so polling and deciding never lengthen it.
   */
  expiresAt: number;
  /** Who approved it, once approved. */
  approvedBy?: Pick<Session, 'userId' | 'authTime' | 'sid'>;
}

/** What the verification page shows of a pending request before the user decides. */
export interface PendingDeviceRequest {
  clientId: string;
  scopes: string[];
}

/** What the user typed, without the dash or case: `bcdf-ghjk` → `BCDFGHJK`. */
export const normalizeUserCode = (c: string) => c.toUpperCase().replace(/[^A-Z]/g, '');

/** Whether the device code's absolute lifetime is over (RFC 8628 §3.5 `expired_token`). */
export const isExpired = (rec: DeviceRecord) => nowSecs() >= rec.expiresAt;

/**
 * The store TTL for (re-)storing a record: what is left of its lifetime, never a fresh one, plus the time it is
 * kept to answer `expired_token`.
 */
const storeTtl = (rec: DeviceRecord) => Math.max(0, rec.expiresAt - nowSecs()) + EXPIRED_RECORD_KEEP_SECS;

/** `BCDFGHJK`: eight letters drawn uniformly (a byte modulo 20 would favour the first 16). */
const drawUserCode = () =>
  Array.from({ length: 8 }, () => USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)]).join('');

export interface DeviceRequestsOptions {
  issuer: string;
  /** `oauth.scopes_supported`: what a user grant may ask for besides the client's own scopes. */
  scopesSupported: string[];
  /** The caps on requests per address and per client (defaults in device-request-caps.ts). */
  caps?: Omit<DeviceRequestCapsOptions, 'windowSecs'>;
}

/**
 * RFC 8628 device authorization requests in the shared store: started by the device (§3.1–3.2), decided by the
 * signed-in user on the verification page (§3.3), read by the device code grant when the device polls (§3.4).
 */
export class DeviceRequests {
  readonly #caps: DeviceRequestCaps;

  constructor(
    private readonly store: Store,
    private readonly opts: DeviceRequestsOptions,
  ) {
    this.#caps = new DeviceRequestCaps(store, { ...opts.caps, windowSecs: DEVICE_TTL_SECS });
  }

  /** RFC 8628 §3.1–3.2 device authorization request from the client address `ip`. */
  async start(client: Client, scopeParam: string | undefined, ip: string): Promise<Record<string, unknown>> {
    if (!client.grantTypes.includes(DEVICE_CODE_GRANT_TYPE)) {
      throw unauthorizedClient(`client may not use the ${DEVICE_CODE_GRANT_TYPE} grant`);
    }
    const scopes = parseScope(scopeParam);
    const unknown = scopesNotAllowedForUser(scopes, this.opts.scopesSupported, client);
    if (unknown.length > 0) throw invalidScope(`scope not allowed: ${unknown.join(' ')}`);
    // Counted once the request is valid: only then does it write to the store.
    await this.#caps.take(client.clientId, ip);
    const deviceCode = randomBytes(32).toString('base64url');
    const hash = sha256Key(deviceCode);
    const rec: DeviceRecord = {
      clientId: client.clientId,
      scope: scopes.join(' '),
      status: 'pending',
      expiresAt: nowSecs() + DEVICE_TTL_SECS,
    };
    await this.save(hash, rec);
    // 20^8 ≈ 2^34.6 codes: enough with guessing limited on the verification page (RFC 8628 §6.1).
    const raw = await this.#claimUserCode(hash);
    const userCode = `${raw.slice(0, 4)}-${raw.slice(4)}`;
    const verificationUri = `${this.opts.issuer}/api/oauth/device`;
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
   * A user code no pending request holds, claimed for the device code `hash`. Drawn again on a collision:
   * writing over a pending code would hand the other user's approval to this device (RFC 8628 §3.3, §5.1).
   */
  async #claimUserCode(hash: string): Promise<string> {
    for (let i = 0; i < USER_CODE_DRAWS; i++) {
      const raw = drawUserCode();
      if (await this.store.setIfAbsent(storeKeys.userCode(raw), hash, DEVICE_TTL_SECS, CHEAP)) return raw;
    }
    throw new OAuthError('temporarily_unavailable', 'no free user code, try again', 503);
  }

  /** The device code hash and record a pending, unexpired user code stands for. */
  async #pending(userCode: string): Promise<{ hash: string; rec: DeviceRecord } | undefined> {
    const hash = await this.store.get(storeKeys.userCode(normalizeUserCode(userCode)));
    if (!hash) return undefined;
    const rec = await this.find(hash);
    if (rec === undefined || rec.status !== 'pending' || isExpired(rec)) return undefined;
    return { hash, rec };
  }

  /**
   * The client waiting on a pending user code and the scopes it asked for, so the page can tell the user what
   * they are approving (RFC 8628 §3.3; §5.4: users must be able to tell the request is theirs). Undefined once
   * decided or expired.
   */
  async pending(userCode: string): Promise<PendingDeviceRequest | undefined> {
    const found = await this.#pending(userCode);
    return found && { clientId: found.rec.clientId, scopes: parseScope(found.rec.scope) };
  }

  /**
   * RFC 8628 §3.3: the signed-in user approves or denies a user code. False when the code is unknown, expired
   * or already decided — decided exactly once even when two nodes race (the store's claim).
   */
  async decide(userCode: string, session: Session, approve: boolean): Promise<boolean> {
    const found = await this.#pending(userCode);
    if (found === undefined) return false;
    const { hash, rec } = found;
    if (!(await claimOnce(this.store, 'device_decided', hash, rec.expiresAt))) return false;
    const { userId, authTime, sid } = session;
    // Approval does not give the device a new `expires_in` to come and collect its tokens (RFC 8628 §3.2).
    await this.save(
      hash,
      approve
        ? { ...rec, status: 'approved', approvedBy: { userId, authTime, sid } }
        : { ...rec, status: 'denied' },
    );
    await this.store.delete(storeKeys.userCode(normalizeUserCode(userCode)));
    return true;
  }

  /** The record of a device code, by its hash. */
  async find(hash: string): Promise<DeviceRecord | undefined> {
    const raw = await this.store.get(storeKeys.deviceRequest(hash));
    return raw ? (JSON.parse(raw) as DeviceRecord) : undefined;
  }

  save(hash: string, rec: DeviceRecord): Promise<void> {
    const priority = rec.status === 'pending' ? CHEAP : DECIDED;
    return this.store.set(storeKeys.deviceRequest(hash), JSON.stringify(rec), storeTtl(rec), priority);
  }

  /** Forgets a redeemed request: its device code is answered as unknown from then on. */
  forget(hash: string): Promise<void> {
    return this.store.delete(storeKeys.deviceRequest(hash));
  }

  /**
   * RFC 8628 §3.5 `slow_down`: false when the device polled within the last interval. The marker's own TTL
   * bounds it, so polling never keeps the code alive (§3.2 `expires_in`); kept apart from the record so that
   * polling never writes the record, which could overwrite a decision the user made meanwhile.
   */
  pollInTime(hash: string): Promise<boolean> {
    return this.store.setIfAbsent(storeKeys.devicePoll(hash), '1', DEVICE_INTERVAL_SECS, CHEAP);
  }

  /** Exactly one poll of an approved request gets tokens, even when two reach two nodes at once. */
  claimRedemption(hash: string, rec: DeviceRecord): Promise<boolean> {
    return claimOnce(this.store, 'device_redeemed', hash, rec.expiresAt);
  }
}

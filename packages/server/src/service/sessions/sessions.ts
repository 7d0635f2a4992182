import { randomBytes } from 'node:crypto';
import { type Store, storeKeys } from '../../infra/store/index.js';
import { nowSecs } from '../clock.js';
import { hmacKey } from '../crypto/hash.js';

/** A signed-in browser: shared through the store so that any node can serve any request (SSO). */
export interface Session {
  sid: string;
  userId: string;
  /** When the user last entered their password (OIDC Core §2 `auth_time`). */
  authTime: number;
}

const SESSION_TTL_SECS = 12 * 3600;
const key = storeKeys.session;

export async function createSession(store: Store, userId: string): Promise<Session> {
  const session: Session = { sid: randomBytes(24).toString('base64url'), userId, authTime: nowSecs() };
  // Never dropped to make room for cheaper entries: that would sign the user out (WritePriority).
  await store.set(key(session.sid), JSON.stringify(session), SESSION_TTL_SECS, { priority: 'protected' });
  return session;
}

export async function getSession(store: Store, sid: string | undefined): Promise<Session | undefined> {
  if (!sid) return undefined;
  const raw = await store.get(key(sid));
  return raw ? (JSON.parse(raw) as Session) : undefined;
}

export async function endSession(store: Store, sid: string | undefined): Promise<void> {
  if (sid) await store.delete(key(sid));
}

/**
 * The session's `sid` as relying parties see it in ID tokens (OIDC Front-Channel Logout §3): derived from the
 * session id under the `sessionId` purpose key, never the id itself, which names the session in the store and
 * is the session cookie's value.
 */
export function publicSessionId(sessionIdKey: Buffer, sid: string): string {
  return hmacKey(sessionIdKey, `sid:${sid}`);
}

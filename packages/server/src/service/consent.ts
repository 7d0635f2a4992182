import type { Store } from '../infra/store.js';
import type { AuthRequest } from './authorization-request.js';
import type { Session } from './sessions.js';

const CONSENT_TTL_SECS = 365 * 24 * 3600;
const key = (userId: string, clientId: string) => `consent:${userId}:${clientId}`;

/** Consent is remembered per user + client + scopes; `prompt=consent` always asks again (OIDC Core §3.1.2.1). */
export async function needsConsent(store: Store, req: AuthRequest, session: Session): Promise<boolean> {
  if (req.client.skipConsent) return false;
  if (req.prompt.includes('consent')) return true;
  if (req.scopes.length === 0) return false;
  const raw = await store.get(key(session.userId, req.client.clientId));
  const granted = new Set(raw ? raw.split(' ') : []);
  return !req.scopes.every((s) => granted.has(s));
}

export async function rememberConsent(store: Store, req: AuthRequest, session: Session): Promise<void> {
  const k = key(session.userId, req.client.clientId);
  const raw = await store.get(k);
  const granted = new Set([...(raw ? raw.split(' ') : []), ...req.scopes]);
  await store.set(k, [...granted].join(' '), CONSENT_TTL_SECS);
}

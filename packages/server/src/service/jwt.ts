import { sign } from 'node:crypto';
import type { ActiveKey } from './keys.js';

const segment = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/**
 * Compact JWS (RFC 7515 §7.1) signed with ES256 (RFC 7518 §3.4: R || S, 64 bytes) on the imported
 * signing KeyObject. node:crypto signs synchronously, several times faster than jose's async WebCrypto
 * path on the token hot path (docs/decisions.md "jose"); everything that verifies tokens still uses jose.
 * Claims whose value is undefined are left out, as JSON.stringify does.
 */
export function signEs256Jwt(key: ActiveKey, typ: string, claims: Record<string, unknown>): string {
  const input = `${segment({ alg: 'ES256', typ, kid: key.kid })}.${segment(claims)}`;
  const signature = sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

import { sign } from 'node:crypto';
import type { SigningWorker } from '../../infra/signing-worker.js';
import type { ActiveKey } from '../keys/keys.js';

/*
 * Compact JWS (RFC 7515 §7.1) signed with ES256 (RFC 7518 §3.4: R || S, 64 bytes) on the imported signing
 * KeyObject. node:crypto is several times faster than jose's async WebCrypto path on the token hot path
 * (measured in bench/); everything that verifies or parses tokens still uses jose. Claims whose value
 * is undefined are left out, as JSON.stringify does.
 */

const segment = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** The encoded protected header depends only on the key and `typ`: encoded once per pair. */
const headers = new WeakMap<ActiveKey, Map<string, string>>();
function headerSegment(key: ActiveKey, typ: string): string {
  let byTyp = headers.get(key);
  if (byTyp === undefined) {
    byTyp = new Map();
    headers.set(key, byTyp);
  }
  let encoded = byTyp.get(typ);
  if (encoded === undefined) {
    encoded = segment({ alg: 'ES256', typ, kid: key.kid });
    byTyp.set(typ, encoded);
  }
  return encoded;
}

const signingInput = (key: ActiveKey, typ: string, claims: object) =>
  `${headerSegment(key, typ)}.${segment(claims)}`;
const ES256 = { dsaEncoding: 'ieee-p1363' } as const;

/** Signs on the calling thread (for flows that sign two tokens back to back: no round trips to the signing worker). */
export function signEs256Jwt(key: ActiveKey, typ: string, claims: object): string {
  const input = signingInput(key, typ, claims);
  const signature = sign('sha256', Buffer.from(input), { key: key.privateKey, ...ES256 });
  return `${input}.${signature.toString('base64url')}`;
}

/**
 * Signs on the signing worker (see SigningWorker: batched with the other signatures of this event-loop turn),
 * so the event loop keeps serving requests meanwhile (client credentials).
 */
export async function signEs256JwtInWorker(
  worker: SigningWorker,
  key: ActiveKey,
  typ: string,
  claims: object,
): Promise<string> {
  const input = signingInput(key, typ, claims);
  return `${input}.${await worker.sign(key.privateKey, input)}`;
}

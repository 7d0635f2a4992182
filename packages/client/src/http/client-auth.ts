import { randomUUID } from 'node:crypto';
import { type CryptoKey, importJWK, type JWK, SignJWT } from 'jose';
import { effectiveAuthMethod } from '../config/schema.js';
import type { OAuth2ClientConfig } from '../config/types.js';

/** RFC 6749 Appendix B form-urlencoding of one value (spaces as `+`). */
export function formEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}

/** Lifetime of a client assertion, seconds (RFC 7523 §3: short-lived). */
const ASSERTION_TTL_SECS = 60;

/**
 * Adds client authentication to a token-endpoint-style request (RFC 6749 §2.3.1 basic/post,
 * RFC 7523 §2.2 client_secret_jwt / private_key_jwt with a fresh `jti` and short `exp`, or `none`).
 * `audience` is the `aud` of assertions: the issuer when known, else the endpoint URL.
 */
export async function applyClientAuth(
  config: OAuth2ClientConfig,
  params: URLSearchParams,
  headers: Record<string, string>,
  audience: string,
): Promise<void> {
  const method = effectiveAuthMethod(config);
  switch (method) {
    case 'client_secret_basic': {
      const pair = `${formEncode(config.clientId)}:${formEncode(config.clientSecret ?? '')}`;
      headers['authorization'] = `Basic ${Buffer.from(pair).toString('base64')}`;
      return;
    }
    case 'client_secret_post':
      params.set('client_id', config.clientId);
      params.set('client_secret', config.clientSecret ?? '');
      return;
    case 'client_secret_jwt':
    case 'private_key_jwt': {
      const alg = config.clientAssertionAlg ?? (method === 'client_secret_jwt' ? 'HS256' : 'RS256');
      const key =
        method === 'client_secret_jwt'
          ? new TextEncoder().encode(config.clientSecret ?? '')
          : await toKey(config.privateKey, alg);
      const header = config.keyId ? { alg, kid: config.keyId } : { alg };
      const assertion = await new SignJWT({})
        .setProtectedHeader(header)
        .setIssuer(config.clientId)
        .setSubject(config.clientId)
        .setAudience(audience)
        .setJti(randomUUID())
        .setIssuedAt()
        .setExpirationTime(`${ASSERTION_TTL_SECS}s`)
        .sign(key);
      params.set('client_id', config.clientId);
      params.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      params.set('client_assertion', assertion);
      return;
    }
    case 'none':
      params.set('client_id', config.clientId);
      return;
  }
}

async function toKey(key: CryptoKey | JWK | undefined, alg: string): Promise<CryptoKey | Uint8Array> {
  if (!key) throw new Error('privateKey missing');
  if ('kty' in key) return importJWK(key as JWK, alg);
  return key as CryptoKey;
}

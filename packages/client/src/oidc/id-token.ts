import { createHash } from 'node:crypto';
import { decodeJwt, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { OAuth2Error, ProtocolError } from '../errors/index.js';
import { expectedIssuer, isIssuerTemplate, TENANT_CLAIM } from './issuer.js';

/** Checks of {@link validateIdToken}. */
export interface IdTokenCheck {
  /**
   * The expected `iss`; a template with `{tenantid}` (multi-tenant providers) is filled with the token's
   * `tid` claim, which must be a GUID.
   */
  issuer: string;
  clientId: string;
  keys: JWTVerifyGetKey;
  /** The nonce sent in the authorization request, when one was. */
  nonce?: string;
  /** The access token issued with the ID token: its `at_hash`, when present, must match (OIDC Core §3.1.3.8). */
  accessToken?: string;
  /** Allowed clock skew, seconds. Default 60. */
  clockToleranceSecs?: number;
}

/**
 * Validates an ID token (OIDC Core §3.1.3.7): signature, `iss`, `aud`, `azp` for multiple audiences,
 * `exp`/`iat` with clock skew, `nonce`, and `at_hash` when both it and the access token are present.
 * Throws ProtocolError `invalid_id_token` / `nonce_mismatch`. When the keys cannot be obtained (the JWKS
 * fetch timed out, failed or answered 5xx), the key resolver's own typed error is thrown unchanged: the
 * token was not judged, and the failure may be transient.
 */
export async function validateIdToken(idToken: string, check: IdTokenCheck): Promise<JWTPayload> {
  const issuer = issuerFor(idToken, check.issuer);
  let payload: JWTPayload;
  let alg: string;
  try {
    const verified = await jwtVerify(idToken, check.keys, {
      issuer,
      audience: check.clientId,
      clockTolerance: check.clockToleranceSecs ?? 60,
      requiredClaims: ['iat', 'exp', 'sub'],
    });
    payload = verified.payload;
    alg = verified.protectedHeader.alg;
  } catch (cause) {
    if (cause instanceof OAuth2Error) throw cause; // from the key resolver: NetworkError, ProviderError, …
    const reason = (cause as { code?: string }).code ?? 'verification failed';
    throw new ProtocolError(`ID token rejected: ${reason}`, { code: 'invalid_id_token', cause });
  }
  if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload['azp'] !== check.clientId) {
    throw new ProtocolError('ID token azp does not match the client', { code: 'invalid_id_token' });
  }
  if (payload['azp'] !== undefined && payload['azp'] !== check.clientId) {
    throw new ProtocolError('ID token azp does not match the client', { code: 'invalid_id_token' });
  }
  if (check.nonce !== undefined && payload['nonce'] !== check.nonce) {
    throw new ProtocolError('ID token nonce does not match the request', { code: 'nonce_mismatch' });
  }
  if (payload['at_hash'] !== undefined && check.accessToken !== undefined) {
    checkAtHash(payload['at_hash'], check.accessToken, alg);
  }
  return payload;
}

/**
 * The issuer the token must name. For a `{tenantid}` template it is built from the token's own `tid`
 * (read before the signature check; `jwtVerify` then verifies both `tid` and `iss` together).
 */
function issuerFor(idToken: string, configured: string): string {
  if (!isIssuerTemplate(configured)) return configured;
  let tenantId: unknown;
  try {
    tenantId = decodeJwt(idToken)[TENANT_CLAIM];
  } catch (cause) {
    throw new ProtocolError('ID token rejected: not a JWT', { code: 'invalid_id_token', cause });
  }
  const issuer = expectedIssuer(configured, tenantId);
  if (issuer === undefined) {
    throw new ProtocolError(
      'ID token rejected: the tid claim of a multi-tenant issuer is missing or not a GUID',
      {
        code: 'invalid_id_token',
      },
    );
  }
  return issuer;
}

/** The hash whose left half makes `at_hash` for a JWS `alg` (OIDC Core §3.1.3.6; EdDSA: SHA-512, as Ed25519). */
function atHashDigest(alg: string): 'sha256' | 'sha384' | 'sha512' | undefined {
  switch (alg) {
    case 'RS256':
    case 'PS256':
    case 'ES256':
    case 'HS256':
      return 'sha256';
    case 'RS384':
    case 'PS384':
    case 'ES384':
    case 'HS384':
      return 'sha384';
    case 'RS512':
    case 'PS512':
    case 'ES512':
    case 'HS512':
    case 'Ed25519':
    case 'EdDSA':
      return 'sha512';
    default:
      return undefined;
  }
}

/**
 * OIDC Core §3.1.3.8: when the ID token carries `at_hash`, it must be the base64url of the left half of
 * the access token's hash (the hash of the ID token's JWS alg), binding the two tokens together.
 */
function checkAtHash(atHash: unknown, accessToken: string, alg: string): void {
  const digest = atHashDigest(alg);
  if (digest === undefined) {
    throw new ProtocolError(`ID token at_hash cannot be checked for alg ${alg}`, {
      code: 'invalid_id_token',
    });
  }
  const full = createHash(digest).update(accessToken, 'utf8').digest();
  const expected = full.subarray(0, full.length / 2).toString('base64url');
  if (atHash !== expected) {
    throw new ProtocolError('ID token at_hash does not match the access token', { code: 'invalid_id_token' });
  }
}

/**
 * OIDC Core §12.2: an ID token returned on refresh must name the same issuer, subject and audience as the
 * one from the original authentication. Throws ProtocolError `invalid_id_token` otherwise, or when the new
 * token is not a JWT. A previous token that cannot be decoded gives nothing to compare with.
 */
export function assertSameIdentity(previousIdToken: string, nextIdToken: string): void {
  let previous: JWTPayload;
  try {
    previous = decodeJwt(previousIdToken);
  } catch {
    return;
  }
  let next: JWTPayload;
  try {
    next = decodeJwt(nextIdToken);
  } catch (cause) {
    throw new ProtocolError('refreshed ID token is not a JWT', { code: 'invalid_id_token', cause });
  }
  const audience = (p: JWTPayload) => JSON.stringify([p.aud ?? []].flat().sort());
  if (next.iss !== previous.iss || next.sub !== previous.sub || audience(next) !== audience(previous)) {
    throw new ProtocolError(
      'refreshed ID token names another issuer, subject or audience than the original one (OIDC Core §12.2)',
      { code: 'invalid_id_token' },
    );
  }
}

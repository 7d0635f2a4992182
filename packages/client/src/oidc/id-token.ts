import { type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { ProtocolError } from '../errors/index.js';

/** Checks of {@link validateIdToken}. */
export interface IdTokenCheck {
  issuer: string;
  clientId: string;
  keys: JWTVerifyGetKey;
  /** The nonce sent in the authorization request, when one was. */
  nonce?: string;
  /** Allowed clock skew, seconds. Default 60. */
  clockToleranceSecs?: number;
}

/**
 * Validates an ID token (OIDC Core §3.1.3.7): signature, `iss`, `aud`, `azp` for multiple audiences,
 * `exp`/`iat` with clock skew, and `nonce`. Throws ProtocolError `invalid_id_token` / `nonce_mismatch`.
 */
export async function validateIdToken(idToken: string, check: IdTokenCheck): Promise<JWTPayload> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(idToken, check.keys, {
      issuer: check.issuer,
      audience: check.clientId,
      clockTolerance: check.clockToleranceSecs ?? 60,
      requiredClaims: ['iat', 'exp', 'sub'],
    }));
  } catch (cause) {
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
  return payload;
}

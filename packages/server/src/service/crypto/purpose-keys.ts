import { hkdfSync } from 'node:crypto';

/**
 * One key per use of the server secret (`security.jwt_secret`), so that a value made for one purpose can never
 * stand for another (a cookie signature for a CSRF token, say) and no use exposes the secret itself. Each is
 * derived with HKDF-SHA-256 (RFC 5869) under its own `info`; the secret is used for nothing else.
 */
export interface PurposeKeys {
  /** Signs the browser cookies (`@fastify/cookie`): the session and the CSRF binding. */
  cookies: Buffer;
  /** CSRF tokens of the browser forms (sign-in/csrf.ts). */
  csrf: Buffer;
  /** Proofs of a fresh sign-in carried by the consent form (sign-in/login-proof.ts). */
  loginProof: Buffer;
  /** The public `sid` of ID tokens, derived from the session id (sessions/sessions.ts). */
  sessionId: Buffer;
  /** Grant ids, derived from authorization codes (grants/authorization-code.ts). */
  grantId: Buffer;
}

/** RFC 5869 §3.1: a fixed, non-secret salt; it only has to be the same on every node. */
const SALT = 'gatehouse';

/** A 256-bit key for `purpose` (the HKDF `info`) from the server secret. */
export function deriveKey(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, SALT, purpose, 32));
}

/** Every purpose key, derived once at start (app/services.ts). */
export function derivePurposeKeys(secret: string): PurposeKeys {
  return {
    cookies: deriveKey(secret, 'cookie-signing'),
    csrf: deriveKey(secret, 'csrf-token'),
    loginProof: deriveKey(secret, 'login-proof'),
    sessionId: deriveKey(secret, 'public-session-id'),
    grantId: deriveKey(secret, 'grant-id'),
  };
}

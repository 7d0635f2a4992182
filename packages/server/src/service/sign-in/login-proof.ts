import { nowSecs } from '../clock.js';
import { equalInConstantTime, hmacKey } from '../crypto/hash.js';
import type { Session } from '../sessions/sessions.js';

/** How long the consent page shown after a sign-in may take to be answered and still count as that sign-in. */
export const LOGIN_PROOF_SECS = 10 * 60;

/**
 * Carried by the consent form rendered right after a password sign-in: proof that the session's login
 * happened in this authorization transaction. `prompt=login` and `max_age` (OIDC Core §3.1.2.1) need exactly
 * that, and the session alone cannot show it: anyone at a signed-in browser could otherwise post the consent
 * form straight from the login page and skip the re-authentication the client asked for.
 */
export function loginProof(key: Buffer, session: Session): string {
  return hmacKey(key, `login-proof:${session.sid}:${session.authTime}`);
}

/** Constant-time check of a submitted proof against the session, within {@link LOGIN_PROOF_SECS} of the login. */
export function loginProofValid(key: Buffer, session: Session, proof: string | undefined): boolean {
  if (!proof || nowSecs() - session.authTime > LOGIN_PROOF_SECS) return false;
  return equalInConstantTime(loginProof(key, session), proof);
}

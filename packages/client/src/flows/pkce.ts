import { createHash, randomBytes } from 'node:crypto';

/** A 64-character PKCE code verifier (RFC 7636 §4.1: 43–128 unreserved characters). */
export function generateCodeVerifier(): string {
  return randomBytes(48).toString('base64url');
}

/** The S256 code challenge of a verifier (RFC 7636 §4.2). */
export function codeChallengeS256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

/** 128 bits of randomness, base64url: for `state` and `nonce` (RFC 6749 §10.10). */
export function randomToken(): string {
  return randomBytes(16).toString('base64url');
}

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { equalInConstantTime, sha256Key } from './hash.js';
import { deriveKey } from './purpose-keys.js';

/** Client secrets are high-entropy, so a SHA-256 digest is stored (not argon2: the token endpoint must stay fast). */
export function hashClientSecret(secret: string): string {
  return `sha256:${sha256Key(secret)}`;
}

const DUMMY = hashClientSecret('gatehouse-dummy-secret');

/** Constant-time comparison of a presented secret against a stored hash (a dummy hash when the client is unknown). */
export function verifyClientSecret(secret: string, storedHash: string | null | undefined): boolean {
  const same = equalInConstantTime(storedHash ?? DUMMY, hashClientSecret(secret));
  return same && storedHash !== null && storedHash !== undefined;
}

export function generateClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The signing keys' encryption key: stored keys were encrypted under exactly this derivation. */
const encryptionKey = (jwtSecret: string): Buffer => deriveKey(jwtSecret, 'signing-key-encryption');

/** AES-256-GCM with a key derived by HKDF from the JWT secret; output iv.tag.ciphertext (base64url). */
export function encryptWithSecret(plaintext: string, jwtSecret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', encryptionKey(jwtSecret), iv);
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), ct].map((b) => b.toString('base64url')).join('.');
}

export function decryptWithSecret(payload: string, jwtSecret: string): string {
  const [iv, tag, ct] = payload.split('.').map((p) => Buffer.from(p, 'base64url'));
  if (!iv || !tag || !ct) throw new Error('malformed encrypted payload');
  const decipher = createDecipheriv('aes-256-gcm', encryptionKey(jwtSecret), iv);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8');
}

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { StorageError } from '../errors/index.js';

/** Envelope written to disk when a key is configured. All binary fields are base64. */
export interface EncryptedEnvelope {
  v: 1;
  alg: 'A256GCM';
  iv: string;
  tag: string;
  data: string;
}

/** Encrypts `plaintext` with AES-256-GCM under a fresh 12-byte IV. */
export function encrypt(key: Buffer, plaintext: string): EncryptedEnvelope {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return {
    v: 1,
    alg: 'A256GCM',
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
}

/** Decrypts an envelope, checking the auth tag. Throws `StorageError('storage_corrupted')` on any failure. */
export function decrypt(key: Buffer, envelope: unknown): string {
  if (!isEnvelope(envelope)) {
    throw new StorageError('token file is not an encrypted envelope', { code: 'storage_corrupted' });
  }
  try {
    const iv = Buffer.from(envelope.iv, 'base64');
    const tag = Buffer.from(envelope.tag, 'base64');
    if (iv.length !== 12 || tag.length !== 16) throw new Error('bad iv or tag length');
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(envelope.data, 'base64')), decipher.final()]).toString(
      'utf8',
    );
  } catch (cause) {
    throw new StorageError('token file could not be decrypted (wrong key or tampered data)', {
      code: 'storage_corrupted',
      cause,
    });
  }
}

/** True when `value` has the shape of an {@link EncryptedEnvelope}. */
export function isEnvelope(value: unknown): value is EncryptedEnvelope {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    v['v'] === 1 &&
    v['alg'] === 'A256GCM' &&
    typeof v['iv'] === 'string' &&
    typeof v['tag'] === 'string' &&
    typeof v['data'] === 'string'
  );
}

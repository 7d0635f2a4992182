import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '../error/config-error.js';

/*
 * `<data_dir>/jwt-secret`: the JWT secret generated when `security.jwt_secret` is not set (never in
 * production), kept so that restarts and the CLI use the same one. The signing keys are encrypted under it.
 */

/** Where the generated secret of `dataDir` is kept. */
export function jwtSecretPath(dataDir: string): string {
  return join(resolve(dataDir), 'jwt-secret');
}

/** The secret in an existing `<data_dir>/jwt-secret`; undefined when there is none. */
function readSecretFile(path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`security.jwt_secret: cannot read ${path}: ${(err as Error).message}`);
  }
  const secret = text.trim();
  if (secret.length < 32) {
    // Never replaced silently: the signing keys are encrypted under the secret it held.
    throw new ConfigError(
      `security.jwt_secret: ${path} holds ${secret.length === 0 ? 'no secret (empty file)' : `only ${secret.length} characters`}, at least 32 are needed. ` +
        'Restore it, or delete it to generate a new one (signing keys encrypted under the old secret are then unreadable).',
    );
  }
  return secret;
}

/**
 * Reads `<data_dir>/jwt-secret`, or creates it atomically: the secret is written and synced to a private
 * temporary file (mode 0600) that is then hard-linked to the final name, which fails when the name exists.
 * A crash never leaves a partial file, and of two processes starting at once one wins; the other reads
 * the winner's secret.
 */
export function loadOrCreateSecret(dataDir: string): string {
  const dir = resolve(dataDir);
  const path = jwtSecretPath(dir);
  const existing = readSecretFile(path);
  if (existing !== undefined) return existing;
  const secret = randomBytes(48).toString('base64url');
  const tmp = join(dir, `.jwt-secret.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    mkdirSync(dir, { recursive: true });
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, `${secret}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    linkSync(tmp, path);
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      const winner = readSecretFile(path);
      if (winner !== undefined) return winner;
    }
    throw new ConfigError(`security.jwt_secret: cannot create ${path}: ${(err as Error).message}`);
  } finally {
    rmSync(tmp, { force: true });
  }
}

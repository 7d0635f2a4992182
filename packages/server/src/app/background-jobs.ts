import type { FastifyBaseLogger } from 'fastify';
import { KEY_RELOAD_INTERVAL_SECS, type KeyService } from '../service/keys/keys.js';
import type { RefreshTokens } from '../service/tokens/refresh-tokens.js';

const REFRESH_TOKEN_PURGE_INTERVAL_MS = 60 * 60 * 1000;

export interface BackgroundJobs {
  stop(): void;
}

/**
 * What a running server does besides answering requests:
 * - reloads the signing keys every {@link KEY_RELOAD_INTERVAL_SECS} to pick up keys rotated by another node or
 *   `gatehouse keys rotate`, for the JWKS and for signing (a failed reload is logged through the key service's
 *   `onReloadError`, and the keys loaded before stay);
 * - deletes refresh tokens whose family has expired, at start and then hourly, on every node (the DELETE is
 *   idempotent). Rotated ones stay until then, for reuse detection (RFC 9700 §4.14.2).
 * Timers are unref'd: they never keep a process alive by themselves.
 */
export function startBackgroundJobs(
  keys: Pick<KeyService, 'refresh'>,
  refreshTokens: Pick<RefreshTokens, 'purgeExpired'>,
  log: FastifyBaseLogger,
): BackgroundJobs {
  const reload = setInterval(() => void keys.refresh(0), KEY_RELOAD_INTERVAL_SECS * 1000);
  reload.unref();
  const purgeExpired = () =>
    refreshTokens.purgeExpired().then(
      (n) => n > 0 && log.info({ purged: n }, 'expired refresh tokens deleted'),
      (err: unknown) => log.warn({ err }, 'purging expired refresh tokens failed; retried in an hour'),
    );
  void purgeExpired();
  const purge = setInterval(purgeExpired, REFRESH_TOKEN_PURGE_INTERVAL_MS);
  purge.unref();
  return {
    stop() {
      clearInterval(reload);
      clearInterval(purge);
    },
  };
}

import type { TokenHooks } from '../token/manager.js';
import { resolveMeter, type TelemetryOptions } from './otel.js';

/**
 * Token-manager hooks that count `oauth2.token.acquisitions{provider}`, `oauth2.token.refreshes{provider}`
 * and `oauth2.token.expirations{provider}`. Calls `next`'s hooks too, so application hooks still run.
 */
export function tokenMetricsHooks(
  provider: string,
  options: TelemetryOptions = {},
  next: TokenHooks = {},
): TokenHooks {
  const meter = resolveMeter(options);
  const acquisitions = meter.createCounter('oauth2.token.acquisitions');
  const refreshes = meter.createCounter('oauth2.token.refreshes');
  const expirations = meter.createCounter('oauth2.token.expirations');
  return {
    onTokenAcquired(key, token) {
      acquisitions.add(1, { provider });
      next.onTokenAcquired?.(key, token);
    },
    onTokenRefreshed(key, token) {
      refreshes.add(1, { provider });
      next.onTokenRefreshed?.(key, token);
    },
    onTokenExpired(key) {
      expirations.add(1, { provider });
      next.onTokenExpired?.(key);
    },
  };
}

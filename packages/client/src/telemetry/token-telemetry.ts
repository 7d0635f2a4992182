import type { TokenHooks } from '../token/types.js';
import { resolveMeter, type TelemetryOptions } from './otel.js';

/**
 * Token-manager hooks that count `oauth2_token_acquisitions_total{provider}`, `oauth2_token_refreshes_total{provider}`
 * and `oauth2_token_expirations_total{provider}`. Calls `next`'s hooks too, so application hooks still run.
 */
export function tokenMetricsHooks(
  provider: string,
  options: TelemetryOptions = {},
  next: TokenHooks = {},
): TokenHooks {
  const meter = resolveMeter(options);
  const acquisitions = meter.createCounter('oauth2_token_acquisitions_total');
  const refreshes = meter.createCounter('oauth2_token_refreshes_total');
  const expirations = meter.createCounter('oauth2_token_expirations_total');
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

import { NetworkError, type OAuth2Error, ProtocolError, ProviderError, TokenError } from '../errors/index.js';
import { type ClientContext, postAuthenticatedForm, requireEndpoint } from '../http/context.js';
import { parseTokenResponse, readSeconds, readSuccessBody } from '../http/response.js';
import type { TokenResponse } from '../token/records.js';

/** RFC 8628 §3.2 device authorization response. */
export interface DeviceAuthorizationResponse {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  verificationUriComplete?: string;
  /** Seconds until the device code expires. */
  expiresIn: number;
  /** Minimum seconds between polls (default 5, RFC 8628 §3.2). */
  interval: number;
  raw: Record<string, unknown>;
}

/** One poll of the token endpoint (RFC 8628 §3.4, §3.5). */
export type DevicePollResult =
  | { status: 'pending' }
  | { status: 'slow_down' }
  | { status: 'success'; tokens: TokenResponse }
  | { status: 'denied'; error: TokenError }
  | { status: 'expired'; error: TokenError };

/** The device authorization grant (RFC 8628). */
export interface DeviceFlow {
  /** Starts the flow (RFC 8628 §3.1). Show `userCode` and `verificationUri` to the user. */
  requestDeviceCode(options?: {
    scopes?: string[];
    signal?: AbortSignal;
  }): Promise<DeviceAuthorizationResponse>;
  /**
   * Polls once (RFC 8628 §3.4); other token errors throw. Never resent after a timeout or a lost
   * response: the server may already have issued tokens for this device code, and sending a spent
   * code again is treated as code reuse (the grant is revoked).
   */
  pollToken(deviceCode: string, options?: { signal?: AbortSignal }): Promise<DevicePollResult>;
  /**
   * Polls until success, honouring `interval` and adding 5 s on each `slow_down` (RFC 8628 §3.5).
   * A transient failure (timeout, lost response, 5xx, 429, open circuit) doubles the interval and polls
   * again, until the device code expires. Throws TokenError `access_denied` / `expired_token`, or the
   * abort reason when `signal` aborts.
   */
  awaitAuthorization(
    response: DeviceAuthorizationResponse,
    options?: { signal?: AbortSignal },
  ): Promise<TokenResponse>;
}

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** RFC 8628 §3.2: clients MUST use 5 s when the server gives no interval. */
const DEFAULT_INTERVAL_SECS = 5;
/** Used when the server's (required) `expires_in` is missing or unusable. */
const DEFAULT_EXPIRES_IN_SECS = 600;

/** Smallest wait after a transient failure, so an `interval` of 0 still backs off. */
const MIN_BACKOFF_MS = 1000;

/**
 * A failure after which polling may simply go on: no answer (timeout, reset; never the caller's own
 * abort, which is not retryable) or a provider failing for now (5xx, 429, `temporarily_unavailable`).
 */
function isTransientPollFailure(error: unknown): error is OAuth2Error {
  return (error instanceof NetworkError || error instanceof ProviderError) && error.retryable;
}

/**
 * RFC 8628 §3.5: on a connection timeout the client MUST reduce its polling frequency; doubling the
 * interval is RECOMMENDED. A `Retry-After` the provider sent is honoured when longer.
 */
function backoffAfter(error: OAuth2Error, intervalMs: number): number {
  const doubled = Math.max(intervalMs * 2, MIN_BACKOFF_MS);
  return Math.max(doubled, (error.retryAfterSecs ?? 0) * 1000);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * RFC 8628 §3.2 `verification_uri`, or the field a provider sends instead when the configuration names
 * one (`compat.verificationUriField`; Google: `verification_url`).
 */
function verificationUri(raw: Record<string, unknown>, alias: string | undefined): unknown {
  if (raw['verification_uri'] !== undefined || alias === undefined) return raw['verification_uri'];
  return raw[alias];
}

export function createDeviceFlow(ctx: ClientContext): DeviceFlow {
  const flow: DeviceFlow = {
    async requestDeviceCode(options = {}) {
      const url = requireEndpoint(ctx.config, 'deviceAuthorizationEndpoint');
      const params = new URLSearchParams();
      const scopes = options.scopes ?? ctx.config.scopes;
      if (scopes && scopes.length > 0) params.set('scope', scopes.join(' '));
      const response = await postAuthenticatedForm(ctx, {
        endpoint: 'device_authorization',
        url,
        params,
        retry: 'safe',
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const raw = readSuccessBody(response, 'device_authorization');
      const { device_code, user_code, verification_uri_complete, expires_in, interval } = raw;
      const verification_uri = verificationUri(raw, ctx.config.compat?.verificationUriField);
      if (
        typeof device_code !== 'string' ||
        typeof user_code !== 'string' ||
        typeof verification_uri !== 'string'
      ) {
        throw new ProtocolError('device authorization response is incomplete (RFC 8628 §3.2)', {
          code: 'invalid_response',
        });
      }
      const result: DeviceAuthorizationResponse = {
        deviceCode: device_code,
        userCode: user_code,
        verificationUri: verification_uri,
        // A NaN interval would make the poll loop spin, and slow_down could not lengthen it.
        expiresIn: readSeconds(expires_in) || DEFAULT_EXPIRES_IN_SECS,
        interval: readSeconds(interval) ?? DEFAULT_INTERVAL_SECS,
        raw,
      };
      if (typeof verification_uri_complete === 'string')
        result.verificationUriComplete = verification_uri_complete;
      return result;
    },

    async pollToken(deviceCode, options = {}) {
      const params = new URLSearchParams({ grant_type: DEVICE_GRANT, device_code: deviceCode });
      const response = await postAuthenticatedForm(ctx, {
        endpoint: 'token',
        url: ctx.config.tokenEndpoint,
        params,
        // Only when it provably never left: a lost response may have spent the device code (RFC 8628 §3.5).
        retry: 'if-not-sent',
        grantType: DEVICE_GRANT,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      try {
        return { status: 'success', tokens: parseTokenResponse(response, ctx.config.compat) };
      } catch (error) {
        if (!(error instanceof TokenError)) throw error;
        switch (error.code) {
          case 'authorization_pending':
            return { status: 'pending' };
          case 'slow_down':
            return { status: 'slow_down' };
          case 'access_denied':
            return { status: 'denied', error };
          case 'expired_token':
            return { status: 'expired', error };
          default:
            throw error;
        }
      }
    },

    async awaitAuthorization(response, options = {}) {
      const deadline = Date.now() + response.expiresIn * 1000;
      let intervalMs = response.interval * 1000;
      let lastFailure: OAuth2Error | undefined;
      for (;;) {
        // Never sleep past the expiry just to report it late (the interval can grow by doubling).
        await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now()) + 1), options.signal);
        if (Date.now() > deadline) {
          throw new TokenError('device code expired before the user approved', {
            code: 'expired_token',
            ...(lastFailure ? { cause: lastFailure } : {}),
          });
        }
        let result: DevicePollResult;
        try {
          result = await flow.pollToken(
            response.deviceCode,
            options.signal ? { signal: options.signal } : {},
          );
        } catch (error) {
          if (!isTransientPollFailure(error)) throw error;
          lastFailure = error;
          intervalMs = backoffAfter(error, intervalMs);
          continue;
        }
        if (result.status === 'success') return result.tokens;
        if (result.status === 'denied' || result.status === 'expired') throw result.error;
        if (result.status === 'slow_down') intervalMs += 5000;
      }
    },
  };
  return flow;
}

import type { ProtocolCompat } from '../config/types.js';
import {
  type OAuth2Error,
  type OAuth2ErrorOptions,
  ProtocolError,
  ProviderError,
  TokenError,
} from '../errors/index.js';
import { retryAfterSecs } from '../resilience/classify.js';
import type { TokenResponse } from '../token/records.js';
import type { HttpResponse } from './transport.js';

/** Parses a JSON or form-encoded body into an object; `undefined` when it is neither (e.g. an HTML page). */
export function parseBody(response: HttpResponse): Record<string, unknown> | undefined {
  const type = response.headers.get('content-type') ?? '';
  const text = response.body.trim();
  if (type.includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  if (type.includes('json') || text.startsWith('{')) {
    try {
      const value: unknown = JSON.parse(text);
      if (value && typeof value === 'object' && !Array.isArray(value))
        return value as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * A lifetime or interval in seconds from a JSON member: a finite number ≥ 0, or a non-empty numeric
 * string (some servers send `"3600"`). Anything else (`null`, `""`, `true`, `"soon"`, negative) is
 * absent: `Number()` would turn `null` and `""` into 0 and a word into NaN.
 */
export function readSeconds(value: unknown): number | undefined {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && value.trim() !== '') n = Number(value);
  else return undefined;
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * Maps an RFC 6749 §5.2 error body to a typed error: `server_error` / `temporarily_unavailable` and
 * 5xx → {@link ProviderError} (retryable); anything else → {@link TokenError} with the server's fields.
 */
export function errorFromBody(
  body: Record<string, unknown>,
  response: HttpResponse,
  endpoint: string,
): OAuth2Error {
  const error = str(body['error']) ?? 'invalid_response';
  const options: OAuth2ErrorOptions = { code: error, status: response.status, error };
  const description = str(body['error_description']);
  if (description !== undefined) options.errorDescription = description;
  const uri = str(body['error_uri']);
  if (uri !== undefined) options.errorUri = uri;
  const after = retryAfterSecs(response);
  if (after !== undefined) options.retryAfterSecs = after;
  const message = `${endpoint} endpoint returned ${error}${options.errorDescription ? `: ${options.errorDescription}` : ''}`;
  if (error === 'server_error' || error === 'temporarily_unavailable' || response.status >= 500) {
    return new ProviderError(message, { ...options, retryable: true });
  }
  return new TokenError(message, options);
}

/**
 * Reads a JSON/form body from a response, throwing a typed error for anything that is not a success:
 * 429 → ProviderError `rate_limited`, 5xx / non-JSON pages → ProviderError, RFC 6749 §5.2 `error`
 * (even with a 200) → TokenError.
 */
export function readSuccessBody(response: HttpResponse, endpoint: string): Record<string, unknown> {
  const body = parseBody(response);
  if (response.status === 429) {
    const after = retryAfterSecs(response); // delta-seconds or an HTTP date (RFC 9110 §10.2.3)
    throw new ProviderError(`${endpoint} endpoint rate limited the client`, {
      code: 'rate_limited',
      status: 429,
      retryable: true,
      ...(after !== undefined ? { retryAfterSecs: after } : {}),
    });
  }
  if (body && typeof body['error'] === 'string') throw errorFromBody(body, response, endpoint);
  if (response.status >= 500) {
    throw new ProviderError(`${endpoint} endpoint failed with HTTP ${response.status}`, {
      code: 'server_error',
      status: response.status,
      retryable: true,
    });
  }
  if (!body) {
    throw new ProviderError(`${endpoint} endpoint returned a non-JSON response (HTTP ${response.status})`, {
      code: 'invalid_response',
      status: response.status,
    });
  }
  if (response.status < 200 || response.status >= 300) {
    throw new ProtocolError(`${endpoint} endpoint returned HTTP ${response.status}`, {
      code: 'invalid_response',
      status: response.status,
    });
  }
  return body;
}

/**
 * Parses an RFC 6749 §5.1 token response (JSON or form-encoded) into a {@link TokenResponse}. `compat`
 * holds the provider's configured deviations (see {@link ProtocolCompat}).
 */
export function parseTokenResponse(response: HttpResponse, compat: ProtocolCompat = {}): TokenResponse {
  const endpoint = 'token';
  const raw = readSuccessBody(response, endpoint);
  const accessToken = str(raw['access_token']);
  const tokenType = str(raw['token_type']);
  if (!accessToken || !tokenType) {
    throw new ProtocolError(`${endpoint} response lacks access_token or token_type (RFC 6749 §5.1)`, {
      code: 'invalid_response',
      status: response.status,
    });
  }
  const result: TokenResponse = { accessToken, tokenType, raw };
  const expiresIn = readSeconds(raw['expires_in']);
  if (expiresIn !== undefined) result.expiresIn = expiresIn;
  const refreshToken = str(raw['refresh_token']);
  if (refreshToken) result.refreshToken = refreshToken;
  const idToken = str(raw['id_token']);
  if (idToken) result.idToken = idToken;
  const scope = str(raw['scope']);
  if (scope !== undefined) result.scopes = splitScope(scope, compat);
  return result;
}

/**
 * RFC 6749 §3.3: `scope` is a space-delimited list. A provider configured with
 * `compat.commaSeparatedScopes` (GitHub: `"repo,gist"`) has it split on commas as well.
 */
function splitScope(scope: string, compat: ProtocolCompat): string[] {
  return scope.split(compat.commaSeparatedScopes ? /[ ,]/ : ' ').filter(Boolean);
}

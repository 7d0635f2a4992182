import type { FastifyRequest } from 'fastify';

/**
 * Query parameters whose values are safe to log. Everything else (id_token_hint, a mistaken
 * ?access_token=, code, state, nonce, code_challenge, login_hint, user_code, …) is logged as
 * `[redacted]`: tokens and codes must never reach logs (RFC 9700 §4.3; RFC 6750 §5.3 on tokens in URLs),
 * and an allowlist cannot miss a new sensitive parameter the way a denylist would.
 */
const LOGGABLE_PARAMS = new Set([
  'response_type',
  'response_mode',
  'client_id',
  'redirect_uri',
  'post_logout_redirect_uri',
  'scope',
  'prompt',
  'max_age',
  'code_challenge_method',
  'ui_locales',
]);

/** The request URL with every query value outside the allowlist replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  const safe = new URLSearchParams();
  for (const [k, v] of params) safe.append(k, LOGGABLE_PARAMS.has(k) ? v : '[redacted]');
  return `${url.slice(0, q)}?${safe.toString()}`;
}

/** pino `req` serializer for Fastify's request logs: like Fastify's own, with the URL redacted. */
export function serializeRequest(req: FastifyRequest) {
  return {
    method: req.method,
    url: redactUrl(req.url),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

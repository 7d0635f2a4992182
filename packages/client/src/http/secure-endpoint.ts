import { ConfigurationError } from '../errors/index.js';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/**
 * Rejects endpoints that are not HTTPS, except loopback hosts (RFC 6749 §3.1, §3.2 require TLS;
 * RFC 8252 §7.3 allows loopback). Throws {@link ConfigurationError} `insecure_endpoint` or
 * `invalid_configuration` naming the field.
 */
export function assertSecureEndpoint(value: string, field: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch (cause) {
    throw new ConfigurationError(`${field} is not a valid URL`, { code: 'invalid_configuration', cause });
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return url;
  throw new ConfigurationError(`${field} must use https (loopback hosts excepted)`, {
    code: 'insecure_endpoint',
  });
}

import { AuthorizationError } from '../errors/index.js';

/** The redirect parameters as an object. */
export interface CallbackParams {
  code?: string;
  state?: string;
  iss?: string;
  error?: string;
  errorDescription?: string;
}

/** What `handleCallback` accepts: the full redirect URL, its query, or the parameters. */
export type CallbackInput = URL | URLSearchParams | CallbackParams;

const PARAMS = [
  ['code', 'code'],
  ['state', 'state'],
  ['iss', 'iss'],
  ['error', 'error'],
  ['errorDescription', 'error_description'],
] as const;

/**
 * RFC 6749 §3.1: response parameters MUST NOT be included more than once. A repeated one (`?state=a&state=b`,
 * which Express's `req.query` turns into an array) or any other non-string value is refused with
 * AuthorizationError `invalid_request` before anything is looked up with it.
 */
function repeated(name: string): AuthorizationError {
  return new AuthorizationError(`authorization response parameter ${name} must appear once, as a string`, {
    code: 'invalid_request',
  });
}

/** Normalises a callback input to {@link CallbackParams}. */
export function readCallback(input: CallbackInput): CallbackParams {
  const out: CallbackParams = {};
  if (!(input instanceof URL) && !(input instanceof URLSearchParams)) {
    for (const [key, name] of PARAMS) {
      const value: unknown = input[key];
      if (value === undefined) continue;
      if (typeof value !== 'string') throw repeated(name);
      out[key] = value;
    }
    return out;
  }
  const q = input instanceof URL ? input.searchParams : input;
  for (const [key, name] of PARAMS) {
    const values = q.getAll(name);
    if (values.length > 1) throw repeated(name);
    if (values[0] !== undefined) out[key] = values[0];
  }
  return out;
}

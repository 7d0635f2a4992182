import type { FastifyInstance } from 'fastify';

export type Params = Record<string, string | undefined>;

/**
 * The pages take HTML form posts only: a POST body is `application/x-www-form-urlencoded` (OIDC Core §3.1.2.1:
 * "If using the HTTP POST method, the request parameters MUST be serialized using Form Serialization"). Fastify's
 * built-in JSON and plain-text parsers are removed in the calling plugin's context, so any other body is 415
 * and never read as the request's parameters or form fields (a JSON object would be; a string would be split
 * into characters).
 */
export function acceptFormPostsOnly(app: FastifyInstance): void {
  app.removeContentTypeParser(['application/json', 'text/plain']);
}

/**
 * Single-valued query/form parameters, and the names of any that were repeated (RFC 6749 §3.1: "Request and
 * response parameters MUST NOT be included more than once"). An empty value is no value: "Parameters sent
 * without a value MUST be treated as if they were omitted from the request" (§3.1), so `nonce=` is no nonce,
 * `prompt=` no prompt, and `a=&a=x` is just `a=x`.
 */
export function readParams(raw: unknown): { params: Params; repeated: string[] } {
  const params: Params = {};
  const repeated: string[] = [];
  for (const [k, v] of Object.entries((raw ?? {}) as Record<string, unknown>)) {
    const values = (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string' && x !== '');
    if (values.length > 1) repeated.push(k);
    else if (values.length === 1) params[k] = values[0];
  }
  return { params, repeated };
}

export type Params = Record<string, string | undefined>;

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

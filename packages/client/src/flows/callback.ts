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

/** Normalises a callback input to {@link CallbackParams}. */
export function readCallback(input: CallbackInput): CallbackParams {
  if (!(input instanceof URL) && !(input instanceof URLSearchParams)) return input;
  const q = input instanceof URL ? input.searchParams : input;
  const out: CallbackParams = {};
  const pairs = [
    ['code', 'code'],
    ['state', 'state'],
    ['iss', 'iss'],
    ['error', 'error'],
    ['errorDescription', 'error_description'],
  ] as const;
  for (const [key, name] of pairs) {
    const value = q.get(name);
    if (value !== null) out[key] = value;
  }
  return out;
}

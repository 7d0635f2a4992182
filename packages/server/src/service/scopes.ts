import type { Client } from '../domain/index.js';
import { invalidScope } from '../error/index.js';

/**
 * Scope values as a list (RFC 6749 §3.3: "a list of space-delimited, case-sensitive strings"), each once, in
 * the order given; `undefined` and the empty string are no scope.
 */
export function parseScope(value: string | undefined): string[] {
  if (value === undefined) return [];
  return [...new Set(value.split(' ').filter((s) => s !== ''))];
}

/** Whether a space-delimited scope value contains `scope`. */
export const hasScope = (value: string | undefined, scope: string): boolean =>
  parseScope(value).includes(scope);

/**
 * What a user grant (authorization code, device code) may ask for: the scopes the server publishes
 * (`oauth.scopes_supported`) and the client's own. The unknown ones, empty when all are allowed.
 */
export function scopesNotAllowedForUser(requested: string[], supported: string[], client: Client): string[] {
  const allowed = new Set([...supported, ...client.scopes]);
  return requested.filter((s) => !allowed.has(s));
}

/**
 * What the client credentials grant gets (RFC 6749 §4.4.2, §3.3): the client's registered scopes when it asks
 * for none, else exactly what it asks for, all of which must be registered for it. `scopes_supported` does not
 * widen it: those are for users to grant, not for a client to take for itself.
 */
export function clientCredentialsScopes(client: Client, requested: string | undefined): string[] {
  if (requested === undefined) return client.scopes;
  const scopes = parseScope(requested);
  const notAllowed = scopes.filter((s) => !client.scopes.includes(s));
  if (notAllowed.length > 0) throw invalidScope(`scope not allowed for this client: ${notAllowed.join(' ')}`);
  return scopes;
}

/** RFC 6749 §6: a refresh may narrow the scope, never include any scope not originally granted. */
export function narrowedScope(granted: string, requested: string | undefined): string {
  if (requested === undefined) return granted;
  const original = new Set(parseScope(granted));
  const asked = parseScope(requested);
  const wider = asked.filter((s) => !original.has(s));
  if (wider.length > 0) throw invalidScope(`scope exceeds the original grant: ${wider.join(' ')}`);
  return asked.join(' ');
}

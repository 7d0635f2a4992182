import type { ClientService } from '../clients/clients.js';
import type { IdTokenHint } from '../tokens/id-token-hint.js';
import { publicSessionId, type Session } from './sessions.js';

/**
 * Whether the hint proves that the relying party is logging out *this* browser's user, so the OP may skip
 * asking (RP-Initiated Logout 1.0 §2: the OP must confirm with the End-User when the hint's subject is not
 * the one signed in; §6: without that, any site holding any ID token — another user's, say — could sign
 * this browser out). The subject must be the session's user and, when the hint carries a `sid`, it must
 * be this session's (an ID token from an earlier or another session of the same user does not count).
 */
export function hintMatchesSession(hint: IdTokenHint, session: Session, sessionIdKey: Buffer): boolean {
  if (hint.sub !== session.userId) return false;
  return hint.sid === undefined || hint.sid === publicSessionId(sessionIdKey, session.sid);
}

/**
 * post_logout_redirect_uri must exactly equal one of the client's registered post_logout_redirect_uris
 * (RP-Initiated Logout 1.0 §3); redirect_uris are a different list and never allow a logout redirect.
 */
export async function logoutRedirectAllowed(
  clients: Pick<ClientService, 'find'>,
  clientId: string,
  uri: string,
): Promise<boolean> {
  const client = await clients.find(clientId);
  return client?.postLogoutRedirectUris.includes(uri) ?? false;
}

import type { Client } from '../../domain/index.js';
import {
  invalidRequest,
  OAuthError,
  requestNotSupported,
  requestUriNotSupported,
  unauthorizedClient,
  unsupportedResponseType,
} from '../../error/index.js';
import type { ClientService } from '../clients/clients.js';
import { nowSecs } from '../clock.js';
import { parseScope, scopesNotAllowedForUser } from '../scopes.js';
import type { Session } from '../sessions/sessions.js';
import type { IdTokenHints } from '../tokens/id-token-hint.js';

/**
 * The parameters this endpoint knows. Only these may not be repeated (RFC 6749 §3.1); any other parameter is
 * ignored, repeated or not ("The authorization server MUST ignore unrecognized request parameters").
 */
export const AUTHORIZATION_PARAMETERS: ReadonlySet<string> = new Set([
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'state',
  'code_challenge',
  'code_challenge_method',
  'nonce',
  'prompt',
  'max_age',
  'login_hint',
  'id_token_hint',
  'response_mode',
  'request',
  'request_uri',
]);

/** A validated authorization request (RFC 6749 §4.1.1, OIDC Core §3.1.2.1). */
export interface AuthRequest {
  client: Client;
  redirectUri: string;
  state: string | undefined;
  nonce: string | undefined;
  scopes: string[];
  codeChallenge: string | undefined;
  prompt: string[];
  maxAge: number | undefined;
  loginHint: string | undefined;
  /** The user id (`sub`) of a verified `id_token_hint`: only that user may be answered for. */
  hintedUserId: string | undefined;
}

type Params = Record<string, string | undefined>;

const PROMPTS = new Set(['none', 'login', 'consent']);

/**
 * A loopback redirect URI as written: `http://`, an IP literal of the loopback interface, an optional port,
 * and the rest (path and query) kept verbatim. Only these two literals count (RFC 8252 §7.3 / §8.3): not
 * `localhost`, nor the other spellings of 127.0.0.1 a URL parser would accept (`127.1`, `0x7f.0.0.1`,
 * `2130706433`, upper-case scheme).
 */
const LOOPBACK_REDIRECT = /^http:\/\/(127\.0\.0\.1|\[::1\])(?::([1-9]\d{0,4}))?([/?][\s\S]*)?$/;

/**
 * RFC 9700 §4.1.3 / OAuth 2.1 §2.3.1: the redirect_uri is compared with each registered one as a simple string,
 * never as a parsed URL (parsing would equate `/x/../cb`, `\cb`, `HTTP://`, `127.1`, a trailing `#` or `?` with
 * the registered URI). The one exception is RFC 8252 §7.3 for native apps: a loopback IP literal redirect URI
 * matches on any port. It applies to public clients only (token_endpoint_auth_method `none`), and then
 * everything but the port is still compared as a string.
 */
export function redirectUriMatches(
  client: Pick<Client, 'tokenEndpointAuthMethod'>,
  registered: string,
  requested: string,
): boolean {
  if (registered === requested) return true;
  if (client.tokenEndpointAuthMethod !== 'none') return false;
  const a = LOOPBACK_REDIRECT.exec(registered);
  const b = LOOPBACK_REDIRECT.exec(requested);
  if (a === null || b === null) return false;
  if (Number(b[2] ?? 80) > 65535) return false;
  return a[1] === b[1] && (a[3] ?? '') === (b[3] ?? '');
}

/**
 * The authorization endpoint's request checks (RFC 6749 §4.1.1, OIDC Core §3.1.2.1), in two steps because
 * their errors go to different places: a client or redirect_uri that cannot be trusted is told to the user, never
 * redirected to (RFC 6749 §4.1.2.1, no open redirect); every later error goes back to the client.
 */
export class AuthorizationRequests {
  constructor(
    private readonly clients: Pick<ClientService, 'find'>,
    private readonly idTokenHints: Pick<IdTokenHints, 'verify'>,
    /** `oauth.scopes_supported`: what a user grant may ask for besides the client's own scopes. */
    private readonly scopesSupported: string[],
  ) {}

  /** Step 1: the client and redirect_uri. Its errors must not be sent to the redirect URI. */
  async resolveClient(params: Params): Promise<{ client: Client; redirectUri: string }> {
    const clientId = params['client_id'];
    if (!clientId) throw invalidRequest('The client_id parameter is missing.');
    const client = await this.clients.find(clientId);
    if (!client)
      throw new OAuthError('invalid_client', 'The application making this request is not registered.');
    const redirectUri = params['redirect_uri'];
    if (!redirectUri) throw invalidRequest('The redirect_uri parameter is missing.');
    if (!client.redirectUris.some((r) => redirectUriMatches(client, r, redirectUri))) {
      throw new OAuthError(
        'invalid_redirect_uri',
        'The redirect_uri is not registered for this application.',
      );
    }
    return { client, redirectUri };
  }

  /** Step 2: everything else; the caller redirects its errors to the client with state and iss (RFC 9207). */
  async validate(client: Client, redirectUri: string, params: Params): Promise<AuthRequest> {
    const p = (n: string) => params[n];
    // OIDC Core §6.1/§6.2: request objects are not supported. Ignoring them would process the request without
    // the parameters (and the integrity) the client put in the signed object, so refuse with the dedicated codes
    // (§3.1.2.6); discovery says so too (request_parameter_supported / request_uri_parameter_supported: false).
    if (p('request') !== undefined) throw requestNotSupported('request objects (request) are not supported');
    if (p('request_uri') !== undefined) {
      throw requestUriNotSupported('request objects (request_uri) are not supported');
    }
    // OAuth 2.1 §4.1.1: only the code flow (no implicit).
    if (p('response_type') !== 'code') throw unsupportedResponseType('response_type must be code');
    // OAuth 2.0 Multiple Response Type Encoding Practices §2.1: only the `query` mode (code's default) is
    // supported (response_modes_supported); answering a client that asked for fragment or form_post in another
    // mode than it expects is refused rather than silently done.
    const responseMode = p('response_mode');
    if (responseMode !== undefined && responseMode !== 'query') {
      throw invalidRequest('response_mode must be query');
    }
    if (!client.grantTypes.includes('authorization_code')) {
      throw unauthorizedClient('client may not use the authorization_code grant');
    }
    const challenge = checkPkce(client, p('code_challenge'), p('code_challenge_method'));
    const scopes = parseScope(p('scope'));
    // Not named in the description: the browser carries it to the client, which may show it to the user, and
    // a crafted link would put the attacker's words on the client's page.
    if (scopesNotAllowedForUser(scopes, this.scopesSupported, client).length > 0)
      throw new OAuthError('invalid_scope', 'a requested scope is not allowed for this client');
    return {
      client,
      redirectUri,
      state: p('state'),
      nonce: p('nonce'),
      scopes,
      codeChallenge: challenge,
      prompt: checkPrompt(p('prompt')),
      maxAge: checkMaxAge(p('max_age')),
      loginHint: p('login_hint'),
      // Last (properties are evaluated in order): the one check that verifies a signature.
      hintedUserId: await this.#checkIdTokenHint(client, p('id_token_hint')),
    };
  }

  /**
   * OIDC Core §3.1.2.1 `id_token_hint`: "ID Token previously issued by the Authorization Server being passed as
   * a hint about the End-User's current or past authenticated session with the Client". It must be one of our
   * ID tokens (expired or not) issued to this very client; anything else is refused rather than ignored, so a
   * client relying on the hint is never answered for another user than the one it named.
   */
  async #checkIdTokenHint(client: Client, value: string | undefined): Promise<string | undefined> {
    if (value === undefined) return undefined;
    const hint = await this.idTokenHints.verify(value);
    if (hint === undefined || hint.aud !== client.clientId) {
      throw invalidRequest('id_token_hint is not an ID token issued to this client');
    }
    return hint.sub;
  }
}

/** RFC 7636 + OAuth 2.1 §7.5.1: S256 only; required for public clients and (by default) confidential ones. */
function checkPkce(client: Client, challenge: string | undefined, method: string | undefined) {
  const required = client.tokenEndpointAuthMethod === 'none' || client.requirePkce;
  if (challenge === undefined) {
    if (required) throw invalidRequest('code_challenge (PKCE S256) is required');
    if (method !== undefined) {
      throw invalidRequest('code_challenge_method without code_challenge');
    }
    return undefined;
  }
  // RFC 7636 §4.3: an absent method means plain, which we refuse.
  if ((method ?? 'plain') !== 'S256') throw invalidRequest('code_challenge_method must be S256');
  if (!/^[A-Za-z0-9_-]{43}$/.test(challenge)) throw invalidRequest('malformed code_challenge');
  return challenge;
}

/** OIDC Core §3.1.2.1 `prompt`. */
function checkPrompt(value: string | undefined): string[] {
  const prompt = (value ?? '').split(' ').filter((s) => s !== '');
  if (prompt.some((x) => !PROMPTS.has(x))) throw invalidRequest('unsupported prompt value');
  if (prompt.includes('none') && prompt.length > 1) {
    throw invalidRequest('prompt=none must be used alone');
  }
  return prompt;
}

/** OIDC Core §3.1.2.1 `max_age`. */
function checkMaxAge(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw invalidRequest('max_age must be a non-negative integer');
  return Number(value);
}

/**
 * Whether the session's user may be answered for: with an `id_token_hint`, only the user it names (OIDC Core
 * §3.1.2.1: "If the End-User identified by the ID Token is logged in or is logged in by the request, then the
 * Authorization Server returns a positive response; otherwise, it SHOULD return an error").
 */
export function isHintedUser(req: AuthRequest, session: Session): boolean {
  return req.hintedUserId === undefined || req.hintedUserId === session.userId;
}

/** Whether an existing session satisfies the request without a new login (`prompt=login`, `max_age`). */
export function sessionSatisfies(req: AuthRequest, session: Session | undefined): session is Session {
  if (!session) return false;
  if (req.prompt.includes('login')) return false;
  // `>=`: max_age=0 always asks again, like prompt=login (OIDC Core §3.1.2.1 errata), even within the second.
  if (req.maxAge !== undefined && nowSecs() - session.authTime >= req.maxAge) return false;
  return true;
}

import type { Client } from '../domain/index.js';
import { safeErrorDescription } from '../error/index.js';
import type { AppContext } from '../state/index.js';
import { nowSecs } from './hash.js';
import { verifyIdTokenHint } from './id-token-hint.js';
import type { Session } from './sessions.js';

/** Error shown as an HTML page: the client or redirect_uri could not be trusted, so never redirect. */
export class PageError extends Error {
  constructor(
    readonly title: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}

/**
 * Error returned to the client's redirect_uri (RFC 6749 §4.1.2.1). The browser carries it to the client, which
 * may show `error_description` to the user: descriptions are fixed texts, never values from the request (a
 * crafted link would otherwise put the attacker's words on the client's page), and kept to the RFC's
 * characters in any case.
 */
export class RedirectError extends Error {
  readonly description: string;
  constructor(
    readonly code: string,
    description: string,
  ) {
    const safe = safeErrorDescription(description);
    super(safe);
    this.description = safe;
  }
}

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
const LOOPBACK = new Set(['127.0.0.1', '[::1]']);

/** Exact redirect_uri match; loopback IP literals match on any port (RFC 8252 §7.3, RFC 9700 §4.1.3). */
export function redirectUriMatches(registered: string, requested: string): boolean {
  if (registered === requested) return true;
  let a: URL;
  let b: URL;
  try {
    a = new URL(registered);
    b = new URL(requested);
  } catch {
    return false;
  }
  if (a.protocol !== 'http:' || !LOOPBACK.has(a.hostname)) return false;
  return (
    b.protocol === a.protocol &&
    b.hostname === a.hostname &&
    b.pathname === a.pathname &&
    b.search === a.search &&
    b.hash === '' &&
    b.username === '' &&
    b.password === ''
  );
}

/** Step 1: the client and redirect_uri. Failures must not redirect (RFC 6749 §4.1.2.1, no open redirect). */
export async function resolveClient(
  ctx: AppContext,
  params: Params,
): Promise<{ client: Client; redirectUri: string }> {
  const clientId = params['client_id'];
  if (!clientId) throw new PageError('Invalid request', 'The client_id parameter is missing.');
  const client = await ctx.clients.find(clientId);
  if (!client)
    throw new PageError('Unknown application', 'The application making this request is not registered.');
  const redirectUri = params['redirect_uri'];
  if (!redirectUri) throw new PageError('Invalid request', 'The redirect_uri parameter is missing.');
  if (!client.redirectUris.some((r) => redirectUriMatches(r, redirectUri))) {
    throw new PageError('Invalid redirect', 'The redirect_uri is not registered for this application.');
  }
  return { client, redirectUri };
}

/** Step 2: everything else; failures are redirected to the client with error, state and iss (RFC 9207). */
export async function validateAuthorizationRequest(
  ctx: AppContext,
  client: Client,
  redirectUri: string,
  params: Params,
): Promise<AuthRequest> {
  const p = (n: string) => params[n];
  // OIDC Core §6.1/§6.2: request objects are not supported. Ignoring them would process the request without
  // the parameters (and the integrity) the client put in the signed object, so refuse with the dedicated codes
  // (§3.1.2.6); discovery says so too (request_parameter_supported / request_uri_parameter_supported: false).
  if (p('request') !== undefined)
    throw new RedirectError('request_not_supported', 'request objects (request) are not supported');
  if (p('request_uri') !== undefined) {
    throw new RedirectError('request_uri_not_supported', 'request objects (request_uri) are not supported');
  }
  // OAuth 2.1 §4.1.1: only the code flow (no implicit).
  if (p('response_type') !== 'code')
    throw new RedirectError('unsupported_response_type', 'response_type must be code');
  // OAuth 2.0 Multiple Response Type Encoding Practices §2.1: only the `query` mode (code's default) is
  // supported (response_modes_supported); answering a client that asked for fragment or form_post in another
  // mode than it expects is refused rather than silently done.
  const responseMode = p('response_mode');
  if (responseMode !== undefined && responseMode !== 'query') {
    throw new RedirectError('invalid_request', 'response_mode must be query');
  }
  if (!client.grantTypes.includes('authorization_code')) {
    throw new RedirectError('unauthorized_client', 'client may not use the authorization_code grant');
  }
  const challenge = checkPkce(client, p('code_challenge'), p('code_challenge_method'));
  const scopes = [...new Set((p('scope') ?? '').split(' ').filter((s) => s !== ''))];
  const supported = new Set([...ctx.config.oauth.scopes_supported, ...client.scopes]);
  const unknown = scopes.filter((s) => !supported.has(s));
  // Not named in the description: they are the requester's words (see RedirectError).
  if (unknown.length > 0)
    throw new RedirectError('invalid_scope', 'a requested scope is not allowed for this client');
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
    hintedUserId: await checkIdTokenHint(ctx, client, p('id_token_hint')),
  };
}

/**
 * OIDC Core §3.1.2.1 `id_token_hint`: "ID Token previously issued by the Authorization Server being passed as
 * a hint about the End-User's current or past authenticated session with the Client". It must be one of our
 * ID tokens (expired or not) issued to this very client; anything else is refused rather than ignored, so a
 * client relying on the hint is never answered for another user than the one it named.
 */
async function checkIdTokenHint(
  ctx: AppContext,
  client: Client,
  value: string | undefined,
): Promise<string | undefined> {
  if (value === undefined) return undefined;
  const hint = await verifyIdTokenHint(ctx, value);
  if (hint === undefined || hint.aud !== client.clientId) {
    throw new RedirectError('invalid_request', 'id_token_hint is not an ID token issued to this client');
  }
  return hint.sub;
}

/** RFC 7636 + OAuth 2.1 §7.5.1: S256 only; required for public clients and (by default) confidential ones. */
function checkPkce(client: Client, challenge: string | undefined, method: string | undefined) {
  const required = client.tokenEndpointAuthMethod === 'none' || client.requirePkce;
  if (challenge === undefined) {
    if (required) throw new RedirectError('invalid_request', 'code_challenge (PKCE S256) is required');
    if (method !== undefined) {
      throw new RedirectError('invalid_request', 'code_challenge_method without code_challenge');
    }
    return undefined;
  }
  // RFC 7636 §4.3: an absent method means plain, which we refuse.
  if ((method ?? 'plain') !== 'S256')
    throw new RedirectError('invalid_request', 'code_challenge_method must be S256');
  if (!/^[A-Za-z0-9_-]{43}$/.test(challenge))
    throw new RedirectError('invalid_request', 'malformed code_challenge');
  return challenge;
}

/** OIDC Core §3.1.2.1 `prompt`. */
function checkPrompt(value: string | undefined): string[] {
  const prompt = (value ?? '').split(' ').filter((s) => s !== '');
  if (prompt.some((x) => !PROMPTS.has(x)))
    throw new RedirectError('invalid_request', 'unsupported prompt value');
  if (prompt.includes('none') && prompt.length > 1) {
    throw new RedirectError('invalid_request', 'prompt=none must be used alone');
  }
  return prompt;
}

/** OIDC Core §3.1.2.1 `max_age`. */
function checkMaxAge(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value))
    throw new RedirectError('invalid_request', 'max_age must be a non-negative integer');
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

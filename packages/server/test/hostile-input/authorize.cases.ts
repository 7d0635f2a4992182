/**
 * Hostile requests to the authorization endpoint (RFC 6749 §4.1.1–4.1.2.1, RFC 7636 §4.3–4.4, OIDC Core
 * §3.1.2.1–3.1.2.6, RFC 9207): before the client and redirect_uri are trusted an HTML error page (400, no
 * redirect); after, a redirect with `error`, `state` and `iss`. Also the login and consent forms' CSRF, and
 * codes redeemed with malformed token requests.
 */
import { expect } from 'vitest';
import { baseParams, loginAndConsent } from '../support/authorize.js';
import { Browser, hiddenFields, pkce } from '../support/form-login.js';
import {
  basic,
  CRLF,
  caseTable,
  errorRedirect,
  formPost,
  type HostileCase,
  type HostileContext,
  huge,
  invalidGrant,
  invalidRequest,
  methodNotAllowed,
  page,
  XSS,
} from '../support/hostile-input.js';

const AUTHORIZE = '/api/oauth/authorize';
const CB = 'https://app.example.com/cb';
const CHALLENGE = pkce().challenge;
const base = (extra: Record<string, string> = {}) => ({ ...baseParams(CHALLENGE), state: 'st', ...extra });
/** GET /authorize with the base request, `extra` added and `drop` removed. */
const get = (extra: Record<string, string> = {}, drop: string[] = []) => {
  const p = base(extra) as Record<string, string>;
  for (const k of drop) delete p[k];
  return { method: 'GET' as const, url: `${AUTHORIZE}?${new URLSearchParams(p)}` };
};
const raw = (query: string) => ({ method: 'GET' as const, url: `${AUTHORIZE}?${query}` });
const baseQuery = new URLSearchParams(base()).toString();

const { cases, add } = caseTable();

/** The error page, which names nothing of the request. */
const errorPage = page(400);

// Methods: GET and POST (OIDC Core §3.1.2.1); HEAD comes with GET.
for (const method of ['PUT', 'DELETE', 'PATCH'] as const)
  add(`${method} is 405`, { ...get(), method }, methodNotAllowed('GET, HEAD, POST'));

// The client and redirect_uri: never redirected to when they cannot be trusted (RFC 6749 §4.1.2.1).
add('no parameters at all', raw(''), errorPage);
add('no client_id', get({}, ['client_id']), errorPage);
add('empty client_id', raw(baseQuery.replace('client_id=web-app', 'client_id=')), errorPage);
for (const id of [
  'nobody',
  XSS,
  '\u0000',
  '\u202eppa-bew',
  'web-app\u0000',
  huge(4096),
  '../web-app',
  'WEB-APP',
]) {
  add(`client_id ${JSON.stringify(id.slice(0, 16))}`, get({ client_id: id }), errorPage);
}
add('repeated client_id', raw(`${baseQuery}&client_id=web-app`), errorPage);
add('repeated redirect_uri', raw(`${baseQuery}&redirect_uri=${encodeURIComponent(CB)}`), errorPage);
add('no redirect_uri', get({}, ['redirect_uri']), errorPage);
// RFC 9700 §4.1.3 / OAuth 2.1 §2.3.1: exact string comparison with the registered URI.
for (const uri of [
  'https://evil.example.com/cb',
  'https://app.example.com/cb/',
  'https://app.example.com/CB',
  'https://APP.example.com/cb',
  'http://app.example.com/cb',
  'https://app.example.com:443/cb',
  'https://app.example.com/cb?x=1',
  'https://app.example.com/cb#frag',
  'https://app.example.com/cb/../cb',
  'https://app.example.com/%63b',
  'https://app.example.com@evil.example.com/cb',
  'https://app.example.com.evil.example.com/cb',
  '//evil.example.com/cb',
  '/cb',
  'javascript:alert(1)',
  `https://app.example.com/cb${XSS}`,
  XSS,
  `${CB}\u0000`,
  `${CB}${CRLF}`,
  huge(8192, CB),
]) {
  add(`redirect_uri ${JSON.stringify(uri.slice(0, 48))}`, get({ redirect_uri: uri }), errorPage);
}

// The rest of the request: a redirect with error, state and iss (RFC 6749 §4.1.2.1, RFC 9207).
const redirects: [string, Record<string, string>, string[], string][] = [
  ['no response_type', {}, ['response_type'], 'unsupported_response_type'],
  ['response_type token', { response_type: 'token' }, [], 'unsupported_response_type'],
  ['response_type id_token', { response_type: 'id_token' }, [], 'unsupported_response_type'],
  ['response_type code id_token', { response_type: 'code id_token' }, [], 'unsupported_response_type'],
  ['response_type CODE', { response_type: 'CODE' }, [], 'unsupported_response_type'],
  ['response_type with XSS', { response_type: XSS }, [], 'unsupported_response_type'],
  ['no code_challenge', {}, ['code_challenge', 'code_challenge_method'], 'invalid_request'],
  ['code_challenge_method plain', { code_challenge_method: 'plain' }, [], 'invalid_request'],
  ['code_challenge_method s256', { code_challenge_method: 's256' }, [], 'invalid_request'],
  ['code_challenge_method without challenge', {}, ['code_challenge'], 'invalid_request'],
  ['code_challenge of 42 characters', { code_challenge: CHALLENGE.slice(0, 42) }, [], 'invalid_request'],
  ['code_challenge of 44 characters', { code_challenge: `${CHALLENGE}A` }, [], 'invalid_request'],
  ['code_challenge with padding', { code_challenge: `${CHALLENGE.slice(0, 42)}=` }, [], 'invalid_request'],
  ['code_challenge with + and /', { code_challenge: `${CHALLENGE.slice(0, 41)}+/` }, [], 'invalid_request'],
  ['code_challenge of 128 characters', { code_challenge: huge(128) }, [], 'invalid_request'],
  ['prompt bogus', { prompt: 'bogus' }, [], 'invalid_request'],
  ['prompt none with login', { prompt: 'none login' }, [], 'invalid_request'],
  ['prompt select_account', { prompt: 'select_account' }, [], 'invalid_request'],
  ['prompt with XSS', { prompt: XSS }, [], 'invalid_request'],
  ['prompt none without a session', { prompt: 'none' }, [], 'login_required'],
  ['max_age negative', { max_age: '-1' }, [], 'invalid_request'],
  ['max_age not a number', { max_age: 'abc' }, [], 'invalid_request'],
  ['max_age fractional', { max_age: '1.5' }, [], 'invalid_request'],
  ['max_age hex', { max_age: '0x10' }, [], 'invalid_request'],
  ['max_age with a space', { max_age: ' 10' }, [], 'invalid_request'],
  ['response_mode fragment', { response_mode: 'fragment' }, [], 'invalid_request'],
  ['response_mode form_post', { response_mode: 'form_post' }, [], 'invalid_request'],
  ['response_mode jwt', { response_mode: 'jwt' }, [], 'invalid_request'],
  ['scope unknown', { scope: 'openid admin' }, [], 'invalid_scope'],
  ['scope with XSS', { scope: XSS }, [], 'invalid_scope'],
  ['scope with a tab', { scope: 'openid\tprofile' }, [], 'invalid_scope'],
  ['request object', { request: 'eyJhbGciOiJub25lIn0.e30.' }, [], 'request_not_supported'],
  ['request_uri', { request_uri: 'https://evil.example.com/r' }, [], 'request_uri_not_supported'],
  ['id_token_hint garbage', { id_token_hint: 'garbage' }, [], 'invalid_request'],
  [
    'id_token_hint alg none',
    { id_token_hint: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' },
    [],
    'invalid_request',
  ],
  ['id_token_hint with XSS', { id_token_hint: XSS }, [], 'invalid_request'],
  ['id_token_hint of 16 KiB', { id_token_hint: huge(16384) }, [], 'invalid_request'],
  ['resource indicator', { resource: 'https://api.example.com' }, [], 'invalid_target'],
  ['resource with a fragment', { resource: 'https://api.example.com#x' }, [], 'invalid_target'],
  ['relative resource', { resource: '/api' }, [], 'invalid_target'],
];
for (const [name, extra, drop, error] of redirects) add(name, get(extra, drop), errorRedirect(error, 'st'));
add('repeated scope', raw(`${baseQuery}&scope=email`), errorRedirect('invalid_request', 'st'));
add(
  'repeated code_challenge',
  raw(`${baseQuery}&code_challenge=${CHALLENGE}`),
  errorRedirect('invalid_request', 'st'),
);
add(
  'repeated prompt',
  raw(`${baseQuery}&prompt=login&prompt=consent`),
  errorRedirect('invalid_request', 'st'),
);
add('repeated resource', raw(`${baseQuery}&resource=a&resource=b`), errorRedirect('invalid_target', 'st'));
add('repeated state: no state echoed', raw(`${baseQuery}&state=other`), errorRedirect('invalid_request'));
add(
  'no state: none in the redirect',
  get({ response_type: 'token' }, ['state']),
  errorRedirect('unsupported_response_type'),
);
add(
  'state with XSS is returned exactly, encoded',
  get({ response_type: 'token', state: XSS }),
  errorRedirect('unsupported_response_type', XSS),
);
add(
  'state with CR/LF is returned exactly, encoded',
  get({ response_type: 'token', state: CRLF }),
  errorRedirect('unsupported_response_type', CRLF),
);
add(
  'state with unicode oddities',
  get({ response_type: 'token', state: '\u202e\u0000\ud83d\ude00' }),
  errorRedirect('unsupported_response_type', '\u202e\u0000\ud83d\ude00'),
);
// The query parser keeps a malformed escape as it is: `%zz` is then just the state's text.
add(
  'invalid percent-encoding in the state',
  raw(baseQuery.replace('state=st', 'state=%zz').replace('response_type=code', 'response_type=token')),
  errorRedirect('unsupported_response_type', '%zz'),
);
add(
  'overlong UTF-8 in client_id',
  raw(baseQuery.replace('client_id=web-app', 'client_id=web-app%C0%AF')),
  errorPage,
);

// The login form (RFC 6749 §10.12: CSRF protection; a form post without its token changes nothing).
const loginPost = (form: Record<string, string>) => (ctx: HostileContext) =>
  formPost(AUTHORIZE, { ...ctx.loginFields, username: 'alice', password: 'wrong', ...form });
add(
  'login without a CSRF token',
  (ctx) => {
    const { csrf_token: _, ...fields } = ctx.loginFields;
    return formPost(AUTHORIZE, { ...fields, username: 'alice', password: 'x' });
  },
  page(403),
  true,
);
add('login with a forged CSRF token', loginPost({ csrf_token: 'forged' }), page(403), true);
add('login with a CSRF token but no cookie', loginPost({}), page(403), false);
add('login with an empty CSRF token', loginPost({ csrf_token: '' }), page(403), true);
add(
  'login with repeated CSRF tokens',
  (ctx) =>
    formPost(AUTHORIZE, {
      ...ctx.loginFields,
      csrf_token: [ctx.loginFields['csrf_token']!, 'x'],
      username: 'alice',
      password: 'x',
    }),
  errorRedirect('invalid_request', 'st', { status: 303 }),
  true,
);
add('login with XSS as username', loginPost({ username: XSS }), page(401), true);
add('login with a NUL username', loginPost({ username: 'ali\u0000ce' }), page(401), true);
add('login with a 60 KiB password', loginPost({ password: huge(60 * 1024) }), page(401), true);
add('login with an RTL username', loginPost({ username: '\u202eecila' }), page(401), true);
add(
  'consent without a session shows the login page',
  (ctx) => formPost(AUTHORIZE, { ...ctx.loginFields, consent: 'approve' }),
  page(200, 'name="password"'),
  true,
);
add(
  'consent with a forged CSRF token',
  async (ctx) => {
    const b = new Browser(ctx.t);
    await loginAndConsent(b, baseParams(CHALLENGE, { scope: 'openid' }));
    const consentPage = await b.request(
      'GET',
      `${AUTHORIZE}?${new URLSearchParams(baseParams(CHALLENGE, { scope: 'openid email', prompt: 'consent' }))}`,
    );
    const r = formPost(AUTHORIZE, {
      ...hiddenFields(consentPage.body),
      csrf_token: 'forged',
      consent: 'approve',
    });
    return { ...r, headers: { ...r.headers, cookie: b.header } };
  },
  page(403),
);
add(
  'login form as JSON',
  (ctx) => ({
    method: 'POST',
    url: AUTHORIZE,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ ...ctx.loginFields, username: 'alice', password: 'x' }),
  }),
  (res) => {
    expect(res.statusCode).toBe(415);
  },
  true,
);
add('POST over 64 KiB is 413', formPost(AUTHORIZE, huge(64 * 1024 + 1)), (res) =>
  expect(res.statusCode).toBe(413),
);

// Codes redeemed with malformed token requests.
/** A fresh code of web-app (alice signs in and consents). */
async function freshCode(ctx: HostileContext) {
  const { challenge, verifier } = pkce();
  const res = await loginAndConsent(new Browser(ctx.t), baseParams(challenge, { scope: 'openid' }));
  return { code: new URL(String(res.headers.location)).searchParams.get('code')!, verifier };
}
const redeem =
  (form: (c: { code: string; verifier: string }) => Record<string, string | string[]>) =>
  async (ctx: HostileContext) =>
    formPost(
      '/api/oauth/token',
      { grant_type: 'authorization_code', ...form(await freshCode(ctx)) },
      { authorization: basic('web-app', 'web-secret') },
    );
add(
  'code with a repeated code_verifier',
  redeem((c) => ({ code: c.code, redirect_uri: CB, code_verifier: [c.verifier, c.verifier] })),
  invalidRequest,
);
add(
  'code with a repeated redirect_uri',
  redeem((c) => ({ code: c.code, redirect_uri: [CB, CB], code_verifier: c.verifier })),
  invalidRequest,
);
add(
  'code with another redirect_uri',
  redeem((c) => ({ code: c.code, redirect_uri: `${CB}/`, code_verifier: c.verifier })),
  invalidGrant,
);
add(
  'code without code_verifier',
  redeem((c) => ({ code: c.code, redirect_uri: CB })),
  invalidGrant,
);
add(
  'code with a 42-character verifier',
  redeem((c) => ({ code: c.code, redirect_uri: CB, code_verifier: c.verifier.slice(0, 42) })),
  invalidGrant,
);
add(
  'code with a 129-character verifier',
  redeem((c) => ({ code: c.code, redirect_uri: CB, code_verifier: huge(129) })),
  invalidGrant,
);
add(
  'code with a verifier of bad characters',
  redeem((c) => ({ code: c.code, redirect_uri: CB, code_verifier: `${c.verifier.slice(0, 42)}+` })),
  invalidGrant,
);
add(
  'code redeemed by another client',
  async (ctx) => {
    const c = await freshCode(ctx);
    return formPost(
      '/api/oauth/token',
      { grant_type: 'authorization_code', code: c.code, redirect_uri: CB, code_verifier: c.verifier },
      { authorization: basic('first-party', 'fp-secret') },
    );
  },
  invalidGrant,
);

export const authorizeCases: readonly HostileCase[] = cases;

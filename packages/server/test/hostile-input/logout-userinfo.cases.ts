/**
 * Hostile requests to RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0 §2–§4: an error page, never a
 * redirect to an unregistered URI; CSRF on the confirmation) and to userinfo (RFC 6750 §2–§3.1).
 */
import { expect } from 'vitest';
import {
  bearerError,
  CRLF,
  caseTable,
  formPost,
  type HostileCase,
  huge,
  methodNotAllowed,
  OVER_BODY_LIMIT,
  page,
  XSS,
} from '../support/hostile-input.js';

const LOGOUT = '/api/oauth/logout';
const USERINFO = '/api/oauth/userinfo';
const OUT = 'https://app.example.com/signed-out';

const { cases, add } = caseTable();
const logout = (params: Record<string, string>) => ({
  method: 'GET' as const,
  url: `${LOGOUT}?${new URLSearchParams(params)}`,
});

/** The confirmation page (§2: the user is asked), which signs nobody out. */
const confirmation = page(200, 'name="csrf_token"');
const invalidLogout = page(400);

// Logout.
add('logout: PUT is 405', { method: 'PUT', url: LOGOUT }, methodNotAllowed('GET, HEAD, POST'));
for (const hint of ['garbage', XSS, 'a.b.c', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', huge(16384), '\u0000']) {
  add(
    `logout: id_token_hint ${JSON.stringify(hint.slice(0, 16))}`,
    logout({ id_token_hint: hint }),
    invalidLogout,
  );
}
for (const uri of [
  'https://evil.example.com/out',
  `${OUT}/`,
  `${OUT}?x=1`,
  `${OUT}#f`,
  'javascript:alert(1)',
  XSS,
  `${OUT}${CRLF}`,
  '//evil.example.com',
  'https://app.example.com@evil.example.com/signed-out',
]) {
  add(
    `logout: post_logout_redirect_uri ${JSON.stringify(uri.slice(0, 40))}`,
    logout({ client_id: 'web-app', post_logout_redirect_uri: uri }),
    invalidLogout,
  );
}
add(
  'logout: post_logout_redirect_uri without a client',
  logout({ post_logout_redirect_uri: OUT }),
  invalidLogout,
);
add(
  'logout: post_logout_redirect_uri of another client',
  logout({ client_id: 'first-party', post_logout_redirect_uri: OUT }),
  invalidLogout,
);
add('logout: unknown client_id', logout({ client_id: XSS, post_logout_redirect_uri: OUT }), invalidLogout);
add('logout: NUL client_id', logout({ client_id: '\u0000', post_logout_redirect_uri: OUT }), invalidLogout);
add(
  'logout: state with XSS is escaped on the confirmation',
  logout({ client_id: 'web-app', post_logout_redirect_uri: OUT, state: XSS }),
  confirmation,
);
add(
  'logout: state with CR/LF',
  logout({ client_id: 'web-app', post_logout_redirect_uri: OUT, state: CRLF }),
  confirmation,
);
add(
  'logout: ui_locales and logout_hint junk are ignored',
  logout({ ui_locales: XSS, logout_hint: XSS }),
  confirmation,
);
add(
  'logout: POST without a CSRF token asks',
  formPost(LOGOUT, { client_id: 'web-app', post_logout_redirect_uri: OUT }),
  confirmation,
  true,
);
add(
  'logout: POST with a forged CSRF token asks',
  formPost(LOGOUT, { client_id: 'web-app', post_logout_redirect_uri: OUT, csrf_token: 'forged' }),
  confirmation,
  true,
);
add(
  'logout: POST with a CSRF token but no cookie asks',
  (ctx) => formPost(LOGOUT, { csrf_token: ctx.loginFields['csrf_token']! }),
  confirmation,
);
add(
  'logout: POST with repeated CSRF tokens asks',
  (ctx) => formPost(LOGOUT, { csrf_token: [ctx.loginFields['csrf_token']!, 'x'] }),
  confirmation,
  true,
);
add('logout: POST over 64 KiB is 413', formPost(LOGOUT, huge(OVER_BODY_LIMIT)), (res) =>
  expect(res.statusCode).toBe(413),
);
add(
  'logout: POST as JSON is not a form',
  (ctx) => ({
    method: 'POST',
    url: LOGOUT,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ csrf_token: ctx.loginFields['csrf_token'] }),
  }),
  (res) => expect(res.statusCode).toBe(415),
  true,
);

// Userinfo (RFC 6750 §3.1).
add('userinfo: PUT is 405', { method: 'PUT', url: USERINFO }, methodNotAllowed('GET, HEAD, POST'));
add('userinfo: DELETE is 405', { method: 'DELETE', url: USERINFO }, methodNotAllowed('GET, HEAD, POST'));
add('userinfo: no token', { method: 'GET', url: USERINFO }, bearerError(401));
add(
  'userinfo: token in the query is not a transport',
  { method: 'GET', url: `${USERINFO}?access_token=abc` },
  bearerError(401),
);
for (const [what, authorization] of [
  ['garbage', 'Bearer garbage'],
  ['XSS', `Bearer ${XSS}`],
  ['alg none JWT', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'],
  ['lower-case scheme', 'bearer garbage'],
  ['extra spaces', 'Bearer    garbage   '],
  ['a 6 KiB token', `Bearer ${huge(6144)}`],
  ['unicode', 'Bearer \u202etoken'],
] as const) {
  add(
    `userinfo: ${what}`,
    { method: 'GET', url: USERINFO, headers: { authorization } },
    bearerError(401, 'invalid_token'),
  );
}
add(
  'userinfo: Basic scheme is no bearer token',
  { method: 'GET', url: USERINFO, headers: { authorization: 'Basic YTpi' } },
  bearerError(401),
);
add(
  'userinfo: empty Bearer',
  { method: 'GET', url: USERINFO, headers: { authorization: 'Bearer' } },
  bearerError(401),
);
add(
  'userinfo: a client credentials token has no user',
  (ctx) => ({ method: 'GET', url: USERINFO, headers: { authorization: `Bearer ${ctx.serviceToken}` } }),
  (res) => {
    expect([401, 403]).toContain(res.statusCode);
    expect(String(res.headers['www-authenticate'])).toMatch(
      /^Bearer realm="gatehouse", error="(invalid_token|insufficient_scope)"/,
    );
  },
);
add(
  'userinfo: header and body token',
  formPost(USERINFO, { access_token: 'a' }, { authorization: 'Bearer b' }),
  bearerError(400, 'invalid_request'),
);
add(
  'userinfo: repeated body token',
  formPost(USERINFO, { access_token: ['a', 'b'] }),
  bearerError(400, 'invalid_request'),
);
add(
  'userinfo: body token garbage',
  formPost(USERINFO, { access_token: 'garbage' }),
  bearerError(401, 'invalid_token'),
);
add(
  'userinfo: body token in JSON is no token',
  {
    method: 'POST',
    url: USERINFO,
    headers: { 'content-type': 'application/json' },
    payload: '{"access_token":"x"}',
  },
  bearerError(401),
);
add('userinfo: body over 64 KiB', formPost(USERINFO, `access_token=${huge(OVER_BODY_LIMIT)}`), (res) =>
  expect(res.statusCode).toBe(413),
);

export const logoutUserinfoCases: readonly HostileCase[] = cases;

/**
 * Hostile requests to the device authorization endpoint (RFC 8628 §3.1–3.2) and the user-code pages (§3.3):
 * the pages answer an HTML page (never the JSON of the back channel) and reflect nothing unescaped.
 */
import {
  basic,
  basicRejected,
  caseTable,
  clientRejected,
  formPost,
  type HostileCase,
  huge,
  invalidRequest,
  invalidScope,
  methodNotAllowed,
  OVER_BODY_LIMIT,
  oauthError,
  page,
  tooLarge,
  XSS,
} from '../support/hostile-input.js';

const DA = '/api/oauth/device_authorization';
const DEVICE = '/api/oauth/device';

const { cases, add } = caseTable();

// The device authorization endpoint: a back-channel endpoint like the token endpoint.
for (const method of ['GET', 'PUT', 'DELETE', 'OPTIONS'] as const)
  add(`device_authorization: ${method} is 405`, { method, url: DA }, methodNotAllowed('POST'));
add(
  'device_authorization: JSON body',
  { method: 'POST', url: DA, headers: { 'content-type': 'application/json' }, payload: '{"client_id":"tv"}' },
  invalidRequest,
);
add(
  'device_authorization: no content type',
  { method: 'POST', url: DA, payload: 'client_id=tv' },
  oauthError(415, 'invalid_request'),
);
add(
  'device_authorization: body over 64 KiB',
  formPost(DA, `client_id=tv&scope=${huge(OVER_BODY_LIMIT)}`),
  tooLarge,
);
add('device_authorization: no client', formPost(DA, {}), clientRejected);
add('device_authorization: unknown client', formPost(DA, { client_id: 'nobody' }), clientRejected);
add('device_authorization: XSS client_id', formPost(DA, { client_id: XSS }), clientRejected);
add('device_authorization: NUL client_id', formPost(DA, { client_id: 'tv\u0000' }), clientRejected);
add('device_authorization: repeated client_id', formPost(DA, { client_id: ['tv', 'tv'] }), invalidRequest);
add(
  'device_authorization: confidential client without the grant',
  formPost(DA, {}, { authorization: basic('svc-basic', 'basic-secret') }),
  oauthError(400, 'unauthorized_client'),
);
add(
  'device_authorization: public client without the grant',
  formPost(DA, { client_id: 'native-app' }),
  oauthError(400, 'unauthorized_client'),
);
add(
  'device_authorization: Basic with a wrong secret',
  formPost(DA, {}, { authorization: basic('svc-basic', 'x') }),
  basicRejected,
);
add(
  'device_authorization: public client with a secret',
  formPost(DA, { client_id: 'tv', client_secret: 'x' }),
  clientRejected,
);
add('device_authorization: unknown scope', formPost(DA, { client_id: 'tv', scope: 'admin' }), invalidScope);
add('device_authorization: XSS scope', formPost(DA, { client_id: 'tv', scope: XSS }), invalidScope);
add(
  'device_authorization: scope with a tab',
  formPost(DA, { client_id: 'tv', scope: 'openid\tprofile' }),
  invalidScope,
);
add(
  'device_authorization: repeated scope',
  formPost(DA, { client_id: 'tv', scope: ['openid', 'profile'] }),
  invalidRequest,
);
add(
  'device_authorization: 60 KiB scope',
  formPost(DA, { client_id: 'tv', scope: huge(60 * 1024) }),
  invalidScope,
);

// The user-code page (§3.3): an unknown code is the entry page again, 400, with the code escaped.
const entry = (code: string) => ({
  method: 'GET' as const,
  url: `${DEVICE}?${new URLSearchParams({ user_code: code })}`,
});
for (const code of [
  'garbage',
  'BCDF-GHJ',
  'BCDF-GHJKL',
  'AAAA-AAAA',
  XSS,
  '"><img src=x onerror=alert(1)>',
  '\u202eKJHG-FDCB',
  huge(8192),
  '../../etc/passwd',
  'bcdf ghjk!!',
]) {
  add(`user_code ${JSON.stringify(code.slice(0, 16))}`, entry(code), page(400));
}
// Only the letters of a user code count (normalizeUserCode): with none left there is no code, the entry page.
for (const code of ['\u0000\u0001', 'ＢＣＤＦ－ＧＨＪＫ', '1234-5678', '----']) {
  add(`user_code ${JSON.stringify(code)} has no letters`, entry(code), page(200));
}
add('user_code with invalid percent-encoding', { method: 'GET', url: `${DEVICE}?user_code=%zz` }, page(400));
add('user_code with overlong UTF-8', { method: 'GET', url: `${DEVICE}?user_code=%C0%AF%C0%AF` }, page(400));
add(
  'repeated user_code is no code',
  { method: 'GET', url: `${DEVICE}?user_code=AAAA-AAAA&user_code=BBBB-BBBB` },
  page(200),
);
add('empty user_code is the entry page', { method: 'GET', url: `${DEVICE}?user_code=` }, page(200));
add('device page: PUT is 405', { method: 'PUT', url: DEVICE }, methodNotAllowed('GET, HEAD, POST'));
add('device page: POST over 64 KiB is 413', formPost(DEVICE, huge(OVER_BODY_LIMIT)), (res) => {
  if (res.statusCode !== 413) throw new Error(`status ${res.statusCode}`);
});

// The forms: CSRF on every POST (RFC 8628 §5.1 remote phishing; RFC 6749 §10.12).
add(
  'device form without a CSRF token',
  (ctx) => formPost(DEVICE, { user_code: ctx.userCode }),
  page(403),
  true,
);
add(
  'device form with a forged CSRF token',
  (ctx) => formPost(DEVICE, { user_code: ctx.userCode, csrf_token: 'forged' }),
  page(403),
  true,
);
add(
  'device form with the login page CSRF token but no cookie',
  (ctx) => formPost(DEVICE, { user_code: ctx.userCode, csrf_token: ctx.loginFields['csrf_token']! }),
  page(403),
);
add(
  'device approval without the code-bound CSRF token',
  (ctx) =>
    formPost(DEVICE, {
      user_code: ctx.userCode,
      consent: 'approve',
      username: 'alice',
      password: 'correct horse battery',
      csrf_token: 'forged',
    }),
  page(403),
  true,
);
add(
  'device approval with the page CSRF token shows the confirmation, decides nothing',
  (ctx) =>
    formPost(DEVICE, {
      user_code: ctx.userCode,
      consent: 'approve',
      username: 'alice',
      password: 'correct horse battery',
      csrf_token: ctx.loginFields['csrf_token']!,
    }),
  page(200, 'name="consent"'),
  true,
);
add(
  'device form as JSON',
  (ctx) => ({
    method: 'POST',
    url: DEVICE,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ user_code: ctx.userCode, csrf_token: ctx.loginFields['csrf_token'] }),
  }),
  (res) => {
    if (res.statusCode !== 415) throw new Error(`status ${res.statusCode}`);
  },
  true,
);
add(
  'device form with XSS user_code and a valid CSRF token',
  (ctx) => formPost(DEVICE, { user_code: XSS, csrf_token: ctx.loginFields['csrf_token']! }),
  page(400),
  true,
);

export const deviceCases: readonly HostileCase[] = cases;

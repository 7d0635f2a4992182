/** Hostile requests to introspection (RFC 7662 §2) and revocation (RFC 7009 §2). */
import { expect } from 'vitest';
import {
  ASSERTION_TYPE,
  assertion,
  basic,
  basicRejected,
  caseTable,
  clientRejected,
  formPost,
  type HostileCase,
  huge,
  invalidRequest,
  methodNotAllowed,
  OVER_BODY_LIMIT,
  oauthError,
  SVC_BASIC,
  tooLarge,
  XSS,
} from '../support/hostile-input.js';

const INTROSPECT = '/api/oauth/introspect';
const REVOKE = '/api/oauth/revoke';

const { cases, add } = caseTable();

/** RFC 7662 §2.2: a token that is not active (unknown, malformed) is `{"active": false}`, no-store. */
const inactive: HostileCase['expect'] = (res) => {
  expect(res.statusCode).toBe(200);
  expect(res.json()).toEqual({ active: false });
  expect(res.headers['cache-control']).toBe('no-store');
};
/** RFC 7009 §2.2: an invalid token is answered 200 like a revoked one. */
const revoked: HostileCase['expect'] = (res) => {
  expect(res.statusCode).toBe(200);
  expect(res.headers['cache-control']).toBe('no-store');
};

for (const [endpoint, url, ok] of [
  ['introspection', INTROSPECT, inactive],
  ['revocation', REVOKE, revoked],
] as const) {
  for (const method of ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'] as const) {
    add(`${endpoint}: ${method} is 405`, { method, url }, methodNotAllowed('POST'));
  }
  add(
    `${endpoint}: JSON body`,
    {
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', authorization: SVC_BASIC },
      payload: '{"token":"x"}',
    },
    invalidRequest,
  );
  add(
    `${endpoint}: multipart body`,
    {
      method: 'POST',
      url,
      headers: { 'content-type': 'multipart/form-data; boundary=x', authorization: SVC_BASIC },
      payload: '--x--',
    },
    oauthError(415, 'invalid_request'),
  );
  add(
    `${endpoint}: no content type`,
    { method: 'POST', url, headers: { authorization: SVC_BASIC }, payload: 'token=x' },
    oauthError(415, 'invalid_request'),
  );
  add(
    `${endpoint}: body over 64 KiB`,
    formPost(url, `token=${huge(OVER_BODY_LIMIT)}`, { authorization: SVC_BASIC }),
    tooLarge,
  );
  add(`${endpoint}: no token`, formPost(url, {}, { authorization: SVC_BASIC }), invalidRequest);
  add(
    `${endpoint}: empty token is omitted (RFC 6749 §3.1)`,
    formPost(url, 'token=', { authorization: SVC_BASIC }),
    invalidRequest,
  );
  add(
    `${endpoint}: repeated token`,
    formPost(url, { token: ['a', 'b'] }, { authorization: SVC_BASIC }),
    invalidRequest,
  );
  for (const token of [
    'garbage',
    XSS,
    'a.b.c',
    'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
    '\u0000',
    '\u202etoken',
    huge(60 * 1024),
  ]) {
    add(
      `${endpoint}: token ${JSON.stringify(token.slice(0, 16))}`,
      formPost(url, { token }, { authorization: SVC_BASIC }),
      ok,
    );
  }
  add(
    `${endpoint}: token_type_hint unknown is ignored`,
    formPost(url, { token: 'garbage', token_type_hint: 'bogus' }, { authorization: SVC_BASIC }),
    ok,
  );
  add(
    `${endpoint}: token_type_hint with XSS is ignored`,
    formPost(url, { token: 'garbage', token_type_hint: XSS }, { authorization: SVC_BASIC }),
    ok,
  );
  add(
    `${endpoint}: invalid percent-encoding in the token`,
    formPost(url, 'token=%zz%', { authorization: SVC_BASIC }),
    ok,
  );
  add(`${endpoint}: no client authentication`, formPost(url, { token: 'x' }), clientRejected);
  add(
    `${endpoint}: Basic without a colon`,
    formPost(url, { token: 'x' }, { authorization: `Basic ${Buffer.from('svc-basic').toString('base64')}` }),
    basicRejected,
  );
  add(
    `${endpoint}: Basic with a wrong secret`,
    formPost(url, { token: 'x' }, { authorization: basic('svc-basic', 'no') }),
    basicRejected,
  );
  add(
    `${endpoint}: Basic with an empty id`,
    formPost(url, { token: 'x' }, { authorization: basic('', 'basic-secret') }),
    basicRejected,
  );
  add(
    `${endpoint}: Basic and client_secret`,
    formPost(url, { token: 'x', client_secret: 'basic-secret' }, { authorization: SVC_BASIC }),
    invalidRequest,
  );
  add(
    `${endpoint}: client_assertion alg none`,
    async (ctx) =>
      formPost(url, {
        token: 'x',
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: await assertion(ctx, { aud: `https://id.example.com${url}` }, 'none'),
      }),
    clientRejected,
  );
  add(
    `${endpoint}: client_assertion garbage`,
    formPost(url, { token: 'x', client_assertion_type: ASSERTION_TYPE, client_assertion: 'x.y.z' }),
    clientRejected,
  );
  add(
    `${endpoint}: client_secret_post of a Basic client`,
    formPost(url, { token: 'x', client_id: 'svc-basic', client_secret: 'basic-secret' }),
    clientRejected,
  );
}
// RFC 7662 §2.1: introspection is for authenticated (confidential) callers only; RFC 7009 §2.1 admits public clients.
add(
  'introspection: a public client',
  formPost(INTROSPECT, { token: 'x', client_id: 'native-app' }),
  clientRejected,
);
add(
  'revocation: a public client revokes',
  formPost(REVOKE, { token: 'x', client_id: 'native-app' }),
  revoked,
);
add('revocation: NUL in client_id', formPost(REVOKE, { token: 'x', client_id: 'a\u0000' }), clientRejected);
add(
  'revocation: a public client with an empty secret',
  formPost(REVOKE, 'token=x&client_id=native-app&client_secret='),
  clientRejected,
);
add(
  'introspection: a client_secret_post client with Basic',
  (ctx) =>
    formPost(INTROSPECT, { token: ctx.serviceToken }, { authorization: basic('svc-post', 'post-secret') }),
  basicRejected,
);

export const introspectionRevocationCases: readonly HostileCase[] = cases;

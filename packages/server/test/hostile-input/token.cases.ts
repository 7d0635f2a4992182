/** Hostile requests to the token endpoint (RFC 6749 §3.2, §5.2; RFC 7636; RFC 7523; RFC 8628 §3.4–3.5; RFC 8707). */
import { expect } from 'vitest';
import {
  ASSERTION_TYPE,
  assertion,
  basic,
  basicRejected,
  clientRejected,
  DEVICE_GRANT,
  FORM,
  formPost,
  type HostileCase,
  huge,
  invalidGrant,
  invalidRequest,
  invalidScope,
  invalidTarget,
  methodNotAllowed,
  OVER_BODY_LIMIT,
  oauthError,
  tooLarge,
  XSS,
} from '../support/hostile-input.js';

const TOKEN = '/api/oauth/token';
const SVC = basic('svc-basic', 'basic-secret');
const WEB = basic('web-app', 'web-secret');
const CC = { grant_type: 'client_credentials' };
const b64 = (s: string) => `Basic ${Buffer.from(s, 'latin1').toString('base64')}`;

const cases: HostileCase[] = [];
const add = (name: string, request: HostileCase['request'], expect: HostileCase['expect']) =>
  cases.push({ name, request, expect });

// Methods: only POST (RFC 6749 §3.2), 405 + Allow otherwise (RFC 9110 §15.5.6).
for (const method of ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'] as const) {
  add(`${method} is 405`, { method, url: TOKEN }, methodNotAllowed('POST'));
}
add(
  'GET with a valid query is still 405',
  { method: 'GET', url: `${TOKEN}?grant_type=client_credentials` },
  methodNotAllowed('POST'),
);

// Content types: the request is application/x-www-form-urlencoded (§3.2).
add(
  'JSON body instead of a form',
  {
    method: 'POST',
    url: TOKEN,
    headers: { 'content-type': 'application/json', authorization: SVC },
    payload: JSON.stringify(CC),
  },
  invalidRequest,
);
add(
  'malformed JSON body',
  {
    method: 'POST',
    url: TOKEN,
    headers: { 'content-type': 'application/json', authorization: SVC },
    payload: '{"grant_type":',
  },
  invalidRequest,
);
add(
  'text/plain body is not a form (§5.2 invalid_request)',
  {
    method: 'POST',
    url: TOKEN,
    headers: { 'content-type': 'text/plain', authorization: SVC },
    payload: 'grant_type=client_credentials',
  },
  invalidRequest,
);
for (const ct of [
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/x-www-form-urlencodedx',
  'x-www-form-urlencoded',
]) {
  add(
    `content type ${ct} is 415`,
    {
      method: 'POST',
      url: TOKEN,
      headers: { 'content-type': ct, authorization: SVC },
      payload: 'grant_type=client_credentials',
    },
    oauthError(415, 'invalid_request'),
  );
}
add(
  'no content type with a form body',
  { method: 'POST', url: TOKEN, headers: { authorization: SVC }, payload: 'grant_type=client_credentials' },
  oauthError(415, 'invalid_request'),
);
add(
  'two content types in one header',
  {
    method: 'POST',
    url: TOKEN,
    headers: { 'content-type': 'application/json, application/x-www-form-urlencoded', authorization: SVC },
    payload: 'grant_type=client_credentials',
  },
  oauthError(415, 'invalid_request'),
);
add(
  'content type with parameters is a form',
  {
    method: 'POST',
    url: TOKEN,
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', authorization: SVC },
    payload: 'grant_type=nope',
  },
  oauthError(400, 'unsupported_grant_type'),
);
add('empty body', formPost(TOKEN, '', { authorization: SVC }), invalidRequest);
add(
  'parameters in the query only',
  { ...formPost(TOKEN, '', { authorization: SVC }), url: `${TOKEN}?grant_type=client_credentials` },
  invalidRequest,
);

// Body size: 64 KiB is the limit; beyond is 413, within it a huge value is just a bad value.
add(
  'body over 64 KiB is 413',
  formPost(TOKEN, `grant_type=client_credentials&scope=${huge(OVER_BODY_LIMIT)}`, { authorization: SVC }),
  tooLarge,
);
add('body of 1 MiB is 413', formPost(TOKEN, huge(1024 * 1024), { authorization: SVC }), tooLarge);
add(
  'JSON body over 64 KiB is 413',
  {
    method: 'POST',
    url: TOKEN,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ a: huge(OVER_BODY_LIMIT) }),
  },
  tooLarge,
);
add(
  '60 KiB scope is invalid_scope',
  formPost(TOKEN, { ...CC, scope: huge(60 * 1024) }, { authorization: SVC }),
  invalidScope,
);
add(
  '60 KiB grant_type',
  formPost(TOKEN, { grant_type: huge(60 * 1024) }, { authorization: SVC }),
  oauthError(400, 'unsupported_grant_type'),
);
add(
  '60 KiB code',
  formPost(
    TOKEN,
    {
      grant_type: 'authorization_code',
      code: huge(60 * 1024),
      code_verifier: huge(43),
      redirect_uri: 'https://app.example.com/cb',
    },
    { authorization: WEB },
  ),
  invalidGrant,
);

// grant_type.
add('no grant_type', formPost(TOKEN, { scope: 'read' }, { authorization: SVC }), invalidRequest);
add(
  'empty grant_type is omitted (§3.1)',
  formPost(TOKEN, 'grant_type=', { authorization: SVC }),
  invalidRequest,
);
add(
  'repeated grant_type',
  formPost(TOKEN, { grant_type: ['client_credentials', 'client_credentials'] }, { authorization: SVC }),
  invalidRequest,
);
add(
  'repeated grant_type with an empty one',
  formPost(TOKEN, 'grant_type=&grant_type=client_credentials', { authorization: SVC }),
  invalidRequest,
);
for (const g of [
  'password',
  'implicit',
  'Client_Credentials',
  'client_credentials ',
  'urn:ietf:params:oauth:grant-type:jwt-bearer',
  'urn:ietf:params:oauth:grant-type:token-exchange',
  XSS,
  'client_credentials\u0000',
  '\u202eslaitnederc_tneilc',
  'client%5Fcredentials',
]) {
  add(
    `grant_type ${JSON.stringify(g)} is unsupported_grant_type`,
    formPost(TOKEN, { grant_type: g }, { authorization: SVC }),
    oauthError(400, 'unsupported_grant_type'),
  );
}
add(
  'invalid percent-encoding in grant_type',
  formPost(TOKEN, 'grant_type=%zz', { authorization: SVC }),
  oauthError(400, 'unsupported_grant_type'),
);
add(
  'overlong UTF-8 bytes in grant_type',
  formPost(TOKEN, 'grant_type=%C0%AF', { authorization: SVC }),
  oauthError(400, 'unsupported_grant_type'),
);
add(
  'lone surrogate percent-encoded in grant_type',
  formPost(TOKEN, 'grant_type=%ED%A0%80', { authorization: SVC }),
  oauthError(400, 'unsupported_grant_type'),
);

// Basic authentication malformed (RFC 6749 §2.3.1; failures through the header are 401 + WWW-Authenticate).
const basicCases: [string, string][] = [
  ['no colon', b64('svc-basic')],
  ['not base64', 'Basic !!!!'],
  ['empty credentials', 'Basic '],
  ['only the scheme', 'Basic'],
  ['empty id', b64(':basic-secret')],
  ['empty secret', b64('svc-basic:')],
  ['wrong secret', basic('svc-basic', 'wrong')],
  ['unknown client', basic('nobody', 'x')],
  ['malformed percent-encoding in the id', b64('svc%ZZbasic:basic-secret')],
  ['malformed percent-encoding in the secret', b64('svc-basic:%E0%A4%A')],
  ['NUL in the id', b64('svc-basic\u0000:basic-secret')],
  ['latin-1 bytes', b64('svc-b\u00e4sic:basic-secret')],
  ['secret with a trailing newline', b64('svc-basic:basic-secret\n')],
  ['XSS in the id', b64(`${XSS}:x`)],
  ['a 4 KiB id', b64(`${huge(4096)}:x`)],
  ['a Bearer token instead', 'Bearer abc'],
  ['the Digest scheme', 'Digest username="svc-basic"'],
  ['the secret percent-encoded twice', b64('svc-basic:basic%252Dsecret')],
];
for (const [what, authorization] of basicCases) {
  add(`Basic credentials: ${what}`, formPost(TOKEN, CC, { authorization }), basicRejected);
}
add(
  'lower-case basic scheme with a wrong secret',
  formPost(TOKEN, CC, { authorization: basic('svc-basic', 'nope').replace('Basic', 'basic') }),
  basicRejected,
);
add(
  'Basic of a client_secret_post client',
  formPost(TOKEN, CC, { authorization: basic('svc-post', 'post-secret') }),
  basicRejected,
);
add(
  'Basic of a private_key_jwt client',
  formPost(TOKEN, CC, { authorization: basic('pkj', 'x') }),
  basicRejected,
);
add(
  'Basic of a public client',
  formPost(
    TOKEN,
    { grant_type: 'authorization_code', code: 'x', code_verifier: huge(43) },
    { authorization: basic('native-app', '') },
  ),
  basicRejected,
);

// Client credentials in the body, and mixed methods (§2.3: one method per request).
add(
  'Basic and client_secret in the body',
  formPost(TOKEN, { ...CC, client_secret: 'basic-secret' }, { authorization: SVC }),
  invalidRequest,
);
add(
  'Basic and another client_id in the body',
  formPost(TOKEN, { ...CC, client_id: 'svc-post' }, { authorization: SVC }),
  invalidRequest,
);
add(
  'Basic and a client assertion',
  async (ctx) =>
    formPost(
      TOKEN,
      { ...CC, client_assertion_type: ASSERTION_TYPE, client_assertion: await assertion(ctx) },
      { authorization: SVC },
    ),
  invalidRequest,
);
add(
  'client_secret and a client assertion',
  async (ctx) =>
    formPost(TOKEN, {
      ...CC,
      client_secret: 'x',
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: await assertion(ctx),
    }),
  invalidRequest,
);
add(
  'repeated client_id',
  formPost(TOKEN, { ...CC, client_id: ['svc-post', 'svc-post'], client_secret: 'post-secret' }),
  invalidRequest,
);
add(
  'repeated client_secret',
  formPost(TOKEN, { ...CC, client_id: 'svc-post', client_secret: ['post-secret', 'post-secret'] }),
  invalidRequest,
);
add(
  'client_secret_post with a wrong secret',
  formPost(TOKEN, { ...CC, client_id: 'svc-post', client_secret: 'wrong' }),
  clientRejected,
);
add(
  'client_secret_post of a Basic client',
  formPost(TOKEN, { ...CC, client_id: 'svc-basic', client_secret: 'basic-secret' }),
  clientRejected,
);
add(
  'client_secret without client_id',
  formPost(TOKEN, { ...CC, client_secret: 'post-secret' }),
  clientRejected,
);
add(
  'client_id without a secret for a confidential client',
  formPost(TOKEN, { ...CC, client_id: 'svc-post' }),
  clientRejected,
);
add(
  'empty client_id and secret',
  formPost(TOKEN, 'grant_type=client_credentials&client_id=&client_secret='),
  clientRejected,
);
add(
  'NUL client_id in the body',
  formPost(TOKEN, { ...CC, client_id: '\u0000', client_secret: 'x' }),
  clientRejected,
);
add(
  'RTL override in client_id',
  formPost(TOKEN, { ...CC, client_id: '\u202etsop-cvs', client_secret: 'post-secret' }),
  clientRejected,
);
add('no client authentication at all', formPost(TOKEN, CC), clientRejected);
add(
  'public client with client_credentials',
  formPost(TOKEN, { ...CC, client_id: 'native-app' }),
  clientRejected,
);
add(
  'public client with a client_secret',
  formPost(TOKEN, {
    grant_type: 'authorization_code',
    client_id: 'native-app',
    client_secret: 'x',
    code: 'x',
    code_verifier: huge(43),
  }),
  clientRejected,
);

// private_key_jwt (RFC 7523 §3; failures are invalid_client).
const jwt = (claims: Record<string, unknown>, alg?: string) => async (ctx: Parameters<typeof assertion>[0]) =>
  formPost(TOKEN, {
    ...CC,
    client_assertion_type: ASSERTION_TYPE,
    client_assertion: await assertion(ctx, claims, alg),
  });
add(
  'client_assertion not a JWT',
  formPost(TOKEN, { ...CC, client_assertion_type: ASSERTION_TYPE, client_assertion: 'not-a-jwt' }),
  clientRejected,
);
add(
  'client_assertion of three empty parts',
  formPost(TOKEN, { ...CC, client_assertion_type: ASSERTION_TYPE, client_assertion: '..' }),
  clientRejected,
);
add(
  'client_assertion with XSS',
  formPost(TOKEN, { ...CC, client_assertion_type: ASSERTION_TYPE, client_assertion: `${XSS}.${XSS}.${XSS}` }),
  clientRejected,
);
add('client_assertion alg none', jwt({}, 'none'), clientRejected);
add('client_assertion for another audience', jwt({ aud: 'https://other.example.com/token' }), clientRejected);
add(
  'client_assertion expired',
  jwt({ exp: Math.floor(Date.now() / 1000) - 3600, iat: Math.floor(Date.now() / 1000) - 7200 }),
  clientRejected,
);
add('client_assertion without exp', jwt({ exp: undefined }), clientRejected);
add('client_assertion of an unknown sub', jwt({ sub: 'nobody', iss: 'nobody' }), clientRejected);
add('client_assertion sub of a secret client', jwt({ sub: 'svc-basic', iss: 'svc-basic' }), clientRejected);
add('client_assertion iss differs from sub', jwt({ iss: 'svc-basic' }), clientRejected);
add('client_assertion with a numeric sub', jwt({ sub: 42 }), clientRejected);
add(
  'client_assertion_type unknown',
  async (ctx) =>
    formPost(TOKEN, { ...CC, client_assertion_type: 'urn:x', client_assertion: await assertion(ctx) }),
  clientRejected,
);
add(
  'client_assertion without its type',
  async (ctx) => formPost(TOKEN, { ...CC, client_assertion: await assertion(ctx) }),
  invalidRequest,
);
add(
  'client_assertion_type without an assertion',
  formPost(TOKEN, { ...CC, client_assertion_type: ASSERTION_TYPE }),
  invalidRequest,
);
add(
  'empty client_assertion',
  formPost(TOKEN, { ...CC, client_assertion_type: ASSERTION_TYPE, client_assertion: '' }),
  invalidRequest,
);
add(
  'repeated client_assertion',
  async (ctx) =>
    formPost(TOKEN, {
      ...CC,
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: [await assertion(ctx), await assertion(ctx)],
    }),
  invalidRequest,
);
add(
  'client_id differs from the assertion sub',
  async (ctx) =>
    formPost(TOKEN, {
      ...CC,
      client_id: 'svc-basic',
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: await assertion(ctx),
    }),
  clientRejected,
);

// Scope (§3.3: scope-token *( SP scope-token ); unknown or not allowed → invalid_scope).
for (const scope of ['unknown', 'read unknown', 'write read admin', XSS, 'read\u0000', 'ré']) {
  add(
    `client_credentials scope ${JSON.stringify(scope)}`,
    formPost(TOKEN, { ...CC, scope }, { authorization: SVC }),
    invalidScope,
  );
}
// Spaces around and between scope tokens are tolerated (parseScope); any other separator is not a scope.
for (const scope of ['read  write', ' read write', 'read write ']) {
  add(
    `scope ${JSON.stringify(scope)} is read and write`,
    formPost(TOKEN, { ...CC, scope }, { authorization: SVC }),
    (res) => {
      expect(res.statusCode).toBe(200);
      expect(res.json().scope).toBe('read write');
    },
  );
}
add(
  'empty scope is omitted (§3.1): the registered scopes',
  formPost(TOKEN, 'grant_type=client_credentials&scope=', { authorization: SVC }),
  (res) => {
    expect(res.statusCode).toBe(200);
    expect(res.json().scope).toBe('read write');
  },
);
for (const scope of ['read\twrite', 'read\nwrite', 'read,write', 'read\u00a0write']) {
  add(
    `malformed scope ${JSON.stringify(scope)}`,
    formPost(TOKEN, { ...CC, scope }, { authorization: SVC }),
    invalidScope,
  );
}
add(
  'repeated scope',
  formPost(TOKEN, { ...CC, scope: ['read', 'write'] }, { authorization: SVC }),
  invalidRequest,
);
add(
  'client not registered for client_credentials',
  formPost(TOKEN, CC, { authorization: basic('svc-nogrant', 'nogrant-secret') }),
  oauthError(400, 'unauthorized_client'),
);

// Resource indicators (RFC 8707 §2: absolute URI, no fragment; else invalid_target).
for (const resource of [
  'https://rs.example/#',
  ' urn:example:rs ',
  'https://api.exa\nmple.com/',
  'https://api.example.com/\tx',
  'https://api.example.com/é',
  'https://api.example.com#frag',
  '/relative',
  'not a uri',
  'api.example.com',
  'https://evil.example.com',
  'javascript:alert(1)',
  XSS,
  'https://api.example.com/\u0000',
  '',
]) {
  add(
    `resource ${JSON.stringify(resource)}`,
    formPost(TOKEN, { ...CC, resource }, { authorization: SVC }),
    invalidTarget,
  );
}
add(
  'resource registered, exactly as sent',
  formPost(TOKEN, { ...CC, resource: 'urn:example:rs' }, { authorization: SVC }),
  (res) => expect(res.statusCode).toBe(200),
);
add(
  'resource with the authorization_code grant',
  formPost(
    TOKEN,
    {
      grant_type: 'authorization_code',
      code: 'x',
      code_verifier: huge(43),
      resource: 'https://api.example.com',
    },
    { authorization: WEB },
  ),
  invalidTarget,
);

// authorization_code (RFC 6749 §4.1.3, RFC 7636 §4.5–4.6).
const AC = { grant_type: 'authorization_code', redirect_uri: 'https://app.example.com/cb' };
add(
  'authorization_code without code',
  formPost(TOKEN, { ...AC, code_verifier: huge(43) }, { authorization: WEB }),
  invalidRequest,
);
add(
  'authorization_code with an empty code',
  formPost(TOKEN, `grant_type=authorization_code&code=&code_verifier=${huge(43)}`, { authorization: WEB }),
  invalidRequest,
);
add(
  'repeated code',
  formPost(TOKEN, { ...AC, code: ['a', 'b'], code_verifier: huge(43) }, { authorization: WEB }),
  invalidRequest,
);
for (const code of ['garbage', XSS, '\u0000', '../../etc/passwd', 'a'.repeat(4096), '\u202ecode', '%00']) {
  add(
    `code ${JSON.stringify(code.slice(0, 20))}`,
    formPost(TOKEN, { ...AC, code, code_verifier: huge(43) }, { authorization: WEB }),
    invalidGrant,
  );
}
for (const [what, verifier] of [
  ['42 characters', huge(42)],
  ['129 characters', huge(129)],
  ['a space', `${huge(42)} `],
  ['a plus', `${huge(42)}+`],
  ['non-ASCII', `${huge(42)}é`],
  ['a NUL', `${huge(42)}\u0000`],
] as const) {
  // The code is looked up first: an unknown one is invalid_grant whatever the verifier (RFC 6749 §5.2).
  add(
    `code_verifier with ${what} and an unknown code`,
    formPost(TOKEN, { ...AC, code: 'garbage', code_verifier: verifier }, { authorization: WEB }),
    invalidGrant,
  );
}
add(
  'client not registered for authorization_code',
  formPost(TOKEN, { ...AC, code: 'x', code_verifier: huge(43) }, { authorization: SVC }),
  oauthError(400, 'unauthorized_client'),
);

// refresh_token (§6).
add(
  'refresh_token missing',
  formPost(TOKEN, { grant_type: 'refresh_token' }, { authorization: WEB }),
  invalidRequest,
);
add(
  'refresh_token empty',
  formPost(TOKEN, 'grant_type=refresh_token&refresh_token=', { authorization: WEB }),
  invalidRequest,
);
add(
  'refresh_token repeated',
  formPost(TOKEN, { grant_type: 'refresh_token', refresh_token: ['a', 'b'] }, { authorization: WEB }),
  invalidRequest,
);
for (const token of ['garbage', XSS, 'a.b.c', '\u0000\u0001', huge(8192)]) {
  add(
    `refresh_token ${JSON.stringify(token.slice(0, 12))}`,
    formPost(TOKEN, { grant_type: 'refresh_token', refresh_token: token }, { authorization: WEB }),
    invalidGrant,
  );
}
add(
  'refresh_token for a client without the grant',
  formPost(TOKEN, { grant_type: 'refresh_token', refresh_token: 'x' }, { authorization: SVC }),
  oauthError(400, 'unauthorized_client'),
);
add(
  'refresh_token with an unknown scope',
  formPost(
    TOKEN,
    { grant_type: 'refresh_token', refresh_token: 'garbage', scope: 'admin' },
    { authorization: WEB },
  ),
  invalidGrant,
);

// device_code (RFC 8628 §3.4–3.5).
add('device_code missing', formPost(TOKEN, { grant_type: DEVICE_GRANT, client_id: 'tv' }), invalidRequest);
add(
  'device_code repeated',
  formPost(TOKEN, { grant_type: DEVICE_GRANT, client_id: 'tv', device_code: ['a', 'b'] }),
  invalidRequest,
);
for (const code of ['garbage', XSS, '\u0000', huge(4096)]) {
  add(
    `device_code ${JSON.stringify(code.slice(0, 12))}`,
    formPost(TOKEN, { grant_type: DEVICE_GRANT, client_id: 'tv', device_code: code }),
    invalidGrant,
  );
}
add(
  'device_code of another client',
  (ctx) =>
    formPost(TOKEN, { grant_type: DEVICE_GRANT, client_id: 'native-app', device_code: ctx.deviceCode }),
  oauthError(400, 'unauthorized_client'),
);
add(
  'device grant for a confidential client without it',
  formPost(TOKEN, { grant_type: DEVICE_GRANT, device_code: 'x' }, { authorization: SVC }),
  oauthError(400, 'unauthorized_client'),
);

// Paths.
for (const path of [
  `${TOKEN}/`,
  `${TOKEN}/x`,
  '/api/oauth/token;x',
  '/API/OAUTH/TOKEN',
  '/api//oauth/token',
]) {
  add(`POST ${path} is 404`, formPost(path, CC, { authorization: SVC }), (res) => {
    if (res.statusCode !== 404) throw new Error(`${path}: ${res.statusCode}`);
  });
}
add(
  'POST with invalid percent-encoding in the path',
  formPost('/api/oauth/%zz', CC, { authorization: SVC }),
  invalidRequest,
);
void FORM;

export const tokenCases: readonly HostileCase[] = cases;

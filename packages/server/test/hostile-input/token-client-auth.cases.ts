/**
 * Hostile client authentication at the token endpoint (RFC 6749 §2.3.1, §5.2: 401 invalid_client, with a Basic
 * challenge when the Authorization header was used; RFC 7523 §3 client assertions).
 */
import {
  ASSERTION_TYPE,
  assertion,
  basic,
  basicRejected,
  CC,
  caseTable,
  clientRejected,
  formPost,
  type HostileCase,
  huge,
  invalidRequest,
  SVC_BASIC,
  TOKEN,
  XSS,
} from '../support/hostile-input.js';

const b64 = (s: string) => `Basic ${Buffer.from(s, 'latin1').toString('base64')}`;

const { cases, add } = caseTable();

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
  formPost(TOKEN, { ...CC, client_secret: 'basic-secret' }, { authorization: SVC_BASIC }),
  invalidRequest,
);
add(
  'Basic and another client_id in the body',
  formPost(TOKEN, { ...CC, client_id: 'svc-post' }, { authorization: SVC_BASIC }),
  invalidRequest,
);
add(
  'Basic and a client assertion',
  async (ctx) =>
    formPost(
      TOKEN,
      { ...CC, client_assertion_type: ASSERTION_TYPE, client_assertion: await assertion(ctx) },
      { authorization: SVC_BASIC },
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

export const tokenClientCases: readonly HostileCase[] = cases;

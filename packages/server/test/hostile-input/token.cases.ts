/** Hostile requests to the token endpoint (RFC 6749 §3.2, §5.2): methods, content types, bodies, grant_type. */
import {
  CC,
  caseTable,
  formPost,
  type HostileCase,
  huge,
  invalidGrant,
  invalidRequest,
  invalidScope,
  methodNotAllowed,
  OVER_BODY_LIMIT,
  oauthError,
  SVC_BASIC,
  TOKEN,
  tooLarge,
  WEB_BASIC,
  XSS,
} from '../support/hostile-input.js';

const { cases, add } = caseTable();

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
    headers: { 'content-type': 'application/json', authorization: SVC_BASIC },
    payload: JSON.stringify(CC),
  },
  invalidRequest,
);
add(
  'malformed JSON body',
  {
    method: 'POST',
    url: TOKEN,
    headers: { 'content-type': 'application/json', authorization: SVC_BASIC },
    payload: '{"grant_type":',
  },
  invalidRequest,
);
add(
  'text/plain body is not a form (§5.2 invalid_request)',
  {
    method: 'POST',
    url: TOKEN,
    headers: { 'content-type': 'text/plain', authorization: SVC_BASIC },
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
      headers: { 'content-type': ct, authorization: SVC_BASIC },
      payload: 'grant_type=client_credentials',
    },
    oauthError(415, 'invalid_request'),
  );
}
add(
  'no content type with a form body',
  {
    method: 'POST',
    url: TOKEN,
    headers: { authorization: SVC_BASIC },
    payload: 'grant_type=client_credentials',
  },
  oauthError(415, 'invalid_request'),
);
add(
  'two content types in one header',
  {
    method: 'POST',
    url: TOKEN,
    headers: {
      'content-type': 'application/json, application/x-www-form-urlencoded',
      authorization: SVC_BASIC,
    },
    payload: 'grant_type=client_credentials',
  },
  oauthError(415, 'invalid_request'),
);
add(
  'content type with parameters is a form',
  {
    method: 'POST',
    url: TOKEN,
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', authorization: SVC_BASIC },
    payload: 'grant_type=nope',
  },
  oauthError(400, 'unsupported_grant_type'),
);
add('empty body', formPost(TOKEN, '', { authorization: SVC_BASIC }), invalidRequest);
add(
  'parameters in the query only',
  { ...formPost(TOKEN, '', { authorization: SVC_BASIC }), url: `${TOKEN}?grant_type=client_credentials` },
  invalidRequest,
);

// Body size: 64 KiB is the limit; beyond is 413, within it a huge value is just a bad value.
add(
  'body over 64 KiB is 413',
  formPost(TOKEN, `grant_type=client_credentials&scope=${huge(OVER_BODY_LIMIT)}`, {
    authorization: SVC_BASIC,
  }),
  tooLarge,
);
add('body of 1 MiB is 413', formPost(TOKEN, huge(1024 * 1024), { authorization: SVC_BASIC }), tooLarge);
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
  formPost(TOKEN, { ...CC, scope: huge(60 * 1024) }, { authorization: SVC_BASIC }),
  invalidScope,
);
add(
  '60 KiB grant_type',
  formPost(TOKEN, { grant_type: huge(60 * 1024) }, { authorization: SVC_BASIC }),
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
    { authorization: WEB_BASIC },
  ),
  invalidGrant,
);

// grant_type.
add('no grant_type', formPost(TOKEN, { scope: 'read' }, { authorization: SVC_BASIC }), invalidRequest);
add(
  'empty grant_type is omitted (§3.1)',
  formPost(TOKEN, 'grant_type=', { authorization: SVC_BASIC }),
  invalidRequest,
);
add(
  'repeated grant_type',
  formPost(TOKEN, { grant_type: ['client_credentials', 'client_credentials'] }, { authorization: SVC_BASIC }),
  invalidRequest,
);
add(
  'repeated grant_type with an empty one',
  formPost(TOKEN, 'grant_type=&grant_type=client_credentials', { authorization: SVC_BASIC }),
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
    formPost(TOKEN, { grant_type: g }, { authorization: SVC_BASIC }),
    oauthError(400, 'unsupported_grant_type'),
  );
}
add(
  'invalid percent-encoding in grant_type',
  formPost(TOKEN, 'grant_type=%zz', { authorization: SVC_BASIC }),
  oauthError(400, 'unsupported_grant_type'),
);
add(
  'overlong UTF-8 bytes in grant_type',
  formPost(TOKEN, 'grant_type=%C0%AF', { authorization: SVC_BASIC }),
  oauthError(400, 'unsupported_grant_type'),
);
add(
  'lone surrogate percent-encoded in grant_type',
  formPost(TOKEN, 'grant_type=%ED%A0%80', { authorization: SVC_BASIC }),
  oauthError(400, 'unsupported_grant_type'),
);

export const tokenRequestCases: readonly HostileCase[] = cases;

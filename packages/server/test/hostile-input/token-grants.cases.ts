/**
 * Hostile requests to the token endpoint's grants: scope (RFC 6749 §3.3), resource (RFC 8707 §2), codes (§4.1.3,
 * RFC 7636 §4.5), refresh tokens (§6) and device codes (RFC 8628 §3.4–3.5).
 */
import { expect } from 'vitest';
import {
  basic,
  CC,
  caseTable,
  DEVICE_GRANT,
  FORM,
  formPost,
  type HostileCase,
  huge,
  invalidGrant,
  invalidRequest,
  invalidScope,
  invalidTarget,
  oauthError,
  SVC_BASIC,
  TOKEN,
  WEB_BASIC,
  XSS,
} from '../support/hostile-input.js';

const { cases, add } = caseTable();

// Scope (§3.3: scope-token *( SP scope-token ); unknown or not allowed → invalid_scope).
for (const scope of ['unknown', 'read unknown', 'write read admin', XSS, 'read\u0000', 'ré']) {
  add(
    `client_credentials scope ${JSON.stringify(scope)}`,
    formPost(TOKEN, { ...CC, scope }, { authorization: SVC_BASIC }),
    invalidScope,
  );
}
// Spaces around and between scope tokens are tolerated (parseScope); any other separator is not a scope.
for (const scope of ['read  write', ' read write', 'read write ']) {
  add(
    `scope ${JSON.stringify(scope)} is read and write`,
    formPost(TOKEN, { ...CC, scope }, { authorization: SVC_BASIC }),
    (res) => {
      expect(res.statusCode).toBe(200);
      expect(res.json().scope).toBe('read write');
    },
  );
}
add(
  'empty scope is omitted (§3.1): the registered scopes',
  formPost(TOKEN, 'grant_type=client_credentials&scope=', { authorization: SVC_BASIC }),
  (res) => {
    expect(res.statusCode).toBe(200);
    expect(res.json().scope).toBe('read write');
  },
);
for (const scope of ['read\twrite', 'read\nwrite', 'read,write', 'read\u00a0write']) {
  add(
    `malformed scope ${JSON.stringify(scope)}`,
    formPost(TOKEN, { ...CC, scope }, { authorization: SVC_BASIC }),
    invalidScope,
  );
}
add(
  'repeated scope',
  formPost(TOKEN, { ...CC, scope: ['read', 'write'] }, { authorization: SVC_BASIC }),
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
    formPost(TOKEN, { ...CC, resource }, { authorization: SVC_BASIC }),
    invalidTarget,
  );
}
add(
  'resource registered, exactly as sent',
  formPost(TOKEN, { ...CC, resource: 'urn:example:rs' }, { authorization: SVC_BASIC }),
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
    { authorization: WEB_BASIC },
  ),
  invalidTarget,
);

// authorization_code (RFC 6749 §4.1.3, RFC 7636 §4.5–4.6).
const AC = { grant_type: 'authorization_code', redirect_uri: 'https://app.example.com/cb' };
add(
  'authorization_code without code',
  formPost(TOKEN, { ...AC, code_verifier: huge(43) }, { authorization: WEB_BASIC }),
  invalidRequest,
);
add(
  'authorization_code with an empty code',
  formPost(TOKEN, `grant_type=authorization_code&code=&code_verifier=${huge(43)}`, {
    authorization: WEB_BASIC,
  }),
  invalidRequest,
);
add(
  'repeated code',
  formPost(TOKEN, { ...AC, code: ['a', 'b'], code_verifier: huge(43) }, { authorization: WEB_BASIC }),
  invalidRequest,
);
for (const code of ['garbage', XSS, '\u0000', '../../etc/passwd', 'a'.repeat(4096), '\u202ecode', '%00']) {
  add(
    `code ${JSON.stringify(code.slice(0, 20))}`,
    formPost(TOKEN, { ...AC, code, code_verifier: huge(43) }, { authorization: WEB_BASIC }),
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
    formPost(TOKEN, { ...AC, code: 'garbage', code_verifier: verifier }, { authorization: WEB_BASIC }),
    invalidGrant,
  );
}
add(
  'client not registered for authorization_code',
  formPost(TOKEN, { ...AC, code: 'x', code_verifier: huge(43) }, { authorization: SVC_BASIC }),
  oauthError(400, 'unauthorized_client'),
);

// refresh_token (§6).
add(
  'refresh_token missing',
  formPost(TOKEN, { grant_type: 'refresh_token' }, { authorization: WEB_BASIC }),
  invalidRequest,
);
add(
  'refresh_token empty',
  formPost(TOKEN, 'grant_type=refresh_token&refresh_token=', { authorization: WEB_BASIC }),
  invalidRequest,
);
add(
  'refresh_token repeated',
  formPost(TOKEN, { grant_type: 'refresh_token', refresh_token: ['a', 'b'] }, { authorization: WEB_BASIC }),
  invalidRequest,
);
for (const token of ['garbage', XSS, 'a.b.c', '\u0000\u0001', huge(8192)]) {
  add(
    `refresh_token ${JSON.stringify(token.slice(0, 12))}`,
    formPost(TOKEN, { grant_type: 'refresh_token', refresh_token: token }, { authorization: WEB_BASIC }),
    invalidGrant,
  );
}
add(
  'refresh_token for a client without the grant',
  formPost(TOKEN, { grant_type: 'refresh_token', refresh_token: 'x' }, { authorization: SVC_BASIC }),
  oauthError(400, 'unauthorized_client'),
);
add(
  'refresh_token with an unknown scope',
  formPost(
    TOKEN,
    { grant_type: 'refresh_token', refresh_token: 'garbage', scope: 'admin' },
    { authorization: WEB_BASIC },
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
  formPost(TOKEN, { grant_type: DEVICE_GRANT, device_code: 'x' }, { authorization: SVC_BASIC }),
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
  add(`POST ${path} is 404`, formPost(path, CC, { authorization: SVC_BASIC }), (res) => {
    if (res.statusCode !== 404) throw new Error(`${path}: ${res.statusCode}`);
  });
}
add(
  'POST with invalid percent-encoding in the path',
  formPost('/api/oauth/%zz', CC, { authorization: SVC_BASIC }),
  invalidRequest,
);
void FORM;

export const tokenGrantCases: readonly HostileCase[] = cases;

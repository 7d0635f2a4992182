/**
 * Hostile requests to the metadata, JWKS, health and metrics endpoints and to paths no route has: wrong
 * methods (405 + Allow, RFC 9110 §15.5.6), route-pattern syntax and undecodable paths (404 / 400, never a 500),
 * and nothing of the request echoed.
 */
import { expect } from 'vitest';
import {
  caseTable,
  type HostileCase,
  huge,
  invalidRequest,
  methodNotAllowed,
  notFound,
  XSS,
} from '../support/hostile-input.js';

const { cases, add } = caseTable();

const READ_ONLY = [
  '/.well-known/openid-configuration',
  '/.well-known/oauth-authorization-server',
  '/api/oauth/jwks',
  '/.well-known/jwks.json',
  '/api/healthz',
  '/metrics',
];
for (const url of READ_ONLY) {
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH'] as const) {
    add(`${method} ${url} is 405`, { method, url }, methodNotAllowed('GET, HEAD'));
  }
  add(`HEAD ${url} is answered without a body`, { method: 'HEAD', url }, (res) => {
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
  });
}
const ok = (res: Parameters<HostileCase['expect']>[0]) => expect(res.statusCode).toBe(200);
add(
  'metadata with a junk query',
  { method: 'GET', url: `/.well-known/openid-configuration?x=${encodeURIComponent(XSS)}` },
  ok,
);
add(
  'metadata with an undecodable query',
  { method: 'GET', url: '/.well-known/openid-configuration?x=%zz' },
  ok,
);
add('JWKS with a junk query', { method: 'GET', url: `/api/oauth/jwks?kid=${encodeURIComponent(XSS)}` }, ok);

// Paths no route has.
for (const url of [
  '/:a(',
  '/api/:a(',
  '/api/oauth/:x(*)',
  '/api/oauth/*',
  `/${encodeURIComponent(XSS)}`,
  '/api/oauth/%3Cscript%3E',
  '/api/oauth/token%00',
  '/api/oauth/%00',
  '/.well-known/openid-configuration/',
  '/.well-known/openid-configuration.json',
  '/.well-known/../api/healthz/x',
  '/api/oauth/token%2F..%2Fjwks',
  '/api/oauth/token%5C..%5Cjwks',
  '/..%2f..%2fetc%2fpasswd',
  '/%2e%2e/%2e%2e/etc/passwd',
  '/api/oauth/%E2%80%AEnekot',
  '/favicon.ico',
  `/${huge(8192)}`,
  `/api/oauth/${huge(60 * 1024)}`,
]) {
  add(`GET ${url.slice(0, 40)} is 404`, { method: 'GET', url }, notFound);
}
add('POST to an undecodable path is 400', { method: 'POST', url: '/api/oauth/%zz' }, invalidRequest);
add('GET an undecodable path is 400', { method: 'GET', url: '/%E0%A4%A' }, invalidRequest);
add(
  'GET a path of overlong UTF-8 is 400',
  { method: 'GET', url: '/api/oauth/%C0%AE%C0%AE/jwks' },
  invalidRequest,
);
add(
  'a percent-encoded known path keeps its 405',
  { method: 'GET', url: '/api/oauth/%74oken' },
  methodNotAllowed('POST'),
);
for (const method of ['PROPFIND', 'TRACE', 'CONNECT'] as const) {
  add(
    `${method} on the token endpoint is 405`,
    // Methods light-my-request's types do not list: the HTTP layer still hands them to the router.
    { method: method as 'GET', url: '/api/oauth/token' },
    methodNotAllowed('POST'),
  );
}
add(
  'a 16 KiB header on the metadata',
  { method: 'GET', url: '/.well-known/openid-configuration', headers: { 'x-junk': huge(16 * 1024) } },
  ok,
);
add(
  'a CR/LF-free hostile X-Request-Id is not echoed',
  { method: 'GET', url: '/api/healthz', headers: { 'x-request-id': XSS } },
  (res) => {
    expect(res.headers['x-request-id']).not.toContain('<');
  },
);

export const discoveryMiscCases: readonly HostileCase[] = cases;

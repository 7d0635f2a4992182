/**
 * The device authorization grant (RFC 8628) against a local Gatehouse server: a TV app asks for a user
 * code, the user approves it on the server's device page (here a script plays the user with plain HTTP),
 * and the app's polling ends with tokens.
 *
 * Run from the repository root (after `npm install`, which builds the packages):
 *   node --import tsx examples/device-flow.ts
 * It starts its own server on a free port with an in-memory database, so it needs nothing else.
 */
import { createOAuth2ClientFromDiscovery } from '@gatehouse/client';
import { hiddenFields } from './support/http-user-agent.js';
import { startLocalGatehouse } from './support/local-gatehouse.js';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

// 1. An authorization server with a public device client and one user.
const server = await startLocalGatehouse({
  clients: [{ client_id: 'living-room-tv', token_endpoint_auth_method: 'none', grant_types: [DEVICE_GRANT] }],
  users: [{ username: 'alice', password: 'wonderland', email: 'alice@example.com', name: 'Alice' }],
});

/** Plays the user: opens the verification page, signs in and approves, as a browser would post the form. */
async function approveAsUser(verificationUriComplete: string, userCode: string): Promise<void> {
  const page = await fetch(verificationUriComplete);
  const cookie = page.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const html = await page.text();
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(hiddenFields(html))) form.set(name, value);
  form.set('user_code', userCode);
  form.set('username', 'alice');
  form.set('password', 'wonderland');
  form.set('consent', 'approve');
  const res = await fetch(new URL('/api/oauth/device', server.issuer), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: form,
    redirect: 'manual',
  });
  if (res.status >= 400) throw new Error(`the device page refused the approval (HTTP ${res.status})`);
  console.log(`user approved the code on the device page (HTTP ${res.status})`);
}

try {
  // 2. The device asks for a user code and shows it.
  const client = await createOAuth2ClientFromDiscovery(server.issuer, { clientId: 'living-room-tv' });
  const device = client.deviceAuthorization();
  const response = await device.requestDeviceCode({ scopes: ['openid', 'profile'] });
  console.log(`go to ${response.verificationUri} and enter ${response.userCode}`);

  // 3. The user approves while the device polls (honouring `interval` and `slow_down`).
  const [tokens] = await Promise.all([
    device.awaitAuthorization(response, { signal: AbortSignal.timeout(30_000) }),
    approveAsUser(response.verificationUriComplete ?? response.verificationUri, response.userCode),
  ]);
  const me = await client.userinfo(tokens.accessToken);
  console.log(`device signed in as ${String(me['name'])} (sub ${String(me['sub'])})`);
} finally {
  await server.close();
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOAuth2Client } from '../src/index.js';
import { SECRET, startProvider, type TestProvider } from './support/oidc-provider.js';

let op: TestProvider;
beforeAll(async () => {
  op = await startProvider();
});
afterAll(async () => {
  await op.close();
});

/** Minimal browser: keeps cookies, follows redirects, submits the first form of a page with its hidden fields. */
async function approveOnDevicePages(start: string): Promise<string> {
  const jar = new Map<string, string>();
  const send = async (url: string, body?: URLSearchParams) => {
    let next = url;
    let form = body;
    for (let i = 0; i < 15; i++) {
      const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
      const headers: Record<string, string> = cookie ? { cookie } : {};
      if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
      const res = await fetch(next, {
        method: form ? 'POST' : 'GET',
        redirect: 'manual',
        headers,
        ...(form ? { body: form.toString() } : {}),
      });
      for (const c of res.headers.getSetCookie()) {
        const pair = c.split(';')[0] ?? '';
        const idx = pair.indexOf('=');
        jar.set(pair.slice(0, idx), pair.slice(idx + 1));
      }
      const location = res.headers.get('location');
      if (!location) return { url: next, html: await res.text(), status: res.status };
      next = new URL(location, next).href;
      form = undefined;
    }
    throw new Error('too many redirects');
  };
  let page = await send(start);
  for (let step = 0; step < 5; step++) {
    const formMatch = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(page.html);
    if (!formMatch) return page.html;
    const fields = new URLSearchParams();
    for (const input of (formMatch[2] ?? '').matchAll(/<(?:input|button)[^>]*>/gi)) {
      const name = /name="([^"]*)"/.exec(input[0])?.[1];
      const value = /value="([^"]*)"/.exec(input[0])?.[1] ?? '';
      if (name && !fields.has(name)) fields.set(name, value);
    }
    page = await send(new URL(formMatch[1] ?? '', page.url).href, fields);
  }
  return page.html;
}

describe('device flow against a real oidc-provider', () => {
  it('approving the user code on the provider pages while polling yields an access token', async () => {
    const client = createOAuth2Client({
      clientId: 'basic',
      clientSecret: SECRET,
      issuer: op.issuer,
      tokenEndpoint: `${op.issuer}/token`,
      deviceAuthorizationEndpoint: `${op.issuer}/device/auth`,
      resilience: false,
    });
    const device = client.deviceAuthorization();
    const code = await device.requestDeviceCode({ scopes: ['openid'] });
    expect(code.userCode).toBeTruthy();
    const polling = device.awaitAuthorization(code, { signal: AbortSignal.timeout(25_000) });
    const html = await approveOnDevicePages(code.verificationUriComplete ?? code.verificationUri);
    expect(html).toMatch(/success|sign-in|signed in/i);
    const tokens = await polling;
    expect(tokens.accessToken).toBeTruthy();
  }, 30_000);
});

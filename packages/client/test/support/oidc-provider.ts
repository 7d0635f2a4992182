import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider from 'oidc-provider';
import { afterAll, beforeAll } from 'vitest';
import { HttpUserAgent } from '../../../../examples/support/http-user-agent.js';
import { clearDiscoveryCache } from '../../src/index.js';

export const SECRET = 'a-client-secret-that-is-long-enough-for-hs256-0123456789';
export const REDIRECT_URI = 'http://127.0.0.1/cb';

export interface TestProvider {
  issuer: string;
  provider: InstanceType<typeof Provider>;
  privateJwk: JWK;
  close(): Promise<void>;
}

/** Starts a real oidc-provider on an ephemeral 127.0.0.1 port with one client per auth method. */
async function startProvider(): Promise<TestProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const privateJwk = { ...(await exportJWK(privateKey)), kid: 'k1', alg: 'RS256' };
  const grants = [
    'client_credentials',
    'authorization_code',
    'refresh_token',
    'urn:ietf:params:oauth:grant-type:device_code',
  ];
  const base = { grant_types: grants, redirect_uris: [REDIRECT_URI], response_types: ['code'] };
  const provider = new Provider(issuer, {
    clients: [
      {
        ...base,
        client_id: 'basic',
        client_secret: SECRET,
        token_endpoint_auth_method: 'client_secret_basic',
      },
      { ...base, client_id: 'post', client_secret: SECRET, token_endpoint_auth_method: 'client_secret_post' },
      { ...base, client_id: 'hmac', client_secret: SECRET, token_endpoint_auth_method: 'client_secret_jwt' },
      {
        ...base,
        client_id: 'pkjwt',
        jwks: { keys: [publicJwk] },
        token_endpoint_auth_method: 'private_key_jwt',
      },
      { ...base, client_id: 'public', token_endpoint_auth_method: 'none' },
    ],
    scopes: ['openid', 'offline_access', 'api:read'],
    features: {
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      deviceFlow: { enabled: true },
      devInteractions: { enabled: false },
    },
  });
  const callback = provider.callback();
  server.on('request', (req, res) => {
    if (!req.url?.startsWith('/interaction/')) {
      callback(req, res);
      return;
    }
    // Auto-approve: log in `user-1` and grant every requested scope.
    void (async () => {
      const details = await provider.interactionDetails(req, res);
      const accountId = 'user-1';
      const grant = new provider.Grant({ accountId, clientId: String(details.params['client_id']) });
      grant.addOIDCScope(String(details.params['scope']));
      const grantId = await grant.save();
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId }, consent: { grantId } },
        { mergeWithLastSubmission: false },
      );
    })().catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });
  return {
    issuer,
    provider,
    privateJwk,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Follows the authorization redirects (with cookies) until the client's redirect URI; returns it. */
export async function authorize(url: string): Promise<URL> {
  const browser = new HttpUserAgent();
  let next = new URL(url);
  for (let i = 0; i < 10; i++) {
    const res = await browser.request('GET', next);
    const location = res.headers.get('location');
    if (!location) throw new Error(`no redirect from ${next}: ${res.status} ${await res.text()}`);
    await res.body?.cancel();
    const target = new URL(location, next);
    if (target.href.startsWith(REDIRECT_URI)) return target;
    next = target;
  }
  throw new Error('too many redirects');
}

/**
 * Approves a device code on the provider's own pages as a person would: opens `start` (the verification
 * URI), follows redirects with cookies and submits the first form of each page with its fields (user code
 * confirmation; the login is approved automatically). Returns the HTML of the page it ends on.
 */
export async function approveOnDevicePages(start: string): Promise<string> {
  const browser = new HttpUserAgent();
  const open = async (url: URL, form?: Record<string, string>) => {
    let at = url;
    let res = await browser.request(form ? 'POST' : 'GET', at, form);
    for (let i = 0; i < 15; i++) {
      const location = res.headers.get('location');
      if (!location) return { url: at, html: await res.text() };
      await res.body?.cancel();
      at = new URL(location, at);
      res = await browser.request('GET', at);
    }
    throw new Error('too many redirects');
  };
  let page = await open(new URL(start));
  for (let step = 0; step < 5; step++) {
    const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(page.html);
    if (!form) return page.html;
    const fields: Record<string, string> = {};
    for (const input of (form[2] ?? '').matchAll(/<(?:input|button)[^>]*>/gi)) {
      const name = /name="([^"]*)"/.exec(input[0])?.[1];
      const value = /value="([^"]*)"/.exec(input[0])?.[1] ?? '';
      if (name && !(name in fields)) fields[name] = value;
    }
    page = await open(new URL(form[1] ?? '', page.url), fields);
  }
  return page.html;
}

/**
 * Starts one oidc-provider for the calling test file (in `beforeAll`, with a cleared discovery cache) and
 * stops it in `afterAll`. The returned object reads through to the running provider, so it is used only
 * inside tests and later hooks.
 */
export function useTestProvider(): TestProvider {
  let started: TestProvider | undefined;
  beforeAll(async () => {
    started = await startProvider();
    clearDiscoveryCache();
  });
  afterAll(async () => {
    await started?.close();
  });
  const current = (): TestProvider => {
    if (!started) throw new Error('the test provider starts in beforeAll: use it inside tests and hooks');
    return started;
  };
  return {
    get issuer() {
      return current().issuer;
    },
    get provider() {
      return current().provider;
    },
    get privateJwk() {
      return current().privateJwk;
    },
    close: () => current().close(),
  };
}

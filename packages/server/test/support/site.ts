/**
 * A tiny relying-party "site" for the browser tests: a `node:http` server on 127.0.0.1 with a home page whose
 * "Sign in" link (`/login`) redirects to the authorization server, as a real site does — so the browser arrives
 * there from another site, which is what SameSite cookie rules look at — and a `/callback` that records the
 * query the browser is sent back with. The site's back end also redeems codes at the token endpoint.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hashedSecret } from './app.js';

const b64url = (buf: Buffer) => buf.toString('base64url');

export interface AuthorizationStart {
  url: string;
  state: string;
  nonce: string;
  verifier: string;
}

export interface Site {
  /** The client as registered at the server (config `clients` entry). */
  readonly registration: Record<string, unknown>;
  /** The home page, with a "Sign in with Gatehouse" link. */
  readonly home: string;
  readonly redirectUri: string;
  /** Authorization requests the site started (one per click on "Sign in"), oldest first. */
  readonly starts: AuthorizationStart[];
  /** Query strings the browser arrived with at `/callback`, oldest first. */
  readonly callbacks: URLSearchParams[];
  /** RFC 6749 §4.1.3 token request for `code`, authenticated the way the client is registered. */
  exchange(code: string, verifier: string): Promise<Response>;
  close(): Promise<void>;
}

export async function startSite(opts: {
  issuer: string;
  host: string;
  title: string;
  clientId: string;
  scope: string;
  /** Confidential (client_secret_basic) when set, public (`none`) otherwise. */
  clientSecret?: string;
}): Promise<Site> {
  const callbacks: URLSearchParams[] = [];
  const starts: AuthorizationStart[] = [];
  const page = (body: string) =>
    `<!doctype html><html lang="en"><link rel="icon" href="data:,"><title>${opts.title}</title><h1>${opts.title}</h1>${body}`;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://site.invalid');
    const headers = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' };
    if (url.pathname === '/') {
      res.writeHead(200, headers).end(page('<p><a href="/login">Sign in with Gatehouse</a></p>'));
    } else if (url.pathname === '/login') {
      const start = authorizationRequest();
      starts.push(start);
      res.writeHead(302, { location: start.url, 'cache-control': 'no-store' }).end();
    } else if (url.pathname === '/callback') {
      callbacks.push(url.searchParams);
      res.writeHead(200, headers).end(page('<p>Back from the sign-in.</p>'));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const home = `http://${opts.host}:${port}/`;
  const redirectUri = `${home}callback`;

  /** A fresh authorization request: PKCE S256, state and nonce (RFC 9700 §2.1.1, OIDC Core §3.1.2.1). */
  function authorizationRequest(): AuthorizationStart {
    const verifier = b64url(randomBytes(32));
    const state = b64url(randomBytes(16));
    const nonce = b64url(randomBytes(16));
    const url = new URL(`${opts.issuer}/api/oauth/authorize`);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: opts.clientId,
      redirect_uri: redirectUri,
      scope: opts.scope,
      state,
      nonce,
      code_challenge: b64url(createHash('sha256').update(verifier).digest()),
      code_challenge_method: 'S256',
    }).toString();
    return { url: url.href, state, nonce, verifier };
  }
  const registration = {
    client_id: opts.clientId,
    ...(opts.clientSecret
      ? hashedSecret(opts.clientSecret)
      : { token_endpoint_auth_method: 'none' as const }),
    grant_types: ['authorization_code'],
    redirect_uris: [redirectUri],
  };

  return {
    registration,
    home,
    redirectUri,
    starts,
    callbacks,
    exchange(code, verifier) {
      const form = new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri,
        code_verifier: verifier,
      });
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
      if (opts.clientSecret) {
        // RFC 6749 §2.3.1: form-encode id and secret, then Basic.
        const id = encodeURIComponent(opts.clientId);
        headers['authorization'] =
          `Basic ${Buffer.from(`${id}:${encodeURIComponent(opts.clientSecret)}`).toString('base64')}`;
      } else {
        form.set('client_id', opts.clientId);
      }
      return fetch(`${opts.issuer}/api/oauth/token`, { method: 'POST', headers, body: form });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}

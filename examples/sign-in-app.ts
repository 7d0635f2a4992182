/**
 * A tiny web site (node:http, no framework) that signs its users in through Gatehouse with
 * `@gatehouse/client`: the authorization code grant with PKCE, state and nonce (RFC 6749 §4.1, RFC 7636,
 * OIDC Core §3.1), the ID token validated by the library, and RP-initiated logout.
 *
 *   /          "Sign in", or the signed-in user's name and a "Sign out" link
 *   /login     redirects to Gatehouse's authorization endpoint
 *   /callback  checks state and iss, exchanges the code, validates the ID token, starts the local session
 *   /logout    ends the local session, then Gatehouse's (end_session_endpoint, id_token_hint,
 *              post_logout_redirect_uri)
 *
 * Run from the repository root (after `npm install`, which builds the packages):
 *   node --import tsx examples/sign-in-app.ts
 * It starts its own Gatehouse on a free port (in-memory database) and prints the URL to open and the demo
 * user's credentials. To use a real Gatehouse instead, register the client there (see
 * docs/site-integration.md) and set:
 *   OAUTH2_ISSUER=https://auth.example.com OAUTH2_CLIENT_ID=sign-in-app OAUTH2_CLIENT_SECRET=… \
 *   APP_URL=http://127.0.0.1:3000 node --import tsx examples/sign-in-app.ts
 * The client must have the redirect URI `${APP_URL}/callback` and the post-logout redirect URI
 * `${APP_URL}/` (where Gatehouse sends the browser back after logout).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import {
  AuthorizationError,
  createOAuth2ClientFromDiscovery,
  discover,
  type OAuth2Error,
  type PendingAuthorization,
  type StateStore,
} from '@gatehouse/client';
import { type LocalGatehouse, startLocalGatehouse } from './support/local-gatehouse.js';

const DEMO_USER = { username: 'alice', password: 'wonderland' };
const SESSION_COOKIE = 'app_session';
const SESSION_TTL_MS = 8 * 3600 * 1000;

/** The browser's session on this site, kept server-side; the browser only holds its random id. */
interface Session {
  expiresAt: number;
  /** The pending authorization request (state, PKCE verifier, nonce) between /login and /callback. */
  pending?: PendingAuthorization;
  user?: { sub: string; name: string; idToken: string };
}

// --- configuration: a real Gatehouse from the environment, or a local one --------------------------

let localGatehouse: LocalGatehouse | undefined;
let issuer = process.env['OAUTH2_ISSUER'];
let clientId = process.env['OAUTH2_CLIENT_ID'] ?? 'sign-in-app';
let clientSecret = process.env['OAUTH2_CLIENT_SECRET'];
const appUrl = new URL(process.env['APP_URL'] ?? `http://127.0.0.1:${issuer ? 3000 : await freePort()}`);
const redirectUri = new URL('/callback', appUrl).href;
const homeUrl = new URL('/', appUrl).href;

if (!issuer) {
  clientId = 'sign-in-app';
  clientSecret = 'sign-in-app-secret-change-me-0123456789';
  localGatehouse = await startLocalGatehouse({
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        grant_types: ['authorization_code', 'refresh_token'],
        // Exact URIs: the callback, and the home page as the post-logout redirect.
        redirect_uris: [redirectUri],
        post_logout_redirect_uris: [homeUrl],
      },
    ],
    users: [{ ...DEMO_USER, email: 'alice@example.com', name: 'Alice' }],
  });
  issuer = localGatehouse.issuer;
}

const client = await createOAuth2ClientFromDiscovery(
  issuer,
  clientSecret ? { clientId, clientSecret } : { clientId },
  { redirectUri },
);
// OIDC RP-Initiated Logout 1.0 §2: where to send the browser to end the Gatehouse session.
const endSessionEndpoint = (await discover(issuer)).raw['end_session_endpoint'];

// --- sessions ---------------------------------------------------------------------------------------

const sessions = new Map<string, Session>();

function readSession(req: IncomingMessage): { id: string; session: Session } | undefined {
  const id = cookies(req).get(SESSION_COOKIE);
  const session = id ? sessions.get(id) : undefined;
  if (!id || !session) return undefined;
  if (session.expiresAt <= Date.now()) {
    sessions.delete(id);
    return undefined;
  }
  return { id, session };
}

/** A new session under a new id (also after sign-in, so an id planted before it is worthless). */
function startSession(res: ServerResponse, session: Omit<Session, 'expiresAt'> = {}): Session {
  const id = randomBytes(32).toString('base64url');
  const created: Session = { ...session, expiresAt: Date.now() + SESSION_TTL_MS };
  sessions.set(id, created);
  const secure = appUrl.protocol === 'https:' ? '; Secure' : '';
  // SameSite=Lax: the cookie still comes along on Gatehouse's top-level redirect back to /callback.
  res.setHeader('set-cookie', `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax${secure}`);
  return created;
}

function endSession(res: ServerResponse, id: string): void {
  sessions.delete(id);
  res.setHeader('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`);
}

/**
 * Keeps the pending authorization in this browser's session, so a callback is only accepted from the
 * browser that started it (RFC 9700 §4.7: state bound to the user agent defeats login CSRF).
 */
function sessionStateStore(session: Session): StateStore {
  return {
    async save(entry) {
      session.pending = entry;
    },
    async consume(state) {
      const pending = session.pending;
      delete session.pending;
      if (!pending) return undefined;
      const a = Buffer.from(pending.state);
      const b = Buffer.from(state);
      return a.length === b.length && timingSafeEqual(a, b) ? pending : undefined;
    },
  };
}

// --- routes -----------------------------------------------------------------------------------------

async function home(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const user = readSession(req)?.session.user;
  if (user) {
    page(
      res,
      200,
      `<p>Signed in as <strong>${esc(user.name)}</strong>.</p><p><a href="/logout">Sign out</a></p>`,
    );
  } else {
    page(res, 200, '<p>You are not signed in.</p><p><a href="/login">Sign in</a> with Gatehouse</p>');
  }
}

async function login(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const session = readSession(req)?.session ?? startSession(res);
  const flow = client.authorizationCodePkce({ stateStore: sessionStateStore(session) });
  const { url } = await flow.buildAuthorizationUrl({ scopes: ['openid', 'profile', 'email'] });
  redirect(res, url);
}

async function callback(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const current = readSession(req);
  if (!current)
    return page(res, 400, '<p>Your sign-in session has expired. <a href="/login">Try again</a>.</p>');
  const flow = client.authorizationCodePkce({ stateStore: sessionStateStore(current.session) });
  try {
    // Checks state (single use, this browser's), iss (RFC 9207), exchanges the code with the PKCE
    // verifier, and validates the ID token: signature, iss, aud, exp, nonce.
    const tokens = await flow.handleCallback(new URL(req.url ?? '/', appUrl));
    const claims = tokens.idTokenClaims;
    if (!claims?.sub || !tokens.idToken) throw new Error('Gatehouse returned no ID token');
    const profile = await client.userinfo(tokens.accessToken);
    const name =
      typeof profile['name'] === 'string' ? profile['name'] : String(profile['preferred_username']);
    endSession(res, current.id);
    startSession(res, { user: { sub: claims.sub, name, idToken: tokens.idToken } });
    console.log(`signed in: ${name} (sub ${claims.sub})`);
    redirect(res, '/');
  } catch (error) {
    // The error's code only (e.g. access_denied, state_mismatch): never a token or a code.
    const code = (error as OAuth2Error).code ?? 'error';
    console.log(`sign-in failed: ${code}`);
    const status = error instanceof AuthorizationError ? 400 : 502;
    page(res, status, `<p>Sign-in failed (${esc(code)}). <a href="/login">Try again</a>.</p>`);
  }
}

async function logout(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const current = readSession(req);
  if (!current) return redirect(res, '/');
  endSession(res, current.id);
  const idToken = current.session.user?.idToken;
  if (typeof endSessionEndpoint !== 'string' || !idToken) return redirect(res, '/');
  console.log('signed out locally; ending the Gatehouse session');
  const url = new URL(endSessionEndpoint);
  url.searchParams.set('id_token_hint', idToken);
  url.searchParams.set('post_logout_redirect_uri', homeUrl);
  redirect(res, url.href);
}

const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>> = {
  '/': home,
  '/login': login,
  '/callback': callback,
  '/logout': logout,
};

// --- HTTP plumbing ----------------------------------------------------------------------------------

function cookies(req: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in example</title></head><body><h1>Sign-in example</h1>${body}</body></html>`,
  );
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { location, 'cache-control': 'no-store' });
  res.end();
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
    probe.on('error', reject);
  });
}

const server = createServer((req, res) => {
  const route = routes[new URL(req.url ?? '/', appUrl).pathname];
  if (!route || req.method !== 'GET') return page(res, 404, '<p>Not found.</p>');
  route(req, res).catch((error: unknown) => {
    console.error(`request failed: ${(error as Error).name}`);
    if (!res.headersSent) page(res, 500, '<p>Something went wrong.</p>');
  });
});
server.listen(Number(appUrl.port || 80), appUrl.hostname, () => {
  console.log(`open ${homeUrl} (Gatehouse: ${issuer})`);
  if (localGatehouse) console.log(`sign in as ${DEMO_USER.username} / ${DEMO_USER.password}`);
});

async function shutdown(): Promise<void> {
  server.close();
  server.closeAllConnections();
  await localGatehouse?.close();
  process.exit(0);
}
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());

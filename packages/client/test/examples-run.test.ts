import { type ChildProcess, execFile } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpUserAgent } from '../../../examples/support/http-user-agent.js';
import { spawnNode } from '../../../test-support/processes.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs an example exactly as its header says (`node --import tsx examples/<name>`), from the repo root. */
async function runExample(name: string): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', `examples/${name}`], {
    cwd: root,
    timeout: 60_000,
  });
  return stdout;
}

/** Starts a long-running example and waits for the stdout line that says where it listens. */
async function startExample(
  name: string,
  ready: RegExp,
): Promise<{ child: ChildProcess; match: RegExpMatchArray; output: () => string }> {
  const { child, output: collected } = spawnNode(['--import', 'tsx', `examples/${name}`], { cwd: root });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const match = ready.exec(collected());
    if (match) return { child, match, output: collected };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${name} did not get ready:\n${collected()}`);
}

describe('examples run against a local Gatehouse server', () => {
  it('client-credentials.ts: cached token, introspection, revocation', async () => {
    const stdout = await runExample('client-credentials.ts');
    expect(stdout).toContain('served from cache: true');
    expect(stdout).toContain('active=true before revocation, active=false after');
  });

  it('device-flow.ts: user code approved on the device page, polling ends with tokens', async () => {
    const stdout = await runExample('device-flow.ts');
    expect(stdout).toContain('user approved the code');
    expect(stdout).toContain('device signed in as Alice');
  });

  let running: ChildProcess | undefined;
  afterEach(async () => {
    if (running && running.exitCode === null) {
      running.kill('SIGTERM');
      await once(running, 'exit');
    }
    running = undefined;
  });

  it('sign-in-app.ts: a browser signs in through Gatehouse, sees its name, and signs out of both', async () => {
    const app = await startExample(
      'sign-in-app.ts',
      // Ready once both start-up lines are out (they may arrive in separate chunks).
      /open (http:\/\/127\.0\.0\.1:\d+\/) \(Gatehouse: (\S+)\)\s+sign in as alice \/ wonderland/,
    );
    running = app.child;
    const [, home = '', issuer = ''] = app.match;
    const browser = new HttpUserAgent();
    const alice = { username: 'alice', password: 'wonderland' };

    const anonymous = await browser.walk(home);
    expect(anonymous.page.body).toContain('href="/login"');
    expect(anonymous.page.body).not.toContain('Signed in as');

    // /login: a session cookie for the pending request, and a redirect to Gatehouse with PKCE, state, nonce.
    const login = await browser.request('GET', new URL('/login', home));
    expect(login.status).toBe(302);
    expect(login.headers.getSetCookie().join()).toMatch(
      /^app_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax/,
    );
    const authorize = new URL(login.headers.get('location') ?? '');
    expect(authorize.href.startsWith(`${issuer}/api/oauth/authorize?`)).toBe(true);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('state')).toBeTruthy();
    expect(authorize.searchParams.get('nonce')).toBeTruthy();
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${home}callback`);

    // Gatehouse's login and consent pages, then back to /callback and on to the home page.
    const callback = `${home}callback?`;
    const consented = await browser.walk(authorize, {
      credentials: alice,
      consent: 'approve',
      stopAt: (url) => url.href.startsWith(callback),
    });
    expect(consented.submitted).toEqual(['login', 'consent']);
    const callbackUrl = consented.page.url;
    expect(callbackUrl.searchParams.get('iss')).toBe(issuer);
    const signedIn = await browser.walk(callbackUrl);
    expect(signedIn.page.url.href).toBe(home);
    expect(signedIn.page.body).toContain('Signed in as <strong>Alice</strong>');
    expect(app.output()).toMatch(/signed in: Alice \(sub [^)]+\)/);

    // The same callback again (its state was used) is refused, and the user stays signed in.
    const replay = await browser.walk(callbackUrl);
    expect(replay.page.status).toBe(400);
    expect(replay.page.body).toContain('Sign-in failed (state_mismatch)');
    expect((await browser.walk(home)).page.body).toContain('Signed in as <strong>Alice</strong>');

    // /logout ends the site's session, then Gatehouse's, which sends the browser back home.
    const signOut = await browser.walk(new URL('/logout', home));
    expect(signOut.page.url.href).toBe(home);
    expect(signOut.page.body).toContain('href="/login"');
    expect(browser.cookies('127.0.0.1').has('gh_session')).toBe(false);

    // Gatehouse's session ended too: signing in again asks for the password.
    const again = await browser.walk(new URL('/login', home));
    expect(again.page.url.href.startsWith(`${issuer}/api/oauth/authorize`)).toBe(true);
    expect(again.page.body).toContain('name="password"');
    expect(app.output()).not.toMatch(/eyJ/); // no JWT (ID or access token) printed
  }, 90_000);
});

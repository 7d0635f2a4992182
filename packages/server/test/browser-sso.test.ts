/**
 * End to end in a real Chromium: two relying-party sites on their own hosts (site-a.localhost and
 * site-b.localhost, so the server's cookies cross sites exactly as in production), single sign-on between them,
 * consent approve and deny, RP-initiated logout, and the device flow, all in ONE browser context.
 * `UPDATE_SCREENSHOTS=1` also writes the README screenshots to docs/images/.
 */
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing } from '../../../test-support/services.js';
import { testApp } from './support/app.js';
import { launchChromium, SITE_HOSTS, watchProblems } from './support/browser.js';
import { freePort } from './support/http.js';
import { overflowAtMobileWidth, saveScreenshots } from './support/screenshots.js';
import { type AuthorizationStart, type Site, startSite } from './support/site.js';

const USER = { username: 'alice', password: 'alice password 42', email: 'alice@example.com', name: 'Alice' };
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const SCOPE = 'openid profile email';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe.skipIf(missing('chromium'))(
  'in a real browser: SSO across two sites, consent, logout, device flow',
  () => {
    let server: Awaited<ReturnType<typeof testApp>>;
    let issuer: string;
    let siteA: Site;
    let siteB: Site;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let problems: string[];

    beforeAll(async () => {
      const port = await freePort();
      issuer = `http://127.0.0.1:${port}`;
      siteA = await startSite({
        issuer,
        host: SITE_HOSTS[0],
        title: 'Site A',
        clientId: 'site-a',
        clientSecret: 'site-a secret',
        scope: SCOPE,
      });
      siteB = await startSite({
        issuer,
        host: SITE_HOSTS[1],
        title: 'Site B',
        clientId: 'site-b',
        scope: SCOPE,
      });
      server = await testApp({
        oauth: { issuer },
        clients: [
          siteA.registration,
          siteB.registration,
          { client_id: 'tv', token_endpoint_auth_method: 'none', grant_types: [DEVICE_GRANT] },
        ],
        users: [USER],
      });
      await server.app.listen({ host: '127.0.0.1', port });
      browser = await launchChromium();
      context = await browser.newContext({ viewport: { width: 960, height: 640 }, locale: 'en-US' });
      // Argon2 and page loads on a busy 2-core machine: generous, but well inside the test's 120 s.
      context.setDefaultTimeout(20_000);
      context.setDefaultNavigationTimeout(30_000);
      problems = watchProblems(context);
      page = await context.newPage();
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await Promise.all([siteA?.close(), siteB?.close()]);
      await server?.close();
    });

    /**
     * The user clicks "Sign in" on the site's page and the site redirects to the authorization server, so the
     * server is reached from another site (SameSite cookie rules apply) — unlike typing its URL.
     */
    async function clickSignInOn(site: Site): Promise<AuthorizationStart> {
      const before = site.starts.length;
      await page.goto(site.home);
      await page.getByRole('link', { name: 'Sign in with Gatehouse' }).click();
      await page.waitForURL((u) => u.href.startsWith(`${issuer}/api/oauth/authorize?`));
      expect(site.starts.length).toBe(before + 1);
      return site.starts.at(-1)!;
    }

    /** Waits until the browser is back on `site`'s redirect URI and returns the query it arrived with. */
    async function backOn(site: Site): Promise<URLSearchParams> {
      await page.waitForURL((u) => u.href.startsWith(`${site.redirectUri}?`));
      const query = new URL(page.url()).searchParams;
      // The site's own server saw the same callback (the browser really loaded it).
      expect(site.callbacks.at(-1)?.toString()).toBe(query.toString());
      return query;
    }

    /** The page's h1 becomes `text` (polled: a click's navigation finishes in its own time on a busy machine). */
    const headingIs = (text: string) =>
      expect
        .poll(() => page.getByRole('heading', { level: 1 }).textContent(), { timeout: 20_000 })
        .toBe(text);

    /** The login form, located by its accessible names, with the autocomplete hints password managers need. */
    async function expectLoginForm() {
      await headingIs('Sign in');
      const username = page.getByRole('textbox', { name: 'Username' });
      const password = page.getByLabel('Password', { exact: true });
      expect(await username.getAttribute('autocomplete')).toBe('username');
      expect(await password.getAttribute('autocomplete')).toBe('current-password');
      expect(await password.getAttribute('type')).toBe('password');
      return { username, password };
    }

    async function expectConsentFor(clientId: string) {
      await headingIs('Allow access?');
      // Single sign-on: an existing session must never ask for the password again.
      expect(await page.locator('input[type="password"]').count()).toBe(0);
      expect(await page.getByRole('main').textContent()).toContain(clientId);
      for (const what of ['Confirm who you are', 'See your name and username', 'See your email address']) {
        await page.getByRole('listitem').filter({ hasText: what }).waitFor();
      }
    }

    async function expectCode(site: Site, start: { state: string }): Promise<string> {
      const query = await backOn(site);
      expect(query.get('state')).toBe(start.state);
      expect(query.get('iss')).toBe(issuer); // RFC 9207
      expect(query.get('error')).toBeNull();
      const code = query.get('code');
      expect(code).toMatch(/^[\w-]{20,}$/);
      return code!;
    }

    /** The site's back end redeems the code and checks the ID token (signature, iss, aud, nonce). */
    async function redeem(site: Site, code: string, start: { verifier: string; nonce: string }, aud: string) {
      const res = await site.exchange(code, start.verifier);
      expect(res.status).toBe(200);
      const tokens = (await res.json()) as { access_token: string; id_token: string; token_type: string };
      expect(tokens.token_type).toBe('Bearer');
      const jwks = createRemoteJWKSet(new URL(`${issuer}/api/oauth/jwks`));
      const { payload } = await jwtVerify(tokens.id_token, jwks, { issuer, audience: aud });
      expect(payload.nonce).toBe(start.nonce);
      expect(payload.sub).toMatch(/.+/);
      const info = await fetch(`${issuer}/api/oauth/userinfo`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      expect(await info.json()).toMatchObject({
        sub: payload.sub,
        preferred_username: USER.username,
        email: USER.email,
      });
      return payload.sub!;
    }

    it('signs in once for both sites, honours deny, signs out, and connects a device', async () => {
      // 1. Site A: login page, then consent, then back with a code.
      const a1 = await clickSignInOn(siteA);
      const login = await expectLoginForm();
      expect(await page.getByRole('main').textContent()).toContain('site-a');
      expect(await overflowAtMobileWidth(page)).toBeLessThanOrEqual(0);
      await saveScreenshots(page, 'login');
      // A wrong password first: the error is announced (role=alert), the username kept, the password not.
      await login.username.fill(USER.username);
      await login.password.fill('not the password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').filter({ hasText: 'Incorrect username or password.' }).waitFor();
      await headingIs('Sign in');
      expect(await login.username.inputValue()).toBe(USER.username);
      expect(await login.password.inputValue()).toBe('');
      // That 401 is the one failed request expected on the whole journey.
      expect(problems.splice(0)).toEqual([`HTTP 401 for ${issuer}/api/oauth/authorize`]);
      await login.password.fill(USER.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expectConsentFor('site-a');
      expect(await overflowAtMobileWidth(page)).toBeLessThanOrEqual(0);
      await saveScreenshots(page, 'consent');
      await page.getByRole('button', { name: 'Allow' }).click();
      const subA = await redeem(siteA, await expectCode(siteA, a1), a1, 'site-a');

      // The session cookie is what makes SSO work across sites: HttpOnly, and Lax so that a top-level
      // navigation from another site still carries it.
      const session = (await context.cookies(issuer)).find((c) => c.name === 'gh_session');
      expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax' });

      // 2. Site B: no login form (SSO), consent, deny → access_denied back at B.
      const b1 = await clickSignInOn(siteB);
      await expectConsentFor('site-b');
      await page.getByRole('button', { name: 'Deny' }).click();
      const denied = await backOn(siteB);
      expect(denied.get('error')).toBe('access_denied');
      expect(denied.get('state')).toBe(b1.state);
      expect(denied.get('iss')).toBe(issuer);
      expect(denied.get('code')).toBeNull();

      // 3. Site B again: still no login, approve this time → a code for the same user.
      const b2 = await clickSignInOn(siteB);
      await expectConsentFor('site-b');
      await page.getByRole('button', { name: 'Allow' }).click();
      expect(await redeem(siteB, await expectCode(siteB, b2), b2, 'site-b')).toBe(subA);

      // 4. RP-initiated logout without an id_token_hint: a confirmation page, then signed out.
      await page.goto(`${issuer}/api/oauth/logout`);
      await headingIs('Sign out?');
      await page.getByRole('button', { name: 'Sign out' }).click();
      await headingIs('Signed out');
      expect((await context.cookies(issuer)).some((c) => c.name === 'gh_session')).toBe(false);
      await clickSignInOn(siteA);
      await expectLoginForm();

      // 5. Device flow (RFC 8628): the device asks for a code, the user confirms it in this browser.
      const started = await fetch(`${issuer}/api/oauth/device_authorization`, {
        method: 'POST',
        headers: FORM,
        body: new URLSearchParams({ client_id: 'tv', scope: 'openid profile' }),
      });
      expect(started.status).toBe(200);
      const device = (await started.json()) as {
        device_code: string;
        user_code: string;
        verification_uri_complete: string;
        interval: number;
      };
      const poll = async () => {
        const res = await fetch(`${issuer}/api/oauth/token`, {
          method: 'POST',
          headers: FORM,
          body: new URLSearchParams({
            grant_type: DEVICE_GRANT,
            device_code: device.device_code,
            client_id: 'tv',
          }),
        });
        return { status: res.status, body: (await res.json()) as Record<string, string> };
      };
      expect((await poll()).body['error']).toBe('authorization_pending');
      let lastPoll = Date.now();

      // verification_uri_complete leads straight to the confirmation page (RFC 8628 §3.3): the client, what
      // it asks for, and the code to compare with the device's — shown, not editable.
      await page.goto(device.verification_uri_complete);
      await headingIs('Connect a device');
      expect(await page.getByText('is asking for access').textContent()).toBe('tv is asking for access.');
      expect(await page.getByRole('listitem').allTextContents()).toEqual([
        'Confirm who you are',
        'See your name and username',
      ]);
      expect(await page.locator('.code').textContent()).toBe(device.user_code);
      const deviceLogin = {
        username: page.getByRole('textbox', { name: 'Username' }),
        password: page.getByLabel('Password', { exact: true }),
      };
      expect(await deviceLogin.password.getAttribute('autocomplete')).toBe('current-password');
      expect(await overflowAtMobileWidth(page)).toBeLessThanOrEqual(0);
      await saveScreenshots(page, 'device');
      await deviceLogin.username.fill(USER.username);
      await deviceLogin.password.fill(USER.password);
      await page.getByRole('button', { name: 'Allow' }).click();
      await headingIs('Device connected');

      // Poll no faster than the interval (RFC 8628 §3.5), slowing down when told to.
      let interval = device.interval;
      let result = { status: 0, body: {} as Record<string, string> };
      for (let i = 0; i < 5; i++) {
        await new Promise((r) => setTimeout(r, Math.max(0, lastPoll + interval * 1000 + 250 - Date.now())));
        result = await poll();
        lastPoll = Date.now();
        if (result.body['error'] === 'slow_down') interval += 5;
        else if (result.body['error'] !== 'authorization_pending') break;
      }
      expect(result.status).toBe(200);
      expect(result.body).toMatchObject({ token_type: 'Bearer', scope: 'openid profile' });
      const { payload } = await jwtVerify(
        result.body['id_token']!,
        createRemoteJWKSet(new URL(`${issuer}/api/oauth/jwks`)),
        { issuer, audience: 'tv' },
      );
      expect(payload.sub).toBe(subA);

      // No CSP violation, script error or request to a CDN on any page along the way.
      expect(problems).toEqual([]);
    }, 120_000);
  },
);

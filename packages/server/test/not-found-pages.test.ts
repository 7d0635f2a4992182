import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCK_WINDOW_SECS } from '../src/service/sign-in/password-sign-in.js';
import { acceptsHtml } from '../src/web/hooks/not-found.js';
import { PAGE_CSP } from '../src/web/pages/index.js';
import { CLIENTS, type TestApp, testApp } from './support/app.js';
import {
  authorizeUrl,
  Browser,
  hiddenFields,
  pkce,
  WEB_APP,
  webAppAuthorizeParams,
} from './support/form-login.js';

/*
 * A browser that follows a dead link gets a page, an API client the JSON error it parses; a browser locked out
 * of signing in is told when it may try again.
 */

const DEVICE = 'urn:ietf:params:oauth:grant-type:device_code';
let t: TestApp;
beforeAll(async () => {
  t = await testApp({
    oauth: { issuer: 'https://id.example.com' },
    clients: [
      ...CLIENTS,
      WEB_APP,
      { client_id: 'tv', token_endpoint_auth_method: 'none', grant_types: [DEVICE] },
    ],
    users: [{ username: 'erin', password: 'erin password 1' }],
  });
});
afterAll(async () => t.close());

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe('404', () => {
  it("is an HTML page, with the pages' headers, for a browser", async () => {
    for (const url of ['/nothing-here', '/api/oauth/nothing-here?x=1']) {
      const res = await t.app.inject({ method: 'GET', url, headers: { accept: BROWSER_ACCEPT } });
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['content-security-policy']).toBe(PAGE_CSP);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toMatch(/^<!doctype html>/);
      expect(res.body).toContain('<h1>Page not found</h1>');
    }
  });

  it('stays JSON for API clients: no Accept, JSON, anything, or HTML refused with q=0', async () => {
    for (const accept of [undefined, 'application/json', '*/*', 'text/html;q=0, application/json']) {
      const res = await t.app.inject({
        method: 'GET',
        url: '/nothing-here',
        headers: accept === undefined ? {} : { accept },
      });
      expect(res.statusCode, accept).toBe(404);
      expect(res.json(), accept).toEqual({ error: 'not_found' });
    }
  });

  it('leaves the 405 of a known path JSON even for a browser', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/oauth/token',
      headers: { accept: BROWSER_ACCEPT },
    });
    expect(res.statusCode).toBe(405);
    expect(res.json().error).toBe('invalid_request');
  });

  it('reads Accept as RFC 9110 §12.5.1 writes it', () => {
    expect(acceptsHtml('TEXT/HTML')).toBe(true);
    expect(acceptsHtml('application/json, text/html;q=0.1')).toBe(true);
    expect(acceptsHtml('text/html;level=1;q=0')).toBe(false);
    expect(acceptsHtml('text/plain')).toBe(false);
  });
});

describe('sign-in lockout', () => {
  it('answers the sign-in page with 429 and Retry-After once the username is locked', async () => {
    const b = new Browser(t);
    const url = authorizeUrl(webAppAuthorizeParams(pkce().challenge));
    const attempt = async () => {
      const page = await b.request('GET', url);
      return b.request('POST', '/api/oauth/authorize', {
        ...hiddenFields(page.body),
        username: 'locked-out',
        password: 'wrong password',
      });
    };
    for (let i = 0; i < 5; i++) {
      const res = await attempt();
      expect(res.statusCode).toBe(401);
      expect(res.headers['retry-after']).toBeUndefined();
    }
    const locked = await attempt();
    expect(locked.statusCode).toBe(429);
    expect(locked.headers['retry-after']).toBe(String(LOCK_WINDOW_SECS));
    expect(locked.body).toContain('Too many failed attempts');
  });

  it('answers the device confirmation page with 429 and Retry-After once the username is locked', async () => {
    const started = await t.app.inject({
      method: 'POST',
      url: '/api/oauth/device_authorization',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'client_id=tv',
    });
    const userCode: string = started.json().user_code;
    const b = new Browser(t);
    const attempt = async () => {
      const page = await b.request('GET', `/api/oauth/device?user_code=${userCode}`);
      return b.request('POST', '/api/oauth/device', {
        ...hiddenFields(page.body),
        username: 'erin',
        password: 'wrong password',
        consent: 'approve',
      });
    };
    for (let i = 0; i < 5; i++) expect((await attempt()).statusCode).toBe(401);
    const locked = await attempt();
    expect(locked.statusCode).toBe(429);
    expect(locked.headers['retry-after']).toBe(String(LOCK_WINDOW_SECS));
  });
});

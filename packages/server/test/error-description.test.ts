import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENTS, testApp } from './support/app.js';
import { authorizeUrl, FORM, WEB_APP, webAppOpenidParams } from './support/form-login.js';

/*
 * RFC 6749 §4.1.2.1 / §5.2: "Values for the error_description parameter MUST NOT include characters outside
 * the set %x20-21 / %x23-5B / %x5D-7E". And at the authorization endpoint the description travels through the
 * user's browser to the client, which may display it: it must never carry the requester's words.
 */

const RFC6749_CHARS = /^[\x20-\x21\x23-\x5B\x5D-\x7E]*$/;
const PHISH = 'Your account is suspended, call +1-555-0100';
const TV = {
  client_id: 'tv',
  token_endpoint_auth_method: 'none',
  grant_types: ['urn:ietf:params:oauth:grant-type:device_code'],
};

describe('error_description', () => {
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    t = await testApp({ clients: [...CLIENTS, WEB_APP, TV] });
  });
  afterAll(async () => t.close());

  const query = (extra: Record<string, string> = {}) => authorizeUrl(webAppOpenidParams(extra));
  const redirected = async (url: string) => {
    const res = await t.app.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(302);
    return new URL(res.headers.location as string).searchParams;
  };

  it('does not quote the requested scopes when refusing them at the authorization endpoint', async () => {
    const q = await redirected(query({ scope: `openid Ünicode"\\<script> ${PHISH}` }));
    expect(q.get('error')).toBe('invalid_scope');
    expect(q.get('error_description')).toBe('a requested scope is not allowed for this client');
  });

  it('ignores a repeated parameter it does not know, and names a repeated one it knows', async () => {
    const name = encodeURIComponent(PHISH);
    const ignored = await t.app.inject({ method: 'GET', url: `${query()}&x=1&x=2&${name}=1&${name}=2` });
    expect(ignored.statusCode).toBe(200); // the login page: the request goes on
    expect(ignored.body).not.toContain('suspended');
    const q = await redirected(`${query()}&nonce=a&nonce=b`);
    expect(q.get('error')).toBe('invalid_request');
    expect(q.get('error_description')).toBe('repeated parameter: nonce');
  });

  it('keeps a quoted value within the RFC 6749 characters and 200 characters at the back channel', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/oauth/device_authorization',
      headers: FORM,
      payload: new URLSearchParams({
        client_id: 'tv',
        scope: `openid Ünicode"\\ ${'x'.repeat(300)}`,
      }).toString(),
    });
    expect(res.statusCode).toBe(400);
    const body = res.json() as { error: string; error_description: string };
    expect(body.error).toBe('invalid_scope');
    expect(body.error_description).toMatch(RFC6749_CHARS);
    expect(body.error_description.length).toBeLessThanOrEqual(200);
  });

  it('does not quote a URL it cannot decode', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/api/oauth/%E0%A4%A${encodeURIComponent(PHISH)}` });
    expect(res.statusCode).toBe(400);
    expect(res.json().error_description).toBe('the request URL could not be decoded');
  });
});

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSession } from '../src/service/sessions/sessions.js';
import { testApp } from './support/app.js';
import { FORM } from './support/form-login.js';

// randomInt draws the user code's letters: forced to 0 ("B") on demand, to make two requests draw one code.
const forceB = vi.hoisted(() => ({ calls: 0 }));
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  const randomInt = ((...args: Parameters<typeof crypto.randomInt>) => {
    if (forceB.calls > 0) {
      forceB.calls--;
      return 0;
    }
    return (crypto.randomInt as (...a: unknown[]) => unknown)(...args);
  }) as typeof crypto.randomInt;
  return { ...crypto, default: { ...crypto, randomInt }, randomInt };
});

const DEVICE = 'urn:ietf:params:oauth:grant-type:device_code';
const USER = { username: 'dave', password: 'dave password 12' };

describe('device user codes (RFC 8628 §3.3)', () => {
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    t = await testApp({
      clients: ['victim-tv', 'other-tv'].map((client_id) => ({
        client_id,
        token_endpoint_auth_method: 'none',
        grant_types: [DEVICE],
      })),
      users: [USER],
    });
  });
  afterAll(async () => t.close());

  const post = (form: Record<string, string>, url = '/api/oauth/device_authorization') =>
    t.app.inject({ method: 'POST', url, headers: FORM, payload: new URLSearchParams(form).toString() });

  it('never hands a pending user code to a second request that draws the same letters', async () => {
    forceB.calls = 8;
    const victim = (await post({ client_id: 'victim-tv' })).json();
    expect(victim.user_code).toBe('BBBB-BBBB');
    forceB.calls = 8; // the other device's first draw is the same code; it must draw again
    const other = (await post({ client_id: 'other-tv' })).json();
    expect(other.user_code).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    expect(other.user_code).not.toBe('BBBB-BBBB');

    // Approving the victim's code gives the victim's device its tokens, not the other device.
    const session = await createSession(
      t.ctx.store,
      (await t.ctx.users.verifyPassword('dave', USER.password))!.id,
    );
    expect(await t.ctx.deviceRequests.decide(victim.user_code, session, true)).toBe(true);
    const poll = (client_id: string, device_code: string) =>
      post({ grant_type: DEVICE, client_id, device_code }, '/api/oauth/token');
    expect((await poll('victim-tv', victim.device_code)).statusCode).toBe(200);
    expect((await poll('other-tv', other.device_code)).json().error).toBe('authorization_pending');
  });
});

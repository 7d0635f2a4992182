import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOAuth2Client, ProtocolError } from '../src/index.js';
import { type ScriptedOidc, startScriptedOidc } from './support/scripted-oidc.js';

let op: ScriptedOidc;
beforeEach(async () => {
  op = await startScriptedOidc();
});
afterEach(async () => {
  await op.server.close();
});

describe('UserInfo sub (OIDC Core §5.3.2)', () => {
  it('a response for another subject than the ID token’s is rejected', async () => {
    op.userinfo = { sub: 'user-2', email: 'someone@else.example' };
    const error = await createOAuth2Client(op.config)
      .userinfo('at', { expectedSubject: 'user-1' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error).toMatchObject({ code: 'subject_mismatch' });
  });

  it('a response without sub is rejected when a subject is expected', async () => {
    op.userinfo = { email: 'user@example.com' };
    await expect(
      createOAuth2Client(op.config).userinfo('at', { expectedSubject: 'user-1' }),
    ).rejects.toMatchObject({ name: 'ProtocolError', code: 'invalid_response' });
  });

  it('the matching subject is returned with the claims', async () => {
    op.userinfo = { sub: 'user-1', email: 'user@example.com' };
    expect(await createOAuth2Client(op.config).userinfo('at', { expectedSubject: 'user-1' })).toEqual({
      sub: 'user-1',
      email: 'user@example.com',
    });
  });
});
